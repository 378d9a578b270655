/**
 * Append: signed, chained, anchored and durable events per second on the embedded store, from
 * many concurrent callers, beside the raw Ed25519 sign rate and the raw SQLite insert rate.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Expected } from '../domain/ports/event-store.js'
import { nativeEd25519 } from '../infrastructure/crypto/native.js'
import { openLedgerStore } from '../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../infrastructure/store/sqlite-backend.js'
import { rawSignRate, rawSqliteInsertRate } from './raw.js'
import { fmt, medianRate, perSecond, say } from './stats.js'

export async function appendRate(events: number, callers: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ml-bench-append-'))
  const store = await openLedgerStore({ backend: createSqliteBackend(join(dir, 'ledger.db')), signer: nativeEd25519.signer(randomBytes(32)), anchorEvery: 1000, anchorIntervalMs: 0 })
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (next < events) {
        const i = next++
        await store.append({
          writes: [{ stream: `account-${caller}`, expected: Expected.any, events: [{ type: 'OpenTransferred', data: { to: 'ab'.repeat(32), amount: String(BigInt(i) * 10n ** 18n), memo: `payment ${i}` } }] }],
          reason: 'bench',
        })
      }
    }),
  )
  const rate = perSecond(events, started)
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  return rate
}

export interface AppendFigures {
  readonly rawSignPerSecond: number
  readonly rawSqliteInsertPerSecond: number
  /** Per number of concurrent callers: durable appends per second and the ratio to raw signing. */
  readonly byCallers: readonly { callers: number; appendPerSecond: number; ratioToSign: number }[]
}

/**
 * Each append is acknowledged only after its batch's fsync, and a batch holds what the callers
 * had waiting, so the batch size (and the fsync cost per event) follows the number of callers:
 * the sweep shows it.
 */
export async function benchAppend(events = 40_000, callerCounts: readonly number[] = [16, 64, 256], runs = 3): Promise<AppendFigures> {
  say(`append: ${fmt(events)} events, SQLite WAL synchronous=FULL (one fsync per batch), anchor every 1000; median of ${runs}`)
  const sign = await medianRate(runs, () => rawSignRate())
  const dir = mkdtempSync(join(tmpdir(), 'ml-bench-sqlite-'))
  const sqlite = await medianRate(runs, () => rawSqliteInsertRate(join(dir, `raw-${Math.random()}.db`)))
  rmSync(dir, { recursive: true, force: true })
  say(`  raw Ed25519 sign (node:crypto, 1 core)   ${fmt(sign.median)} /s`)
  say(`  raw SQLite durable insert (500/tx)       ${fmt(sqlite.median)} rows/s`)
  const byCallers = []
  for (const callers of callerCounts) {
    const append = await medianRate(runs, () => appendRate(events, callers))
    const ratioToSign = append.median / sign.median
    byCallers.push({ callers, appendPerSecond: append.median, ratioToSign })
    say(`  ledger append, ${String(callers).padStart(3)} callers (signed+anchored+durable)  ${fmt(append.median)} events/s = ${ratioToSign.toFixed(2)} x raw sign`)
  }
  return { rawSignPerSecond: sign.median, rawSqliteInsertPerSecond: sqlite.median, byCallers }
}
