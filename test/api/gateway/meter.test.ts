/**
 * The write-ahead meter against a real ledger: group commit, one batch per deployment, a batch
 * sent twice charged once, a bad receipt set aside without sinking the others, a failed send kept
 * for the next flush.
 */
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMeter, operatorSigner, type MeteredReceipt } from '../../../api/gateway/index.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { openLedger } from '../../../infrastructure/data-dir.js'
import { inProcessLedger, type TrainerLedger } from '../../../trainer/ledger.js'
import { FAST_COST } from '../../trainer/fixture.js'
import { deployedDataDir, type DeployedDir } from './fixture.js'

let d: DeployedDir
let store: EventStore
let ledger: TrainerLedger
const scratch = mkdtempSync(join(tmpdir(), 'meter-'))

beforeAll(async () => {
  d = await deployedDataDir()
  ;({ store } = await openLedger(d.dir))
  ledger = inProcessLedger(store, await operatorSigner(d.dir, FAST_COST))
}, 120_000)
afterAll(async () => {
  await store?.close()
  if (d !== undefined) rmSync(d.dir, { recursive: true, force: true })
  rmSync(scratch, { recursive: true, force: true })
})

let n = 0
const receipt = (over: Partial<MeteredReceipt> = {}): MeteredReceipt => ({
  requestId: `meter-${++n}`,
  deploymentId: d.deploymentId,
  grantId: d.grantId,
  consumer: d.consumer,
  inputTokens: 10,
  outputTokens: 2,
  at: new Date().toISOString(),
  fee: 32n,
  ...over,
})

async function chargedCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for await (const e of store.readAll(1)) {
    if (e.type !== 'UsageRecorded') continue
    for (const r of (e.data as { receipts: { requestId: string }[] }).receipts) counts.set(r.requestId, (counts.get(r.requestId) ?? 0) + 1)
  }
  return counts
}

const states = (path: string): Record<string, number> => {
  const db = new Database(path, { readonly: true })
  const rows = db.prepare('SELECT state, count(*) AS n FROM receipts GROUP BY state').all() as { state: string; n: number }[]
  db.close()
  return Object.fromEntries(rows.map((r) => [r.state, r.n]))
}

describe('the write-ahead meter', () => {
  it('commits receipts durably before resolving, holds them against escrow and quota, and sends them in one batch', async () => {
    const path = join(scratch, 'a.db')
    let sent = 0
    const meter = await openMeter({ path, flushMs: 0, submit: (r) => (sent++, ledger.submit(r)) })
    const batch = Array.from({ length: 40 }, () => receipt())
    await Promise.all(batch.map((r) => meter.record(r)))
    expect(states(path)).toEqual({ pending: 40 })
    expect(meter.pendingFees(d.consumer)).toBe(40n * 32n)
    expect(meter.pendingTokens(d.grantId)).toBe(40 * 12)
    await meter.flush()
    expect(sent).toBe(1)
    expect(meter.pendingFees(d.consumer)).toBe(0n)
    expect(states(path)).toEqual({ recorded: 40 })
    const counts = await chargedCounts()
    for (const r of batch) expect(counts.get(r.requestId)).toBe(1)
    await meter.close()
  })

  it('charges a batch sent twice once: a crash between append and marking costs nothing', async () => {
    const path = join(scratch, 'b.db')
    const meter = await openMeter({ path, flushMs: 0, submit: (r) => ledger.submit(r) })
    const batch = Array.from({ length: 5 }, () => receipt())
    await Promise.all(batch.map((r) => meter.record(r)))
    await meter.flush()
    await meter.close()
    // As if the process died after the append and before it marked the rows.
    const db = new Database(path)
    db.prepare("UPDATE receipts SET state = 'pending'").run()
    db.close()
    const reopened = await openMeter({ path, flushMs: 0, submit: (r) => ledger.submit(r) })
    expect(reopened.pendingTokens(d.grantId)).toBe(5 * 12)
    await reopened.flush()
    expect(states(path)).toEqual({ recorded: 5 })
    const counts = await chargedCounts()
    for (const r of batch) expect(counts.get(r.requestId)).toBe(1)
    await reopened.close()
  })

  it('sets aside a receipt the ledger refuses, and records the rest of its batch', async () => {
    const path = join(scratch, 'c.db')
    const errors: string[] = []
    const meter = await openMeter({ path, flushMs: 0, submit: (r) => ledger.submit(r), onError: (m) => errors.push(m) })
    const good = [receipt(), receipt()]
    const bad = receipt({ grantId: 'ef'.repeat(32) })
    await Promise.all([...good, bad].map((r) => meter.record(r)))
    await meter.flush()
    expect(states(path)).toEqual({ recorded: 2, refused: 1 })
    expect(errors.some((e) => e.includes(bad.requestId) && e.includes('bad-receipts'))).toBe(true)
    expect(await meter.stats()).toMatchObject({ pending: 0, recorded: 2, refused: 1 })
    await meter.close()
  })

  it('keeps receipts pending when the ledger cannot be reached, and sends them on the next flush', async () => {
    const path = join(scratch, 'd.db')
    let down = true
    const meter = await openMeter({
      path,
      flushMs: 0,
      submit: (r) => (down ? Promise.reject(new Error('store unavailable')) : ledger.submit(r)),
    })
    const r = receipt()
    await meter.record(r)
    await meter.flush()
    expect(states(path)).toEqual({ pending: 1 })
    expect((await meter.stats()).lastError).toBe('store unavailable')
    down = false
    await meter.flush()
    expect(states(path)).toEqual({ recorded: 1 })
    expect((await chargedCounts()).get(r.requestId)).toBe(1)
    await meter.close()
  })
})
