/**
 * The EventStore conformance suite: the port's whole contract, run against every storage backend
 * through the one sequencer (openLedgerStore). An adapter passes only if it behaves exactly like
 * the others, so projections and the verifier can rely on the port and nothing more.
 */
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isLedgerError, type LedgerErrorCode } from '../../../domain/ledger/errors.js'
import { isAnchor } from '../../../domain/ledger/anchor.js'
import { ANCHOR_STREAM, ANCHOR_TYPE } from '../../../domain/ledger/names.js'
import { Expected, type AppendRequest, type EventStore, type ExpectedVersion } from '../../../domain/ports/event-store.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { openLedgerStore, type LedgerStoreOptions } from '../../../infrastructure/store/ledger-store.js'
import { actorSigner, assertChain, collect, command, ledgerSigner, snapshot, waitFor } from './support.js'

/** One test's storage: `backend()` opens it (again), so a test can close and reopen a store. */
export interface StorageFixture {
  backend(): StorageBackend
  dispose(): Promise<void>
}

export type StorageFactory = () => StorageFixture

export type StoreOptions = Partial<Omit<LedgerStoreOptions, 'backend' | 'signer'>>

const one = (stream: string, expected: ExpectedVersion = Expected.any, type = 'ThingHappened', data = {}): AppendRequest => ({
  writes: [{ stream, expected, events: [{ type, data }] }],
})

async function expectCode(promise: Promise<unknown>, code: LedgerErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isLedgerError(error, code), `expected LedgerError ${code}, got ${String(error)}`).toBe(true)
}

export function describeEventStore(name: string, storage: StorageFactory): void {
  describe(`EventStore conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = []

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    function fixture(): StorageFixture {
      const f = storage()
      cleanups.push(() => f.dispose())
      return f
    }

    async function openOn(f: StorageFixture, options: StoreOptions = {}): Promise<EventStore> {
      const store = await openLedgerStore({ backend: f.backend(), signer: ledgerSigner, crypto: nativeCrypto, anchorIntervalMs: 0, ...options })
      cleanups.push(() => store.close())
      return store
    }

    const open = (options: StoreOptions = {}) => openOn(fixture(), options)

    async function assertValidLog(store: EventStore) {
      return assertChain(await collect(store.readAll()), store.ledgerPublicKey)
    }

    describe('optimistic concurrency', () => {
      it('expected none: succeeds on a new stream, fails once it exists', async () => {
        const store = await open()
        const result = await store.append(one('order-1', Expected.none))
        expect(result).toMatchObject({ firstSequence: 1, lastSequence: 1, streamVersions: { 'order-1': 1 }, duplicate: false })
        const before = await snapshot(store)
        await expectCode(store.append(one('order-1', Expected.none)), 'wrong-expected-version')
        expect(await snapshot(store)).toEqual(before)
      })

      it('expected exists: fails on a new stream, succeeds once it exists', async () => {
        const store = await open()
        await expectCode(store.append(one('order-1', Expected.exists)), 'wrong-expected-version')
        expect((await store.head()).sequence).toBe(0)
        await store.append(one('order-1'))
        const result = await store.append(one('order-1', Expected.exists))
        expect(result.streamVersions).toEqual({ 'order-1': 2 })
      })

      it('expected exact: only the current version passes', async () => {
        const store = await open()
        await store.append(one('order-1', Expected.exact(0)))
        await store.append(one('order-1', Expected.exact(1)))
        const before = await snapshot(store)
        for (const wrong of [0, 1, 3, 99]) await expectCode(store.append(one('order-1', Expected.exact(wrong))), 'wrong-expected-version')
        await expectCode(store.append(one('order-2', Expected.exact(1))), 'wrong-expected-version')
        expect(await snapshot(store)).toEqual(before)
        expect(await store.streamVersion('order-1')).toBe(2)
      })

      it('expected any: always appends', async () => {
        const store = await open()
        for (let i = 0; i < 3; i++) await store.append(one('order-1', Expected.any))
        expect(await store.streamVersion('order-1')).toBe(3)
      })

      it('the error names the stream and both versions', async () => {
        const store = await open()
        await store.append(one('order-1'))
        const error = await store.append(one('order-1', Expected.exact(5))).catch((e: unknown) => e)
        expect(error).toMatchObject({ code: 'wrong-expected-version', details: { stream: 'order-1', actual: 1, expected: '5' } })
      })

      it('competing writers with the same expectation: exactly one wins', async () => {
        const store = await open()
        const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.append(one('order-1', Expected.none))))
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        for (const r of results) if (r.status === 'rejected') expect(isLedgerError(r.reason, 'wrong-expected-version')).toBe(true)
        expect(await store.streamVersion('order-1')).toBe(1)
      })
    })

    describe('atomic multi-stream appends', () => {
      it('writes every stream in one contiguous range', async () => {
        const store = await open()
        const result = await store.append({
          writes: [
            { stream: 'account-a', expected: Expected.none, events: [{ type: 'Debited', data: { amount: '5' } }] },
            { stream: 'account-b', expected: Expected.none, events: [{ type: 'Credited', data: { amount: '5' } }, { type: 'Noted', data: null }] },
          ],
        })
        expect(result).toMatchObject({ firstSequence: 1, lastSequence: 3, streamVersions: { 'account-a': 1, 'account-b': 2 } })
        const log = await collect(store.readAll())
        expect(log.map((e) => [e.stream, e.streamVersion, e.type])).toEqual([
          ['account-a', 1, 'Debited'],
          ['account-b', 1, 'Credited'],
          ['account-b', 2, 'Noted'],
        ])
        expect(new Set(log.map((e) => e.recordedAt)).size).toBe(1)
      })

      it('writes nothing when any one expectation fails', async () => {
        const store = await open()
        await store.append(one('account-b'))
        const before = await snapshot(store)
        const request: AppendRequest = {
          writes: [
            { stream: 'account-a', expected: Expected.none, events: [{ type: 'Debited', data: {} }] },
            { stream: 'account-b', expected: Expected.none, events: [{ type: 'Credited', data: {} }] },
          ],
        }
        await expectCode(store.append(request), 'wrong-expected-version')
        expect(await snapshot(store)).toEqual(before)
        expect(await store.streamVersion('account-a')).toBe(0)
      })
    })

    describe('idempotent append', () => {
      it('the same signed command twice yields one set of events and the first result', async () => {
        const store = await open()
        const cmd = command({ n: 1 })
        const request: AppendRequest = { ...one('order-1', Expected.none), command: cmd }
        const first = await store.append(request)
        const second = await store.append(request)
        expect(first.duplicate).toBe(false)
        expect(second).toEqual({ ...first, duplicate: true })
        expect(await collect(store.readAll())).toHaveLength(1)
        expect(await store.readCommand(first.commandHash ?? '')).toEqual(cmd)
      })

      it('commandResult answers a recorded command’s first result from the index, and nothing for an unknown one', async () => {
        const f = fixture()
        const cmd = command({ n: 7 })
        const first = await (await openOn(f)).append({ writes: [{ stream: 'order-1', expected: Expected.any, events: [{ type: 'A', data: 1 }, { type: 'B', data: 2 }] }], command: cmd })
        const reopened = await openOn(f)
        const { duplicate: _, ...expected } = first
        expect(await reopened.commandResult(first.commandHash ?? '')).toEqual(expected)
        expect(await reopened.commandResult('00'.repeat(32))).toBeUndefined()
      })

      it('deduplicates concurrent sends of one command', async () => {
        const store = await open()
        const request: AppendRequest = { ...one('order-1'), command: command() }
        const results = await Promise.all(Array.from({ length: 10 }, () => store.append(request)))
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1)
        const { duplicate: _, ...first } = results[0] ?? { duplicate: false }
        for (const r of results) expect(r).toMatchObject(first)
        expect(await store.streamVersion('order-1')).toBe(1)
      })

      it('deduplicates across a reopen', async () => {
        const f = fixture()
        const request: AppendRequest = { ...one('order-1'), command: command() }
        const first = await (await openOn(f)).append(request)
        const reopened = await openOn(f)
        expect(await reopened.append(request)).toEqual({ ...first, duplicate: true })
      })

      it('cites the command in every event it caused', async () => {
        const store = await open()
        const cmd = command()
        const result = await store.append({ writes: [{ stream: 'order-1', expected: Expected.any, events: [{ type: 'A', data: 1 }, { type: 'B', data: 2 }] }], command: cmd })
        for (const e of await collect(store.readAll())) {
          expect(e.cause).toEqual({ kind: 'command', commandHash: result.commandHash, actor: cmd.command.actor, actorSignature: cmd.signature })
        }
      })
    })

    describe('one meaning, once, on one ledger', () => {
      it('refuses another command under a used (actor, nonce), after a reopen and within one batch, and appends nothing', async () => {
        const f = fixture()
        const store = await openOn(f)
        await store.append({ ...one('order-1'), command: command({ n: 1 }, actorSigner, undefined, 'shared-nonce') })
        const reopened = await openOn(f)
        const head = (await reopened.head()).sequence
        await expectCode(reopened.append({ ...one('order-2'), command: command({ n: 2 }, actorSigner, undefined, 'shared-nonce') }), 'nonce-replayed')
        // Two different commands racing under one fresh nonce: exactly one is recorded.
        const racing = await Promise.allSettled([3, 4, 5].map((n) => reopened.append({ ...one(`order-${n}`), command: command({ n }, actorSigner, undefined, 'race-nonce') })))
        expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        for (const r of racing) if (r.status === 'rejected') expect(isLedgerError(r.reason, 'nonce-replayed')).toBe(true)
        expect((await reopened.head()).sequence).toBe(head + 1)
        // Another actor may use the same nonce.
        await reopened.append({ ...one('order-6'), command: command({ n: 6 }, ledgerSigner, undefined, 'shared-nonce') })
        await assertValidLog(reopened)
      })

      it('a second writer on the same storage cannot reuse a nonce the first recorded', async () => {
        const f = fixture()
        const first = await openOn(f)
        const second = await openOn(f)
        await first.append({ ...one('order-1'), command: command({ n: 1 }, actorSigner, undefined, 'two-writers') })
        await expectCode(second.append({ ...one('order-2'), command: command({ n: 2 }, actorSigner, undefined, 'two-writers') }), 'nonce-replayed')
        expect(await collect(second.readAll())).toHaveLength(1)
      })

      it('refuses a command that names another ledger', async () => {
        const store = await open()
        await expectCode(store.append({ ...one('order-1'), command: command({}, actorSigner, 'ab'.repeat(32)) }), 'wrong-ledger')
        expect((await store.head()).sequence).toBe(0)
      })
    })

    describe('reading', () => {
      it('readStream returns one stream in version order, from a version', async () => {
        const store = await open()
        for (let i = 1; i <= 5; i++) {
          await store.append(one('order-1', Expected.any, 'Step', { i }))
          await store.append(one('order-2', Expected.any, 'Other', { i }))
        }
        expect((await collect(store.readStream('order-1'))).map((e) => e.data)).toEqual([1, 2, 3, 4, 5].map((i) => ({ i })))
        expect((await collect(store.readStream('order-1', { fromVersion: 4 }))).map((e) => e.streamVersion)).toEqual([4, 5])
        expect(await collect(store.readStream('order-9'))).toEqual([])
        expect(await store.streamVersion('order-9')).toBe(0)
      })

      it('readAll iterates across page boundaries, from any sequence', async () => {
        const store = await open({ anchorEvery: 100_000 })
        const events = Array.from({ length: 350 }, (_, i) => ({ type: 'Tick', data: { i } }))
        for (let i = 0; i < 7; i++) await store.append({ writes: [{ stream: `clock-${i}`, expected: Expected.none, events }] })
        const all = await collect(store.readAll())
        expect(all.map((e) => e.sequence)).toEqual(Array.from({ length: 2450 }, (_, i) => i + 1))
        expect((await collect(store.readAll(1001)))[0]?.sequence).toBe(1001)
        expect(await collect(store.readAll(2451))).toEqual([])
        expect(await collect(store.readStream('clock-3', { fromVersion: 2 }))).toHaveLength(349)
      })

      it('readRange reads a bounded range by sequence, nothing past the head', async () => {
        const store = await open({ anchorEvery: 100_000 })
        const events = Array.from({ length: 30 }, (_, i) => ({ type: 'Tick', data: { i } }))
        await store.append({ writes: [{ stream: 'clock-r', expected: Expected.none, events }] })
        const all = await collect(store.readAll())
        expect(await store.readRange(7, 1)).toEqual([all[6]])
        expect((await store.readRange(10, 5)).map((e) => e.sequence)).toEqual([10, 11, 12, 13, 14])
        expect((await store.readRange(28, 10)).map((e) => e.sequence)).toEqual([28, 29, 30])
        expect(await store.readRange(31, 10)).toEqual([])
        expect(await store.readRange(5, 0)).toEqual([])
      })

      it('subscribe catches up, goes live, and stops on close', async () => {
        const store = await open({ pollIntervalMs: 20 })
        for (let i = 1; i <= 3; i++) await store.append(one(`order-${i}`))
        const subscription = store.subscribe(2)
        const seen: number[] = []
        const done = (async () => {
          for await (const e of subscription) seen.push(e.sequence)
        })()
        await waitFor(async () => seen.length === 2)
        await store.append(one('order-4'))
        await store.append(one('order-5'))
        await waitFor(async () => seen.length === 4)
        subscription.close()
        await done
        await store.append(one('order-6'))
        expect(seen).toEqual([2, 3, 4, 5])
      })

      it('a live subscription sees the final anchor, then ends when the store closes', async () => {
        const store = await open({ pollIntervalMs: 20 })
        await store.append(one('order-1'))
        const seen: number[] = []
        const done = (async () => {
          for await (const e of store.subscribe()) seen.push(e.sequence)
        })()
        await waitFor(async () => seen.length === 1)
        await store.close()
        await done
        expect(seen).toEqual([1, 2])
      })

      it('a caught-up subscription ends quietly when the store closes with nothing to seal', async () => {
        const store = await open({ pollIntervalMs: 10_000 })
        await store.append(one('order-1'))
        await store.sealAnchor()
        const seen: number[] = []
        const done = (async () => {
          for await (const e of store.subscribe()) seen.push(e.sequence)
        })()
        await waitFor(async () => seen.length === 2)
        await new Promise((resolve) => setTimeout(resolve, 20))
        await store.close()
        await done
        expect(seen).toEqual([1, 2])
      })
    })

    describe('the chain under concurrency', () => {
      it('500 concurrent appends: gapless sequence, linked and sealed envelopes, valid anchors', async () => {
        const store = await open({ anchorEvery: 64 })
        const results = await Promise.all(
          Array.from({ length: 500 }, (_, i) =>
            store.append({ ...one(`order-${i % 7}`, Expected.any, 'Placed', { i }), ...(i % 3 === 0 ? { command: command({ i }) } : {}) }),
          ),
        )
        const log = await collect(store.readAll())
        const anchors = assertChain(log, store.ledgerPublicKey)
        expect(log.filter((e) => !isAnchor(e))).toHaveLength(500)
        expect(anchors.length).toBeGreaterThanOrEqual(7)
        const acked = new Set(results.map((r) => r.firstSequence))
        expect(acked.size).toBe(500)
        for (const r of results) expect(log[r.firstSequence - 1]?.stream).toBe(Object.keys(r.streamVersions)[0])
      })
    })

    describe('anchors', () => {
      it('seals one every N events, each covering exactly them', async () => {
        const store = await open({ anchorEvery: 5 })
        for (let i = 0; i < 12; i++) await store.append(one('order-1'))
        const anchors = await assertValidLog(store)
        expect(anchors.map((a) => a.sequence)).toEqual([6, 12])
        expect((await store.head()).lastAnchor).toEqual({ sequence: 12, hash: anchors[1]?.hash })
      })

      it('sealAnchor seals the waiting events, and returns undefined when none wait', async () => {
        const store = await open()
        await store.append(one('order-1'))
        await store.append(one('order-2'))
        const anchor = await store.sealAnchor()
        expect(anchor).toMatchObject({ sequence: 3, stream: ANCHOR_STREAM, type: ANCHOR_TYPE, cause: { kind: 'system', reason: 'anchor' } })
        expect(await store.sealAnchor()).toBeUndefined()
        await store.append(one('order-3'))
        await store.sealAnchor()
        expect((await assertValidLog(store)).map((a) => a.sequence)).toEqual([3, 5])
      })

      it('close seals a final anchor that a reopened store continues', async () => {
        const f = fixture()
        const first = await openOn(f)
        await first.append(one('order-1'))
        await first.close()
        const second = await openOn(f)
        expect((await second.head()).lastAnchor.sequence).toBe(2)
        await second.append(one('order-1'))
        await second.sealAnchor()
        expect((await assertValidLog(second)).map((a) => a.sequence)).toEqual([2, 4])
      })

      it('an append racing close is refused, never left after the final anchor', async () => {
        const f = fixture()
        const store = await openOn(f)
        const early = store.append(one('order-1'))
        const closing = store.close()
        const late = await store.append(one('order-2')).catch((e: unknown) => e)
        await Promise.all([early, closing])
        expect(isLedgerError(late, 'closed')).toBe(true)
        const reopened = await openOn(f)
        const head = await reopened.head()
        expect(head.lastAnchor.sequence).toBe(head.sequence)
        assertChain(await collect(reopened.readAll()), reopened.ledgerPublicKey)
      })

      it('the timer seals waiting events', async () => {
        const store = await open({ anchorIntervalMs: 30 })
        await store.append(one('order-1'))
        await waitFor(async () => (await store.head()).lastAnchor.sequence === 2)
        expect(await assertValidLog(store)).toHaveLength(1)
      })
    })

    describe('bad input: a typed error and the log unchanged', () => {
      const deep = (levels: number): unknown => (levels === 0 ? 1 : [deep(levels - 1)])
      const forged = () => {
        const signed = command()
        const flipped = (signed.signature[0] === 'a' ? 'b' : 'a') + signed.signature.slice(1)
        return { ...signed, signature: flipped }
      }
      const cases: [string, () => AppendRequest, LedgerErrorCode][] = [
        ['an upper-case stream name', () => one('Order-1'), 'malformed'],
        ['an empty stream name', () => one(''), 'malformed'],
        ['a stream name with spaces', () => one('order 1'), 'malformed'],
        ['a lower-case event type', () => one('order-1', Expected.any, 'placed'), 'malformed'],
        ['NaN in data', () => one('order-1', Expected.any, 'Placed', { x: NaN }), 'malformed'],
        ['undefined in data', () => one('order-1', Expected.any, 'Placed', { x: undefined }), 'malformed'],
        ['a Date in data', () => one('order-1', Expected.any, 'Placed', { x: new Date(0) }), 'malformed'],
        ['a lone surrogate in data', () => one('order-1', Expected.any, 'Placed', { x: '\ud800' }), 'malformed'],
        ['data nested too deep to verify', () => one('order-1', Expected.any, 'Placed', deep(70) as never), 'malformed'],
        ['no writes', () => ({ writes: [] }), 'malformed'],
        ['a write with no events', () => ({ writes: [{ stream: 'order-1', expected: Expected.any, events: [] }] }), 'malformed'],
        ['one stream written twice', () => ({ writes: [one('order-1').writes[0], one('order-1').writes[0]] as AppendRequest['writes'] }), 'malformed'],
        ['a negative exact version', () => one('order-1', Expected.exact(-1)), 'malformed'],
        ['a bad recordedAt', () => ({ ...one('order-1'), recordedAt: '2026-01-01' }), 'malformed'],
        ['a bad system reason', () => ({ ...one('order-1'), reason: 'Not A Reason' }), 'malformed'],
        ['the anchor stream', () => one(ANCHOR_STREAM), 'reserved'],
        ['the anchor type', () => one('order-1', Expected.any, ANCHOR_TYPE), 'reserved'],
        ['a forged command signature', () => ({ ...one('order-1'), command: forged() }), 'bad-signature'],
        ['a command signed by someone else', () => ({ ...one('order-1'), command: { ...command(), signature: command({}, ledgerSigner).signature } }), 'bad-signature'],
        ['a command with a missing member', () => ({ ...one('order-1'), command: { signature: command().signature } as never }), 'malformed'],
        ['a command with an extra member', () => ({ ...one('order-1'), command: { ...command(), extra: 1 } as never }), 'malformed'],
        ['recordedAt before the head', () => ({ ...one('order-1'), recordedAt: '2000-01-01T00:00:00.000Z' }), 'recorded-at-regression'],
      ]
      it.each(cases)('%s', async (_label, make, code) => {
        const store = await open()
        await store.append({ ...one('order-0'), command: command({}, actorSigner) })
        const before = await snapshot(store)
        await expectCode(store.append(make()), code)
        expect(await snapshot(store)).toEqual(before)
      })

      it('refuses more events than the per-request limit', async () => {
        const store = await open({ maxEventsPerRequest: 3 })
        const events = Array.from({ length: 4 }, () => ({ type: 'Tick', data: null }))
        await expectCode(store.append({ writes: [{ stream: 'clock-1', expected: Expected.any, events }] }), 'malformed')
        expect((await store.head()).sequence).toBe(0)
      })

      it('a commit the storage refuses: a storage error, the log unchanged, the next append chains on', async () => {
        const f = fixture()
        const backend = f.backend()
        let failNext = false
        const flaky: StorageBackend = {
          ...backend,
          commit: (batch) => {
            if (!failNext) return backend.commit(batch)
            failNext = false
            return Promise.reject(new Error('disk full'))
          },
        }
        const store = await openLedgerStore({ backend: flaky, signer: ledgerSigner, anchorIntervalMs: 0, anchorEvery: 3 })
        cleanups.push(() => store.close())
        await store.append(one('order-1'))
        const before = await snapshot(store)
        failNext = true
        await expectCode(store.append(one('order-1', Expected.exact(1))), 'storage')
        expect(await snapshot(store)).toEqual(before)
        await store.append(one('order-1', Expected.exact(1)))
        await store.append(one('order-1', Expected.exact(2)))
        expect((await assertValidLog(store)).map((a) => a.sequence)).toEqual([4])
      })

      it('refuses appends once closed', async () => {
        const store = await open()
        await store.close()
        await expectCode(store.append(one('order-1')), 'closed')
      })
    })

    describe('property: the log equals a simple model', () => {
      const op = fc.record({
        stream: fc.constantFrom('order-a', 'order-b', 'order-c'),
        expected: fc.oneof(
          fc.constant(Expected.any),
          fc.constant(Expected.none),
          fc.constant(Expected.exists),
          fc.integer({ min: 0, max: 4 }).map((v) => Expected.exact(v)),
        ),
        count: fc.integer({ min: 1, max: 3 }),
        concurrent: fc.boolean(),
      })

      it('random interleavings of appends with random expectations', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
            const f = storage()
            try {
              await checkAgainstModel(f, ops)
            } finally {
              await f.dispose()
            }
          }),
          { numRuns: 15 },
        )
      })
    })
  })
}

interface Op {
  readonly stream: string
  readonly expected: ExpectedVersion
  readonly count: number
  readonly concurrent: boolean
}

function modelAccepts(expected: ExpectedVersion, version: number): boolean {
  if (expected.kind === 'none') return version === 0
  if (expected.kind === 'exists') return version > 0
  if (expected.kind === 'exact') return version === expected.version
  return true
}

/**
 * Runs the ops, sending each run of `concurrent` ops together and awaiting the rest one by one.
 * The store orders requests as they were sent, so the model applies them in that order.
 */
async function checkAgainstModel(f: StorageFixture, ops: readonly Op[]): Promise<void> {
  const store = await openLedgerStore({ backend: f.backend(), signer: ledgerSigner, anchorEvery: 4, anchorIntervalMs: 0 })
  const pending: Promise<boolean>[] = []
  const outcomes: boolean[] = []
  for (const [index, o] of ops.entries()) {
    const events = Array.from({ length: o.count }, (_, i) => ({ type: 'Step', data: { index, i } }))
    const sent = store.append({ writes: [{ stream: o.stream, expected: o.expected, events }] }).then(
      () => true,
      (e: unknown) => {
        if (!isLedgerError(e, 'wrong-expected-version')) throw e
        return false
      },
    )
    pending.push(sent)
    if (!o.concurrent) outcomes.push(...(await Promise.all(pending.splice(0))))
  }
  outcomes.push(...(await Promise.all(pending)))
  const versions = new Map<string, number>()
  const expectedLog: [string, number, unknown][] = []
  ops.forEach((o, index) => {
    const version = versions.get(o.stream) ?? 0
    const accepted = modelAccepts(o.expected, version)
    expect(outcomes[index], `op ${index}`).toBe(accepted)
    if (!accepted) return
    for (let i = 0; i < o.count; i++) expectedLog.push([o.stream, version + i + 1, { index, i }])
    versions.set(o.stream, version + o.count)
  })
  await store.close()
  const reopened = await openLedgerStore({ backend: f.backend(), signer: ledgerSigner, anchorIntervalMs: 0 })
  const log = await collect(reopened.readAll())
  assertChain(log, reopened.ledgerPublicKey)
  expect(log.filter((e) => !isAnchor(e)).map((e) => [e.stream, e.streamVersion, e.data])).toEqual(expectedLog)
  await reopened.close()
}
