/**
 * Store throughput side by side in one run: SQLite (embedded) and PostgreSQL (a fresh database
 * on MODEL_LEDGER_BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres, dropped after).
 * For each: single-event appends with many in flight (group commit), bulk appends, readAll, and a
 * rebuild of the `ledger` read model into that store's own read-model store.
 *
 * Usage: node --import tsx bench/stores.ts [EVENTS=50000] [CONCURRENT=256]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Expected, type EventStore } from '../domain/ports/event-store.js'
import { nativeEd25519 } from '../infrastructure/crypto/native.js'
import type { StorageBackend } from '../infrastructure/store/backend.js'
import { openLedgerStore } from '../infrastructure/store/ledger-store.js'
import { createPostgresBackend } from '../infrastructure/store/postgres-backend.js'
import { createSqliteBackend } from '../infrastructure/store/sqlite-backend.js'
import { ledgerProjection } from '../projections/read-models/index.js'
import { createRunner } from '../projections/runner.js'
import type { ReadModelStore } from '../projections/store/port.js'
import { createPostgresReadModelStore } from '../projections/store/postgres-store.js'
import { createSqliteReadModelStore } from '../projections/store/sqlite-store.js'
import { createBenchDatabase, type BenchDatabase } from './pg.js'
import { fmt, perSecond, say } from './stats.js'

const EVENTS = Number(process.argv[2] ?? 50_000)
const CONCURRENT = Number(process.argv[3] ?? 256)
const signer = nativeEd25519.signer(new Uint8Array(32).fill(9))

interface Target {
  readonly name: string
  backend(): StorageBackend
  readModels(): ReadModelStore
}

const event = (i: number) => ({ stream: `account-${i % 1000}`, expected: Expected.any, events: [{ type: 'Noted', data: { i, note: 'x'.repeat(64) } }] })

async function singles(store: EventStore, count: number): Promise<number> {
  const started = performance.now()
  for (let done = 0; done < count; done += CONCURRENT) {
    await Promise.all(Array.from({ length: Math.min(CONCURRENT, count - done) }, (_, k) => store.append({ writes: [event(done + k)], reason: 'bench' })))
  }
  return perSecond(count, started)
}

async function bulk(store: EventStore, count: number): Promise<number> {
  const started = performance.now()
  for (let done = 0; done < count; done += 500) {
    const writes = Array.from({ length: 10 }, (_, s) => ({ stream: `bulk-${s}`, expected: Expected.any, events: Array.from({ length: 50 }, (_, k) => ({ type: 'Noted', data: { i: done + s * 50 + k } })) }))
    await store.append({ writes, reason: 'bench' })
  }
  return perSecond(count, started)
}

async function readAll(store: EventStore): Promise<number> {
  const started = performance.now()
  let n = 0
  for await (const envelope of store.readAll()) n += envelope.sequence > 0 ? 1 : 0
  return perSecond(n, started)
}

async function rebuild(store: EventStore, readModels: ReadModelStore): Promise<number> {
  const started = performance.now()
  const status = await createRunner(store, readModels, ledgerProjection).rebuild()
  return perSecond(status.checkpoint, started)
}

async function measure(target: Target): Promise<void> {
  const store = await openLedgerStore({ backend: target.backend(), signer, anchorEvery: 1000, anchorIntervalMs: 0 })
  const single = await singles(store, Math.min(EVENTS, 20_000))
  const batched = await bulk(store, EVENTS)
  const read = await readAll(store)
  const readModels = target.readModels()
  const rebuilt = await rebuild(store, readModels)
  await readModels.close()
  await store.close()
  say(`${target.name.padEnd(10)} appends ${fmt(single)}/s (1 event, ${CONCURRENT} in flight)  bulk ${fmt(batched)} events/s  readAll ${fmt(read)}/s  rebuild ledger ${fmt(rebuilt)} events/s`)
}

const dir = mkdtempSync(join(tmpdir(), 'ml-bench-stores-'))
say(`stores: ${fmt(EVENTS)} bulk events, ${fmt(Math.min(EVENTS, 20_000))} single appends each`)
let database: BenchDatabase | undefined
try {
  await measure({ name: 'sqlite', backend: () => createSqliteBackend(join(dir, 'ledger.db')), readModels: () => createSqliteReadModelStore(join(dir, 'projections.db')) })
  const db = (database = await createBenchDatabase())
  await measure({ name: 'postgres', backend: () => createPostgresBackend(db.url('ledger')), readModels: () => createPostgresReadModelStore(db.url('read_models')) })
} finally {
  await database?.drop()
  rmSync(dir, { recursive: true, force: true })
}
