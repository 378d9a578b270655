import { afterEach, describe, expect, it } from 'vitest'
import { tokens } from '../../domain/governance/amounts.js'
import { accountOf } from '../../domain/governance/state.js'
import { Expected, type EventStore } from '../../domain/ports/event-store.js'
import { groupWrites } from '../../infrastructure/command-handler.js'
import { ALICE, BOB, cmd } from '../domain/governance/fixtures.js'
import { governanceHandler, harness, keyOf, sign, signRaw, type Harness } from './command-handler-support.js'

let open: Harness | undefined
afterEach(async () => {
  await open?.store.close()
  open = undefined
})

async function started(): Promise<Harness> {
  open = await harness()
  for (const command of [cmd.genesis(), cmd.register(ALICE), cmd.register(BOB)]) {
    const result = await open.handler.handle(sign(command))
    if (!result.ok) throw new Error(result.error.code)
  }
  return open
}

async function envelopes(store: EventStore) {
  const all = []
  for await (const envelope of store.readAll()) all.push(envelope)
  return all
}

describe('the command handler', () => {
  it('appends the decided events, caused by the signed command, at the ledger time it decided with', async () => {
    const { store, handler, clock } = await started()
    clock.advance(5_000)
    const signed = sign(cmd.transfer(ALICE, BOB, tokens(3)))
    const result = await handler.handle(signed)
    expect(result).toMatchObject({ ok: true, duplicate: false, recordedAt: new Date(clock.now()).toISOString() })
    const written = (await envelopes(store)).filter((e) => e.cause.kind === 'command' && e.cause.commandHash === (result.ok && result.commandHash))
    expect(written.map((e) => [e.stream, e.type, e.streamVersion])).toEqual([
      [`account-${keyOf(ALICE)}`, 'OpenSent', 1],
      [`account-${keyOf(BOB)}`, 'OpenReceived', 1],
    ])
    expect(written[0]?.data).toEqual({ from: keyOf(ALICE), to: keyOf(BOB), amount: tokens(3).toString() })
    expect(accountOf(await handler.state(), keyOf(BOB)).open).toBe(tokens(50_003))
  })

  it('a refused command returns the domain error and appends nothing', async () => {
    const { store, handler } = await started()
    const before = await store.head()
    const result = await handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(1_000_000))))
    expect(result).toMatchObject({ ok: false, error: { code: 'insufficient-open' } })
    expect(await store.head()).toEqual(before)
  })

  it('refuses a bad signature and a malformed command before deciding', async () => {
    const { store, handler } = await started()
    const before = await store.head()
    const signed = sign(cmd.wrap(ALICE, tokens(1)))
    const forged = { ...signed, command: { ...signed.command, payload: { amount: tokens(2).toString() } } }
    expect(await handler.handle(forged)).toMatchObject({ ok: false, error: { code: 'bad-signature' } })
    expect(await handler.handle({ command: signed.command })).toMatchObject({ ok: false, error: { code: 'malformed' } })
    const badPayload = signRaw(ALICE, 'WrapOpen', { amount: '0' })
    expect(await handler.handle(badPayload)).toMatchObject({ ok: false, error: { code: 'malformed-command' } })
    expect(await store.head()).toEqual(before)
  })

  it('is idempotent on the signed command: a repeat returns the first result and appends nothing', async () => {
    const { store, handler } = await started()
    const signed = sign(cmd.wrap(ALICE, tokens(50_000)))
    const first = await handler.handle(signed)
    const head = await store.head()
    // Deciding it again would now fail (the OPEN is wrapped); the repeat is recognized first.
    const again = await handler.handle(signed)
    expect(again).toEqual({ ...first, duplicate: true })
    expect(await store.head()).toEqual(head)
  })

  it('recognizes a repeat appended through another handler', async () => {
    const { store, handler, clock } = await started()
    const signed = sign(cmd.wrap(ALICE, tokens(1)))
    const first = await handler.handle(signed)
    const other = governanceHandler(store, clock)
    expect(await other.handle(signed)).toEqual({ ...first, duplicate: true })
  })

  it('reads the command index only for a refusal: a fresh command is not looked up, a resend that is accepted again is answered by the store', async () => {
    const { store, clock } = await started()
    let lookups = 0
    const counted: EventStore = Object.assign(Object.create(store) as EventStore, { commandResult: (hash: string) => (lookups++, store.commandResult(hash)) })
    const handler = governanceHandler(counted, clock)
    const first = await handler.handle(sign(cmd.wrap(ALICE, tokens(1))))
    expect(first.ok).toBe(true)
    expect(lookups).toBe(0)
    // The resend is decided again (1 more OPEN to wrap: accepted), and the sequencer answers the first result.
    const resent = sign(cmd.wrap(BOB, tokens(2)))
    const firstOfResent = await handler.handle(resent)
    const head = await store.head()
    // Interleaved with fresh commands decided on top of it, all in flight together.
    const [again, a, b] = await Promise.all([handler.handle(resent), handler.handle(sign(cmd.wrap(ALICE, tokens(3)))), handler.handle(sign(cmd.wrap(BOB, tokens(4))))])
    expect(again).toEqual({ ...firstOfResent, duplicate: true })
    expect([a.ok, b.ok, a.ok && a.duplicate, b.ok && b.duplicate]).toEqual([true, true, false, false])
    expect((await store.head()).sequence).toBeGreaterThan(head.sequence)
    expect(lookups).toBe(0)
    // A refusal asks the index: this one is not in it, so it is refused.
    expect(await handler.handle(sign(cmd.wrap(ALICE, tokens(10_000_000))))).toMatchObject({ ok: false })
    expect(lookups).toBe(1)
    const events = await envelopes(store)
    expect(events.filter((e) => e.cause.kind === 'command' && firstOfResent.ok && e.cause.commandHash === firstOfResent.commandHash).map((e) => e.sequence)).toEqual(
      firstOfResent.ok ? Array.from({ length: firstOfResent.lastSequence - firstOfResent.firstSequence + 1 }, (_, i) => firstOfResent.firstSequence + i) : [],
    )
  })

  it('never records a time before the head, even when the clock is behind', async () => {
    const { handler, clock } = await started()
    clock.advance(-60_000)
    const result = await handler.handle(sign(cmd.wrap(ALICE, tokens(1))))
    expect(result.ok && result.recordedAt).toBe(new Date(clock.now() + 60_000).toISOString())
  })

  it('groups events into one write per stream with the expected version, and refuses interleaving', () => {
    const versions = new Map([['account-a', 3]])
    const writes = groupWrites(
      [
        { stream: 'account-a', type: 'A', data: 1 },
        { stream: 'account-a', type: 'B', data: 2 },
        { stream: 'proposal-p', type: 'C', data: 3 },
      ],
      versions,
    )
    expect(writes.map((w) => [w.stream, w.expected, w.events.length])).toEqual([
      ['account-a', Expected.exact(3), 2],
      ['proposal-p', Expected.exact(0), 1],
    ])
    expect(() =>
      groupWrites(
        [
          { stream: 'a', type: 'A', data: 1 },
          { stream: 'b', type: 'B', data: 2 },
          { stream: 'a', type: 'C', data: 3 },
        ],
        versions,
      ),
    ).toThrow(/interleaved/)
  })
})

describe('races with another writer', () => {
  /** A store whose next appends are each preceded by another writer's append. */
  function contested(store: EventStore, times: number, other: () => Promise<unknown>): EventStore {
    let left = times
    return {
      ...store,
      readAll: (from) => store.readAll(from),
      async append(request) {
        if (left-- > 0) await other()
        return store.append(request)
      },
    }
  }

  it('catches up and decides again when another writer moved a stream it writes', async () => {
    const { store, handler: first, clock } = await started()
    const rival = governanceHandler(store, clock)
    await rival.state()
    // Between the handler's decision and its append, the rival spends most of Alice's OPEN.
    const handler = governanceHandler(contested(store, 1, () => rival.handle(sign(cmd.transfer(ALICE, BOB, tokens(40_000))))), clock)
    const result = await handler.handle(sign(cmd.wrap(ALICE, tokens(10_000))))
    expect(result.ok).toBe(true)
    const state = await first.state()
    expect(accountOf(state, keyOf(ALICE))).toMatchObject({ open: 0n, gopen: tokens(10_000) })
  })

  it('after the retry the rules see the other write: a now-unaffordable command is refused', async () => {
    const { store, clock } = await started()
    const rival = governanceHandler(store, clock)
    const handler = governanceHandler(contested(store, 1, () => rival.handle(sign(cmd.transfer(ALICE, BOB, tokens(45_000))))), clock)
    const result = await handler.handle(sign(cmd.wrap(ALICE, tokens(10_000))))
    expect(result).toMatchObject({ ok: false, error: { code: 'insufficient-open' } })
  })

  it('gives up with a typed conflict after a bounded number of attempts', async () => {
    const { store, clock } = await started()
    const rival = governanceHandler(store, clock)
    const handler = governanceHandler(contested(store, 100, () => rival.handle(sign(cmd.transfer(ALICE, BOB, 1n)))), clock, 3)
    const before = (await store.head()).sequence
    const result = await handler.handle(sign(cmd.wrap(ALICE, tokens(1))))
    expect(result).toMatchObject({ ok: false, error: { code: 'conflict' } })
    // Only the rival's three transfers (two events each) were appended.
    expect((await store.head()).sequence).toBe(before + 6)
  })
})
