import { describe, expect, it } from 'vitest'
import { Expected } from '../../../domain/ports/event-store.js'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { manualClock } from '../../../infrastructure/clock.js'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { iterate, ledgerKey, ledgerSigner, linesOf } from '../../support/ledger-fixture.js'

/** A log of `count` events of `bytes` of data each, and its anchor, as bundle lines. */
async function logOf(count: number, bytes: number): Promise<string[]> {
  const backend = createMemoryBackend()
  const store = await openLedgerStore({ backend, signer: ledgerSigner, clock: manualClock(Date.UTC(2026, 10, 1)), anchorEvery: 10_000, anchorIntervalMs: 0 })
  const blob = 'x'.repeat(bytes)
  for (let i = 0; i < count; i++) await store.append({ writes: [{ stream: `big-${i}`, expected: Expected.any, events: [{ type: 'ThingHappened', data: { i, blob } }] }], reason: 'test' })
  await store.sealAnchor()
  return linesOf(backend)
}

// Lines used to go to the line-check workers 512 at a time, whatever their size; a worker's heap
// has a hard limit (infrastructure/verify/pool.ts), so a sound log of large events failed with
// "Worker terminated due to reaching memory limit".
describe('a log of large events verifies on worker threads', () => {
  it('events of half the store’s size limit: a few to a batch', async () => {
    const report = await verifyLines(iterate(await logOf(200, 1 << 19)), { trustedKey: ledgerKey, workers: 2 })
    expect(report.failure).toBeNull()
    expect(report.summary?.events).toBe(201)
  }, 120_000)

  it('events at the store’s size limit: each checked alone on the verifying thread', async () => {
    const report = await verifyLines(iterate(await logOf(96, (1 << 20) - 64)), { trustedKey: ledgerKey, workers: 2 })
    expect(report.failure).toBeNull()
    expect(report.summary?.events).toBe(97)
  }, 120_000)

  it('and a changed byte in one of them is still found', async () => {
    const lines = await logOf(8, 1 << 19)
    const i = lines.findIndex((line) => line.includes('"i":5}'))
    const tampered = lines.map((line, j) => (j === i ? line.replace('xxxx', 'xxxy') : line))
    const report = await verifyLines(iterate(tampered), { trustedKey: ledgerKey, workers: 2 })
    expect(report.failure?.sequence).toBe(6)
    expect(report.failure?.reason).toMatch(/hash does not match/)
  }, 120_000)
})
