/**
 * A check every backend shared by several writers must pass: a store takes in what another
 * store on the same storage appended by reading only those events (never its whole state again),
 * and the state it ends up with is the one a fresh load gives: right stream versions, and
 * checkpoints whose log root and stream-heads root an independent verifier accepts.
 */
import { expect } from 'vitest'
import { Expected, type EventStore } from '../../../domain/ports/event-store.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { storeLines } from '../../../infrastructure/bundle/lines.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { assertChain, collect, intercept, ledgerSigner } from './support.js'

/** Wraps a backend, counting whole stream-heads loads. */
function counted(inner: StorageBackend, reloads: { streamHeads: number }): StorageBackend {
  const load = inner.streamHeads?.bind(inner)
  return load === undefined ? inner : intercept(inner, { streamHeads: () => ((reloads.streamHeads += 1), load()) })
}

/**
 * Two stores on one storage take turns, over new streams and shared ones, with checkpoints sealed
 * by both: the first store never loads every stream head again after it opened, refuses a stale
 * expected version the other left, and the log verifies whole.
 */
export async function checkTakesInOtherWriters(backend: () => StorageBackend, cleanup: (store: EventStore) => void): Promise<void> {
  const reloads = { streamHeads: 0 }
  const open = async (inner: StorageBackend) => {
    const store = await openLedgerStore({ backend: inner, signer: ledgerSigner, anchorIntervalMs: 0, anchorEvery: 5, pollIntervalMs: 60_000 })
    cleanup(store)
    return store
  }
  const a = await open(counted(backend(), reloads))
  const b = await open(backend())
  expect(reloads.streamHeads).toBe(1)
  const versions = new Map<string, number>()
  const place = async (store: EventStore, stream: string) => {
    const expected = versions.get(stream) ?? 0
    await store.append({ writes: [{ stream, expected: Expected.exact(expected), events: [{ type: 'Placed', data: { expected } }] }] })
    versions.set(stream, expected + 1)
  }
  for (let round = 0; round < 12; round++) {
    await place(a, 'shared')
    await place(b, 'shared')
    await place(b, `b-${round}`)
    await place(b, `b-${round % 3}`)
    await place(a, `a-${round}`)
    if (round % 4 === 3) await b.sealAnchor()
  }
  // A version only the other store's append reached: the first store refuses it as stale.
  await place(b, 'shared')
  await expect(a.append({ writes: [{ stream: 'shared', expected: Expected.exact((versions.get('shared') ?? 0) - 1), events: [{ type: 'Placed', data: {} }] }] })).rejects.toMatchObject({
    code: 'wrong-expected-version',
  })
  await a.sealAnchor()
  expect(reloads.streamHeads).toBe(1)
  const log = await collect(a.readAll())
  assertChain(log, a.ledgerPublicKey)
  for (const [stream, version] of versions) expect(await a.streamVersion(stream), stream).toBe(version)
  const verifying = backend()
  try {
    const report = await verifyLines(storeLines(verifying), { trustedKey: toHex(ledgerSigner.publicKey), workers: 0 })
    expect(report.failure).toBeNull()
    expect(report.summary?.head.sequence).toBe(log.length)
  } finally {
    await verifying.close()
  }
}
