/**
 * Snapshots through the real handler and stores: a handler started from a snapshot reads only the
 * tail and reaches the bytes a full replay reaches; the commands it then decides re-decide
 * identically against the replayed log (full verification); a tampered snapshot, one whose head
 * hash is not the log's, or one past the head is refused and the start falls back; the directory
 * store keeps the newest few; the PostgreSQL table is shared by two instances. A start still
 * loading is waited for; one that fails means a full replay.
 */
import { readdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { governance, type GovernanceState } from '../../../domain/governance/index.js'
import { createRedecider } from '../../../domain/ledger/redecide.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { encodeSnapshot, SNAPSHOT_FORMAT } from '../../../domain/snapshot/codec.js'
import { createCommandHandler, type DurableFold } from '../../../infrastructure/command-handler.js'
import { dirSnapshotStore, postgresSnapshotStore, type SnapshotStore } from '../../../infrastructure/snapshot/store.js'
import { createSnapshotter, eventStoreReader, loadSnapshot, snapshotSoftware, verifySnapshot, writeSnapshot } from '../../../infrastructure/snapshot/snapshots.js'
import { createSqliteBackend } from '../../../infrastructure/store/sqlite-backend.js'
import { actionsArb, preamble } from '../../domain/governance/random-commands.js'
import { cmd, ALICE, BOB } from '../../domain/governance/fixtures.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { harness, sign, type Harness } from '../command-handler-support.js'
import { scratchDirs } from '../../support/scratch.js'
import { createTestDatabase, type TestDatabase } from '../store/postgres-db.js'

const scratch = scratchDirs('ml-snapshots-')

/** The store, counting the envelopes read through readAll. */
function counting(store: EventStore): { store: EventStore; read: () => number } {
  let read = 0
  const wrapped: EventStore = {
    ...store,
    signingKey: () => store.signingKey(),
    async *readAll(from?: number) {
      for await (const envelope of store.readAll(from)) {
        read++
        yield envelope
      }
    },
  }
  return { store: wrapped, read: () => read }
}

const bytesOf = (ledger: string, fold: DurableFold<GovernanceState>): string =>
  encodeSnapshot({ format: SNAPSHOT_FORMAT, ledger, vertical: governance.name, sequence: fold.position, headHash: '00'.repeat(32), software: snapshotSoftware(), state: fold.state, streams: fold.streamVersions })

/** Full verification's re-decision of every command in the log against the state replayed to it. */
async function redecideAll(store: EventStore): Promise<string | undefined> {
  const redecider = createRedecider(governance, store.ledgerPublicKey)
  let current: string | undefined
  for await (const envelope of store.readAll()) {
    if (envelope.cause.kind === 'command' && envelope.cause.commandHash !== current) {
      current = envelope.cause.commandHash
      const signed = await store.readCommand(current)
      if (signed === undefined) return `command ${current} missing`
      const fault = redecider.command(signed, current)
      if (fault !== undefined) return fault.reason
    }
    const fault = redecider.event(envelope)
    if (fault !== undefined) return fault.reason
  }
  return redecider.finish()?.reason
}

async function play(h: Harness, handler: Harness['handler'], actions: readonly (typeof actionsArb extends fc.Arbitrary<infer A> ? A : never)[number][]): Promise<void> {
  for (const action of actions) {
    if ('advance' in action) {
      h.clock.advance(action.advance)
      continue
    }
    await handler.handle(sign(action.make(await handler.state()), new Date(h.clock.now()).toISOString()))
  }
}

describe('a handler started from a snapshot', () => {
  it('reads only the tail, reaches the full replay byte for byte, and decides the rest as the replayed log re-decides it', async () => {
    await fc.assert(
      fc.asyncProperty(actionsArb, fc.nat(), fc.boolean(), async (actions, cut, later) => {
        // SQLite: its replay folds events parsed from canonical JSON, the handler the ones it decided.
        const dir = scratch()
        const h = await harness(createSqliteBackend(join(dir, 'ledger.db')))
        const snapshots = dirSnapshotStore(join(dir, 'snapshots'))
        try {
          const log = eventStoreReader(h.store)
          for (const command of preamble) await h.handler.handle(sign(command))
          const k = cut % (actions.length + 1)
          await play(h, h.handler, actions.slice(0, k))
          const atK = await h.handler.caughtUp()
          await writeSnapshot({ snapshots, log, vertical: governance.name, fold: atK })
          // A new process: it starts from the snapshot, then decides the rest of the history.
          const loaded = await loadSnapshot<GovernanceState>({ snapshots, log, vertical: governance.name })
          expect(loaded.refused).toEqual([])
          expect(loaded.start?.position).toBe(atK.position)
          const counted = counting(h.store)
          // `later`: the snapshot is still loading when the handler is made (serve listens meanwhile):
          // its first decision waits for it.
          const start = later ? new Promise<DurableFold<GovernanceState> | undefined>((resolve) => setTimeout(() => resolve(loaded.start), 20)) : loaded.start
          const resumed = createCommandHandler({ store: counted.store, vertical: governance, clock: h.clock, start })
          expect((await resumed.caughtUp()).position).toBe(atK.position)
          expect(counted.read()).toBe(0)
          await play(h, resumed, actions.slice(k))
          const end = await resumed.caughtUp()
          const replayed = await createCommandHandler({ store: h.store, vertical: governance, clock: h.clock }).caughtUp()
          expect(bytesOf(h.store.ledgerPublicKey, end)).toBe(bytesOf(h.store.ledgerPublicKey, replayed))
          // The snapshot a restarted service writes now is the replay's, as `snapshot check` confirms.
          const now = await writeSnapshot({ snapshots, log, vertical: governance.name, fold: end })
          expect(await verifySnapshot(now.record, snapshots, log, governance)).toMatchObject({ ok: true })
          expect(await redecideAll(h.store)).toBeUndefined()
        } finally {
          await h.store.close()
        }
      }),
      { numRuns: 12 },
    )
  })
})

describe('a start still loading', () => {
  it('one that fails or finds no snapshot means a full replay, and decisions wait for it', async () => {
    const { h } = await populated()
    try {
      const replayed = await createCommandHandler({ store: h.store, vertical: governance, clock: h.clock }).caughtUp()
      for (const start of [Promise.reject(new Error('snapshot store unreachable')), Promise.resolve(undefined)]) {
        const handler = createCommandHandler({ store: h.store, vertical: governance, clock: h.clock, start })
        expect(bytesOf(h.store.ledgerPublicKey, await handler.caughtUp())).toBe(bytesOf(h.store.ledgerPublicKey, replayed))
      }
      // A decision taken before the start is in waits for it, and is decided on the whole state.
      let release: (fold: DurableFold<GovernanceState>) => void = () => undefined
      const pending = new Promise<DurableFold<GovernanceState>>((resolve) => (release = resolve))
      const waiting = createCommandHandler({ store: h.store, vertical: governance, clock: h.clock, start: pending })
      const outcome = waiting.handle(sign(cmd.transfer(ALICE, BOB, tokens(1))))
      await new Promise((r) => setTimeout(r, 20))
      release(replayed)
      expect(await outcome).toMatchObject({ ok: true, firstSequence: replayed.position + 1 })
    } finally {
      await h.store.close()
    }
  })
})

async function populated(): Promise<{ h: Harness; dir: string; snapshots: SnapshotStore }> {
  const dir = scratch()
  const h = await harness(createSqliteBackend(join(dir, 'ledger.db')))
  for (const command of preamble) await h.handler.handle(sign(command))
  return { h, dir, snapshots: dirSnapshotStore(join(dir, 'snapshots')) }
}

describe('refusing a snapshot the log does not vouch for', () => {
  it('bytes changed: refused, and the start falls back to the older snapshot, or to a full replay', async () => {
    const { h, dir, snapshots } = await populated()
    const log = eventStoreReader(h.store)
    try {
      const first = await writeSnapshot({ snapshots, log, vertical: governance.name, fold: await h.handler.caughtUp() })
      await h.handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(5))))
      const second = await writeSnapshot({ snapshots, log, vertical: governance.name, fold: await h.handler.caughtUp() })
      const file = join(dir, 'snapshots', readdirSync(join(dir, 'snapshots')).find((name) => name.startsWith(String(second.record.sequence).padStart(16, '0'))) as string)
      // One byte of the state changed (a balance digit): the recorded hash no longer holds.
      const text = (await snapshots.read(second.record)) as Uint8Array
      const tampered = new TextDecoder().decode(text).replace(/\["n","(\d)/, (_m, d: string) => `["n","${(Number(d) + 1) % 10 || 1}`)
      writeFileSync(file, tampered)
      const loaded = await loadSnapshot<GovernanceState>({ snapshots, log, vertical: governance.name })
      expect(loaded.refused).toEqual([{ sequence: second.record.sequence, reason: expect.stringMatching(/^its bytes hash to [0-9a-f]{64}, not the recorded/) }])
      expect(loaded.record?.sequence).toBe(first.record.sequence)
      expect((await verifySnapshot(second.record, snapshots, log, governance)).ok).toBe(false)
      // Renamed to match its new bytes, the hash holds; the replay still tells it apart.
      const { snapshotHash } = await import('../../../domain/snapshot/codec.js')
      const renamed = join(dir, 'snapshots', `${String(second.record.sequence).padStart(16, '0')}-${snapshotHash(tampered)}.snapshot.json`)
      renameSync(file, renamed)
      const verdict = await verifySnapshot({ ...second.record, hash: snapshotHash(tampered) }, snapshots, log, governance)
      expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/differs from the replay's at character \d+/) })
      await snapshots.prune(0)
      const none = await loadSnapshot<GovernanceState>({ snapshots, log, vertical: governance.name })
      expect(none.start).toBeUndefined()
    } finally {
      await h.store.close()
    }
  })

  it("a head hash that is not the log's, and a snapshot past the head, are refused: full replay", async () => {
    const a = await populated()
    const b = await populated()
    try {
      // b's log has the same length as a's but is another log (other signatures, times): a's snapshot does not fit it.
      b.h.clock.advance(1)
      await b.h.handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(1))))
      await a.h.handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(2))))
      const foreign = await writeSnapshot({ snapshots: a.snapshots, log: { ...eventStoreReader(a.h.store), ledger: b.h.store.ledgerPublicKey }, vertical: governance.name, fold: await a.h.handler.caughtUp() })
      const loaded = await loadSnapshot<GovernanceState>({ snapshots: a.snapshots, log: eventStoreReader(b.h.store), vertical: governance.name })
      expect(loaded.start).toBeUndefined()
      expect(loaded.refused).toEqual([{ sequence: foreign.record.sequence, reason: expect.stringMatching(/^its head hash [0-9a-f]{64} is not the log's [0-9a-f]{64} at sequence \d+$/) }])
      // Folded by another version of the software (other rules, perhaps): refused, whatever else holds.
      const own = await writeSnapshot({ snapshots: b.snapshots, log: eventStoreReader(b.h.store), vertical: governance.name, fold: await b.h.handler.caughtUp() })
      const text = new TextDecoder().decode((await b.snapshots.read(own.record)) as Uint8Array).replace(`"software":"${snapshotSoftware()}"`, '"software":"model-ledger@0.0.0-other"')
      await b.snapshots.prune(0)
      await b.snapshots.write(own.record.sequence, (async function* () {
        yield text
      })())
      const other = await loadSnapshot<GovernanceState>({ snapshots: b.snapshots, log: eventStoreReader(b.h.store), vertical: governance.name })
      expect(other.start).toBeUndefined()
      expect(other.refused[0]?.reason).toMatch(/^it was folded by model-ledger@0\.0\.0-other, not model-ledger@/)
      // The same package version, other rules (a changed decider without a version bump): refused too.
      const sameVersion = snapshotSoftware().replace(/\+rules\.[0-9a-f]{16}$/, '+rules.0000000000000000')
      expect(sameVersion).not.toBe(snapshotSoftware())
      await b.snapshots.prune(0)
      await b.snapshots.write(own.record.sequence, (async function* () {
        yield text.replace('"software":"model-ledger@0.0.0-other"', `"software":"${sameVersion}"`)
      })())
      const otherRules = await loadSnapshot<GovernanceState>({ snapshots: b.snapshots, log: eventStoreReader(b.h.store), vertical: governance.name })
      expect(otherRules.start).toBeUndefined()
      expect(otherRules.refused[0]?.reason).toContain('the rules may differ')
      const shorter = await populated()
      try {
        const past = await loadSnapshot<GovernanceState>({ snapshots: a.snapshots, log: eventStoreReader(shorter.h.store), vertical: governance.name })
        expect(past.refused[0]?.reason).toMatch(/past the log's head/)
        expect(past.start).toBeUndefined()
      } finally {
        await shorter.h.store.close()
      }
    } finally {
      await a.h.store.close()
      await b.h.store.close()
    }
  })
})

describe('the snapshot stores', () => {
  it('the snapshotter writes every N events of the durable fold and keeps the newest three', async () => {
    const { h, snapshots } = await populated()
    try {
      const log = eventStoreReader(h.store)
      const snapshotter = createSnapshotter({ handler: h.handler, snapshots, log, vertical: governance.name, every: 3 })
      const written: number[] = []
      for (let i = 0; i < 12; i++) {
        await h.handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(1 + i))))
        const w = await snapshotter.tick()
        if (w !== undefined) written.push(w.record.sequence)
      }
      expect(written.length).toBeGreaterThanOrEqual(4)
      expect((await snapshots.list()).map((r) => r.sequence)).toEqual(written.slice(-3).reverse())
      for (let i = 1; i < written.length; i++) expect((written[i] as number) - (written[i - 1] as number)).toBeGreaterThanOrEqual(3)
      expect(await snapshotter.tick()).toBeUndefined()
      // A clean shutdown writes what is new, however little.
      await h.handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(1))))
      expect((await snapshotter.final())?.record.sequence).toBe((await h.store.head()).sequence)
      expect(await snapshotter.final()).toBeUndefined()
      for (const record of await snapshots.list()) expect(await verifySnapshot(record, snapshots, log, governance)).toMatchObject({ ok: true })
    } finally {
      await h.store.close()
    }
  })

  it('snapshots only the durable fold: never a decision still committing', async () => {
    const { h, snapshots } = await populated()
    try {
      const log = eventStoreReader(h.store)
      const before = (await h.store.head()).sequence
      // Pipelined: later transfers are decided on top of earlier ones before those commit.
      const pending = Array.from({ length: 6 }, (_, i) => h.handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(1 + i)))))
      const seen: number[] = []
      while (seen.length < 200) {
        const durable = h.handler.durable()
        seen.push(durable.position)
        // Whatever the handler has decided, what it would snapshot is already in the log.
        expect(durable.position).toBeLessThanOrEqual((await h.store.head()).sequence)
        if (durable.position >= before + 12) break
        await new Promise((r) => setImmediate(r))
      }
      await Promise.all(pending)
      const written = await writeSnapshot({ snapshots, log, vertical: governance.name, fold: h.handler.durable() })
      expect(written.record.sequence).toBe((await h.store.head()).sequence)
      expect(await verifySnapshot(written.record, snapshots, log, governance)).toMatchObject({ ok: true })
    } finally {
      await h.store.close()
    }
  })

  describe('postgres', () => {
    let db: TestDatabase
    beforeAll(async () => {
      db = await createTestDatabase()
    })
    afterAll(async () => {
      await db.drop()
    })

    it('two instances share one snapshots table: the same sequence writes the same bytes once', async () => {
      const { h } = await populated()
      const url = db.url('shared')
      const one = postgresSnapshotStore(url)
      const two = postgresSnapshotStore(url)
      try {
        const log = eventStoreReader(h.store)
        const fold = await h.handler.caughtUp()
        const a = await writeSnapshot({ snapshots: one, log, vertical: governance.name, fold })
        const b = await writeSnapshot({ snapshots: two, log, vertical: governance.name, fold })
        expect(b.record).toEqual(a.record)
        expect(await two.list()).toEqual([a.record])
        const loaded = await loadSnapshot<GovernanceState>({ snapshots: two, log, vertical: governance.name })
        expect(loaded.record).toEqual(a.record)
        expect(await verifySnapshot(a.record, two, log, governance)).toMatchObject({ ok: true })
        // A different state at a sequence already held is refused: two folds of one log disagree.
        const other = { ...fold, state: { ...fold.state, treasury: fold.state.treasury + 1n } }
        await expect(writeSnapshot({ snapshots: two, log, vertical: governance.name, fold: other })).rejects.toThrow(/folded the same log differently/)
        await h.handler.handle(sign(cmd.transfer(ALICE, BOB, tokens(1))))
        await writeSnapshot({ snapshots: one, log, vertical: governance.name, fold: await h.handler.caughtUp(), keep: 1 })
        expect((await two.list()).map((r) => r.sequence)).toEqual([(await h.store.head()).sequence])
      } finally {
        await one.close()
        await two.close()
        await h.store.close()
      }
    })
  })
})
