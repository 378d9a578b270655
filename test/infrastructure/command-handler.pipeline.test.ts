/**
 * Pipelined decisions: the handler decides each command against the state the previous one left
 * before that one has committed, and the store commits them in shared batches. Conflicting
 * commands sent at once still give exactly one winner; a resend answers the first result; two
 * commands under one nonce give one winner; a batch that fails takes with it every decision made
 * on top of it, and later commands are decided against the durable log only.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { governance } from '../../domain/governance/index.js'
import { tokens } from '../../domain/governance/amounts.js'
import { accountOf, circulating } from '../../domain/governance/state.js'
import { signCommand, type SignedCommand } from '../../domain/ledger/command.js'
import { createRedecider } from '../../domain/ledger/redecide.js'
import type { AppendRequest, EventStore } from '../../domain/ports/event-store.js'
import type { Signer } from '../../domain/ports/crypto.js'
import { storeLines } from '../../infrastructure/bundle/lines.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'
import type { StorageBackend } from '../../infrastructure/store/backend.js'
import { createMemoryBackend } from '../../infrastructure/store/memory-backend.js'
import { verifyLines } from '../../infrastructure/verify/verifier.js'
import { ALICE, BOB, CAROL, cmd, DAVE, LEDGER } from '../domain/governance/fixtures.js'
import { governanceHandler, harness, keyOf, realKeys, sign, type Harness } from './command-handler-support.js'

const PEOPLE = [ALICE, BOB, CAROL, DAVE]

/** A backend whose commits wait `delay()` ms (so decisions pile up behind them) and can be made to fail. */
function slowBackend(delay: () => number) {
  const inner = createMemoryBackend()
  const control = { failNext: undefined as Error | undefined, commits: 0, gate: undefined as Promise<void> | undefined }
  const backend: StorageBackend = {
    ...inner,
    async commit(batch) {
      control.commits++
      await (control.gate ?? new Promise((resolve) => setTimeout(resolve, delay())))
      const failure = control.failNext
      control.failNext = undefined
      if (failure !== undefined) throw failure
      return inner.commit(batch)
    },
  }
  return { backend, control }
}

/** Counts the appends decided on top of one not yet committed. */
function counting(store: EventStore): { store: EventStore; pipelined: () => number } {
  let pipelined = 0
  return {
    store: {
      ...store,
      append(request: AppendRequest) {
        if (request.after !== undefined) pipelined++
        return store.append(request)
      },
    },
    pipelined: () => pipelined,
  }
}

let open: Harness | undefined
afterEach(async () => {
  await open?.store.close()
  open = undefined
})

async function started(backend: StorageBackend): Promise<Harness> {
  const h = await harness(backend)
  open = h
  for (const command of [cmd.genesis(), ...PEOPLE.map((p) => cmd.register(p))]) {
    const result = await h.handler.handle(sign(command))
    if (!result.ok) throw new Error(result.error.code)
  }
  return h
}

function signedBy(actor: string, type: string, payload: Record<string, string>, nonce: string, at: number): SignedCommand {
  const signer = realKeys.get(actor) as Signer
  return signCommand({ type, payload, actor: keyOf(actor), nonce, issuedAt: new Date(at).toISOString(), ledger: keyOf(LEDGER) }, signer, nativeCrypto)
}

async function fullyVerified(backend: StorageBackend, ledgerKey: string): Promise<void> {
  const report = await verifyLines(storeLines(backend), { trustedKey: ledgerKey, workers: 0, redecide: (key) => createRedecider(governance, key) })
  expect(report.failure ?? null).toBeNull()
}

describe('pipelined decisions', () => {
  it('conflicting commands sent at once give exactly one winner; resends answer the first result; one nonce, one winner', async () => {
    let round = 0
    let anyPipelined = false
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            spender: fc.constantFrom(...PEOPLE),
            spends: fc.array(fc.record({ to: fc.constantFrom(...PEOPLE), extra: fc.bigInt({ min: 0n, max: 1000n }) }), { minLength: 2, maxLength: 6 }),
            resends: fc.array(fc.nat(5), { maxLength: 4 }),
            noncePair: fc.boolean(),
            bystanders: fc.nat(4),
            order: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.nat(3),
        async (rounds, maxDelay) => {
          const { backend } = slowBackend(() => Math.floor(Math.random() * (maxDelay + 1)))
          const h = await started(backend)
          const { store, pipelined } = counting(h.store)
          const handler = governanceHandler(store, h.clock)
          for (const r of rounds) {
            const tag = `p${++round}`
            const state = await handler.state()
            const balance = accountOf(state, keyOf(r.spender)).open
            const half = balance / 2n
            const at = h.clock.now()
            // Each spend takes more than half the spender's OPEN: at most one fits, and the first one decided does.
            const spends = r.spends.map((s, i) => signedBy(r.spender, 'TransferOpen', { to: keyOf(s.to === r.spender ? (PEOPLE.find((p) => p !== r.spender) as string) : s.to), amount: String(half + 1n + (s.extra % (balance - half))) }, `${tag}-spend-${i}`, at))
            const resent = r.resends.map((i) => spends[i % spends.length] as SignedCommand)
            const others = PEOPLE.filter((p) => p !== r.spender)
            const bystanders = Array.from({ length: r.bystanders }, (_, i) => signedBy(others[i % others.length] as string, 'WrapOpen', { amount: '1' }, `${tag}-wrap-${i}`, at))
            // Two different commands under one nonce: the store keeps (actor, nonce) unique.
            const sameNonce = r.noncePair ? [1, 2].map((n) => signedBy(others[0] as string, 'WrapOpen', { amount: String(n) }, `${tag}-shared`, at)) : []
            const all = [...spends, ...resent, ...bystanders, ...sameNonce]
            const shuffled = all.map((signed, i) => ({ signed, key: r.order[i % r.order.length] ?? 0, i })).sort((a, b) => a.key - b.key || a.i - b.i).map((x) => x.signed)
            const results = await Promise.all(shuffled.map((signed) => handler.handle(signed)))
            const resultOf = (signed: SignedCommand) => shuffled.flatMap((s, i) => (s === signed ? [results[i]] : []))

            const winners = spends.filter((s) => resultOf(s).some((result) => result?.ok === true))
            expect(winners).toHaveLength(1)
            for (const s of spends) {
              const answers = resultOf(s)
              if (s === winners[0]) {
                // Every copy answers the same sequences; exactly one of them appended.
                expect(answers.every((a) => a?.ok === true)).toBe(true)
                const oks = answers.filter((a): a is Extract<typeof a, { ok: true }> => a?.ok === true)
                expect(new Set(oks.map((a) => `${a.firstSequence}-${a.lastSequence}`)).size).toBe(1)
                expect(oks.filter((a) => !a.duplicate)).toHaveLength(1)
              } else {
                for (const a of answers) expect(a).toMatchObject({ ok: false, error: { code: 'insufficient-open' } })
              }
            }
            for (const b of bystanders) expect(resultOf(b)[0]?.ok).toBe(true)
            if (sameNonce.length > 0) {
              const codes = sameNonce.map((s) => (resultOf(s)[0]?.ok === true ? 'ok' : (resultOf(s)[0] as { error: { code: string } }).error.code)).sort()
              expect(codes).toEqual(['nonce-replayed', 'ok'])
            }
            const after = await handler.state()
            const won = winners[0] as SignedCommand
            expect(accountOf(after, keyOf(r.spender)).open).toBe(balance - BigInt((won.command.payload as { amount: string }).amount))
            expect(circulating(after)).toBe(after.genesis?.supply)
            anyPipelined ||= pipelined() > 0
          }
          // A fresh handler replaying the log reaches the same state, and every command re-decides to its events.
          expect(await governanceHandler(h.store, h.clock).state()).toEqual(await handler.state())
          await fullyVerified(backend, h.store.ledgerPublicKey)
          await h.store.close()
          open = undefined
        },
      ),
      { numRuns: 20, seed: 1515 },
    )
    // Decisions were made on top of appends not yet committed (not only refused against them).
    expect(anyPipelined).toBe(true)
  })

  it('a failed batch rolls back every decision made on top of it: later commands are decided against the durable log', async () => {
    const { backend, control } = slowBackend(() => 0)
    const h = await started(backend)
    const { store, pipelined } = counting(h.store)
    const handler = governanceHandler(store, h.clock)
    await handler.state()
    const before = await h.store.head()

    // The batch with Alice's transfer of everything to Bob is held at the commit.
    let release: () => void = () => undefined
    control.gate = new Promise((resolve) => (release = resolve))
    const commitsBefore = control.commits
    const everything = handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(50_000))))
    while (control.commits === commitsBefore) await new Promise((resolve) => setImmediate(resolve))
    // Bob spends money he has only if that transfer commits: decided on top of it, queued behind it.
    const onTop = handler.handle(sign(cmd.transfer(BOB, ALICE, tokens(80_000))))
    while (pipelined() === 0) await new Promise((resolve) => setImmediate(resolve))

    control.failNext = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    control.gate = undefined
    release()
    await expect(everything).rejects.toMatchObject({ code: 'storage', details: { storageCode: 'SQLITE_FULL' } })
    // Decided again against the durable log, where Bob never received Alice's money.
    expect(await onTop).toMatchObject({ ok: false, error: { code: 'insufficient-open' } })
    expect(await h.store.head()).toEqual(before)

    // Later commands see the durable state only.
    const later = await handler.handle(sign(cmd.transfer(BOB, ALICE, tokens(30_000))))
    expect(later.ok).toBe(true)
    const state = await handler.state()
    expect(accountOf(state, keyOf(ALICE)).open).toBe(tokens(80_000))
    expect(accountOf(state, keyOf(BOB)).open).toBe(tokens(20_000))
    expect(await governanceHandler(h.store, h.clock).state()).toEqual(state)
    await fullyVerified(backend, h.store.ledgerPublicKey)
  })

  it('a decision that relied on a failed append through a stream it does not write is decided again, not committed', async () => {
    const EVE = 'e5'.repeat(32)
    const { backend, control } = slowBackend(() => 0)
    const h = await started(backend)
    const handler = governanceHandler(h.store, h.clock)
    await handler.state()
    let release: () => void = () => undefined
    control.gate = new Promise((resolve) => (release = resolve))
    const commitsBefore = control.commits
    // Eve registers (stream identity-…); Alice delegates to her (stream account-…): only the first
    // append's fate, not a stream version, says whether the second decision still holds.
    const registering = handler.handle(sign(cmd.register(EVE)))
    while (control.commits === commitsBefore) await new Promise((resolve) => setImmediate(resolve))
    const delegating = handler.handle(sign(cmd.delegate(ALICE, EVE)))
    await new Promise((resolve) => setTimeout(resolve, 5))
    control.failNext = new Error('injected commit failure')
    control.gate = undefined
    release()
    await expect(registering).rejects.toMatchObject({ code: 'storage' })
    expect(await delegating).toMatchObject({ ok: false, error: { code: 'unknown-delegate' } })
    await fullyVerified(backend, h.store.ledgerPublicKey)
    // Once Eve is registered for real, the same delegation goes through.
    expect((await handler.handle(sign(cmd.register(EVE)))).ok).toBe(true)
    expect((await handler.handle(sign(cmd.delegate(ALICE, EVE)))).ok).toBe(true)
  })

  it('a batch that fails while later commands are already decided in the same pipeline: none of them commits on a state that never was', async () => {
    const { backend, control } = slowBackend(() => 1)
    const h = await started(backend)
    const handler = governanceHandler(h.store, h.clock)
    await handler.state()
    // Bob pays Carol, Carol pays Dave, Dave pays Alice: each can only if the previous one committed.
    let release: () => void = () => undefined
    control.gate = new Promise((resolve) => (release = resolve))
    const commitsBefore = control.commits
    const first = handler.handle(sign(cmd.transfer(BOB, CAROL, tokens(50_000))))
    while (control.commits === commitsBefore) await new Promise((resolve) => setImmediate(resolve))
    const chain = [handler.handle(sign(cmd.transfer(CAROL, DAVE, tokens(100_000)))), handler.handle(sign(cmd.transfer(DAVE, ALICE, tokens(150_000))))]
    await new Promise((resolve) => setTimeout(resolve, 5))
    control.failNext = new Error('injected commit failure')
    control.gate = undefined
    release()
    await expect(first).rejects.toMatchObject({ code: 'storage' })
    const results = await Promise.all(chain)
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['insufficient-open', 'insufficient-open'])
    const state = await handler.state()
    for (const p of PEOPLE) expect(accountOf(state, keyOf(p)).open).toBe(tokens(50_000))
    await fullyVerified(backend, h.store.ledgerPublicKey)
  })
})
