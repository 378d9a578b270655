/**
 * The sequencer's commit pipeline: with a pipelined backend, batch k+1 is sealed on top of batch k
 * and handed to the backend before k has committed. Whatever fails where, an append is answered
 * "done" only if its events are in the log where the answer says, an append answered with an error
 * left nothing in the log, and the chain stays whole. The backend here wraps the in-memory one: its
 * commits run in call order after a delay, and a scripted commit fails before writing (a refused
 * transaction, a full disk) or after writing (a writer thread that died once the transaction was
 * durable, so the caller never heard).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { Expected, type AppendRequest, type AppendResult, type ExpectedVersion } from '../../../domain/ports/event-store.js'
import type { SealedBatch, StorageBackend } from '../../../infrastructure/store/backend.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import { assertChain, collect, command, ledgerSigner } from './support.js'

type Fault = 'ok' | 'fail-before' | 'fail-after'

interface Faulty {
  readonly backend: StorageBackend
  /** Commit calls so far, and the most that were outstanding at once; `healed` stops the faults. */
  readonly stats: { calls: number; outstanding: number; maxOutstanding: number; healed: boolean }
}

/** Commits run one after another in call order, each after `delayMs`; call i fails as `faults[i]` says (default ok). */
function faulty(inner: StorageBackend, faults: readonly Fault[], delayMs: (call: number) => number): Faulty {
  const stats = { calls: 0, outstanding: 0, maxOutstanding: 0, healed: false }
  let tail: Promise<unknown> = Promise.resolve()
  const backend: StorageBackend = {
    ...inner,
    pipelined: true,
    commit(batch: SealedBatch) {
      const call = stats.calls++
      stats.outstanding++
      stats.maxOutstanding = Math.max(stats.maxOutstanding, stats.outstanding)
      const run = tail.then(async () => {
        await new Promise((resolve) => setTimeout(resolve, delayMs(call)))
        const fault = stats.healed ? 'ok' : (faults[call] ?? 'ok')
        if (fault === 'fail-before') throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
        await inner.commit(batch)
        if (fault === 'fail-after') throw new Error('the SQLite writer thread exited (code 1)')
      })
      tail = run.catch(() => undefined)
      return run.finally(() => stats.outstanding--)
    },
  }
  return { backend, stats }
}

const event = (tag: string) => ({ type: 'Placed', data: { tag } })

/** Every answered append is in the log where its answer says, every refused one left nothing, and the chain holds. */
function checkAnswers(log: readonly Envelope[], requests: readonly AppendRequest[], settled: readonly PromiseSettledResult<AppendResult>[]): void {
  assertChain(log, toHex(ledgerSigner.publicKey))
  const bySequence = new Map(log.map((e) => [e.sequence, e]))
  const tagsInLog = new Map<string, number>()
  for (const e of log) {
    const tag = (e.data as { tag?: unknown }).tag
    if (typeof tag === 'string') tagsInLog.set(tag, (tagsInLog.get(tag) ?? 0) + 1)
  }
  requests.forEach((request, i) => {
    const outcome = settled[i] as PromiseSettledResult<AppendResult>
    const tags = request.writes.flatMap((w) => w.events.map((e) => (e.data as { tag: string }).tag))
    if (outcome.status === 'rejected') {
      for (const tag of tags) expect(tagsInLog.get(tag), `refused append ${i} left ${tag} in the log`).toBeUndefined()
      return
    }
    const { firstSequence, lastSequence } = outcome.value
    const landed = []
    for (let s = firstSequence; s <= lastSequence; s++) landed.push(bySequence.get(s))
    expect(landed.map((e) => (e?.data as { tag?: string } | undefined)?.tag)).toEqual(tags)
    for (const tag of tags) expect(tagsInLog.get(tag)).toBe(1)
  })
}

describe('the commit pipeline', () => {
  it('plans the next batch while the previous commits: commits overlap', async () => {
    const { backend, stats } = faulty(createMemoryBackend(), [], () => 5)
    const store = await openLedgerStore({ backend, signer: ledgerSigner, anchorIntervalMs: 0 })
    const requests: AppendRequest[] = []
    const answers: Promise<AppendResult>[] = []
    for (let i = 0; i < 30; i++) {
      const request = { writes: [{ stream: `s-${i % 3}`, expected: Expected.any, events: [event(`t${i}`)] }] }
      requests.push(request)
      answers.push(store.append(request))
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    const settled = await Promise.allSettled(answers)
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true)
    expect(stats.maxOutstanding).toBe(2)
    checkAnswers(await collect(store.readAll()), requests, settled)
    await store.close()
  })

  it('a failed batch refuses its own appends; the batch sealed on top of it is planned again and lands', async () => {
    const { backend, stats } = faulty(createMemoryBackend(), ['ok', 'fail-before'], () => 10)
    const store = await openLedgerStore({ backend, signer: ledgerSigner, anchorIntervalMs: 0 })
    const first = store.append({ writes: [{ stream: 'a', expected: Expected.any, events: [event('first')] }] })
    await new Promise((resolve) => setTimeout(resolve, 2))
    const second = store.append({ writes: [{ stream: 'b', expected: Expected.any, events: [event('second')] }] })
    await new Promise((resolve) => setTimeout(resolve, 2))
    // Launched while `second` commits: sealed on top of it, so it fails with it as stale.
    const thirdRequest: AppendRequest = { writes: [{ stream: 'c', expected: Expected.none, events: [event('third')] }] }
    const third = store.append(thirdRequest)
    await expect(first).resolves.toMatchObject({ firstSequence: 1 })
    await expect(second).rejects.toMatchObject({ code: 'storage', details: { storageCode: 'SQLITE_FULL' } })
    await expect(third).resolves.toMatchObject({ firstSequence: 2, lastSequence: 2 })
    expect(stats.maxOutstanding).toBe(2)
    const log = await collect(store.readAll())
    expect(log.map((e) => (e.data as { tag?: string }).tag)).toEqual(['first', 'third'])
    assertChain(log, toHex(ledgerSigner.publicKey))
    await store.close()
  })

  it('a batch the backend wrote but reported as failed is answered as committed, and so is the one behind it', async () => {
    const { backend } = faulty(createMemoryBackend(), ['fail-after'], () => 10)
    const store = await openLedgerStore({ backend, signer: ledgerSigner, anchorIntervalMs: 0 })
    const signed = command({ n: 1 })
    const first: AppendRequest = { writes: [{ stream: 'a', expected: Expected.none, events: [event('first')] }], command: signed }
    const a = store.append(first)
    await new Promise((resolve) => setTimeout(resolve, 2))
    const second: AppendRequest = { writes: [{ stream: 'b', expected: Expected.none, events: [event('second')] }] }
    const b = store.append(second)
    const settled = await Promise.allSettled([a, b])
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled'])
    checkAnswers(await collect(store.readAll()), [first, second], settled)
    // The command's result was recorded with it: a resend is a duplicate of it.
    await expect(store.append(first)).resolves.toMatchObject({ duplicate: true, firstSequence: 1 })
    await store.close()
  })

  it('property: under random commit failures and timings, every answer matches the log and nothing refused is in it', async () => {
    const expectation = fc.constantFrom<'any' | 'none' | 'exists' | 'exact0' | 'exact1'>('any', 'any', 'none', 'exists', 'exact0', 'exact1')
    const append = fc.record({ stream: fc.integer({ min: 0, max: 4 }), expect: expectation, events: fc.integer({ min: 1, max: 3 }), signed: fc.boolean(), nonce: fc.integer({ min: 0, max: 5 }), gapMs: fc.integer({ min: 0, max: 3 }) })
    await fc.assert(
      fc.asyncProperty(
        fc.array(append, { minLength: 1, maxLength: 40 }),
        fc.array(fc.constantFrom<Fault>('ok', 'ok', 'ok', 'fail-before', 'fail-after'), { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 40 }),
        async (appends, faults, delays, anchorEvery) => {
          const inner = createMemoryBackend()
          const { backend, stats } = faulty(inner, faults, (call) => delays[call % delays.length] as number)
          const store = await openLedgerStore({ backend, signer: ledgerSigner, anchorIntervalMs: 0, anchorEvery: anchorEvery === 0 ? 1000 : anchorEvery })
          const versionOf = (kind: string): ExpectedVersion =>
            kind === 'none' ? Expected.none : kind === 'exists' ? Expected.exists : kind === 'exact0' ? Expected.exact(0) : kind === 'exact1' ? Expected.exact(1) : Expected.any
          const requests = appends.map((a, i): AppendRequest => ({
            writes: [{ stream: `s-${a.stream}`, expected: versionOf(a.expect), events: Array.from({ length: a.events }, (_, j) => event(`t${i}.${j}`)) }],
            // Nonces collide on purpose: of two commands with one (actor, nonce), at most one lands.
            ...(a.signed ? { command: command({ i }, undefined, undefined, `nonce-${a.nonce}`) } : {}),
          }))
          const answers: Promise<AppendResult>[] = []
          for (const [i, request] of requests.entries()) {
            const answer = store.append(request)
            answer.catch(() => undefined)
            answers.push(answer)
            const gap = appends[i]?.gapMs ?? 0
            if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap))
          }
          const settled = await Promise.allSettled(answers)
          const log = await collect(store.readAll())
          checkAnswers(log, requests, settled)
          // At most one command per nonce landed, and the log's commands are exactly the answered ones.
          const landedNonces = settled.flatMap((s, i) => (s.status === 'fulfilled' && appends[i]?.signed === true ? [appends[i]?.nonce] : []))
          expect(new Set(landedNonces).size).toBe(landedNonces.length)
          // The store goes on after the failures: one more append lands, then the final seal.
          stats.healed = true
          await expect(store.append({ writes: [{ stream: 'after', expected: Expected.any, events: [event('after')] }] })).resolves.toMatchObject({ duplicate: false })
          await store.close()
          // A store reopened on what was written continues the same chain.
          const again = await openLedgerStore({ backend: inner, signer: ledgerSigner, anchorIntervalMs: 0 })
          expect((await again.head()).sequence).toBe((await collect(again.readAll())).length)
          assertChain(await collect(again.readAll()), toHex(ledgerSigner.publicKey))
          await again.close()
        },
      ),
      { numRuns: 60 },
    )
  }, 120_000)
})
