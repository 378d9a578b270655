/**
 * Several instances on one PostgreSQL ledger: what an append costs when the instance before it in
 * the log was another one (so the appending instance must first learn what that one wrote),
 * against the same appends from one instance alone, as the ledger's number of streams grows.
 *
 * For each size: a fresh schema holding S streams (one event each, written in bulk), then
 * `--appends` single-event appends, each awaited before the next, from one instance (the
 * baseline) and alternating between two instances (every append follows the other's). Prints the
 * median time per append of `--runs` runs of each and the ratio.
 *
 * Usage: node dist/bench/instances.js [--sizes 1000,10000,100000] [--appends 200] [--runs 3]
 * (PostgreSQL on MODEL_LEDGER_BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres; a
 * database of its own, dropped after).
 */
import { Expected, type EventStore } from '../domain/ports/event-store.js'
import { nativeEd25519 } from '../infrastructure/crypto/native.js'
import { openLedgerStore } from '../infrastructure/store/ledger-store.js'
import { createPostgresBackend } from '../infrastructure/store/postgres-backend.js'
import { createBenchDatabase } from './pg.js'
import { fmt, median, numberArg, say } from './stats.js'

const signer = nativeEd25519.signer(new Uint8Array(32).fill(9))

function listArg(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(name)
  return i >= 0 ? (process.argv[i + 1] ?? '').split(',').map(Number) : fallback
}

const SIZES = listArg('--sizes', [1_000, 10_000, 100_000])
const APPENDS = numberArg('--appends', 200)
const RUNS = numberArg('--runs', 3)

say(`instances: ${fmt(APPENDS)} appends per run, ${RUNS} runs, PostgreSQL`)
const database = await createBenchDatabase()
const open = (schema: string): Promise<EventStore> =>
  openLedgerStore({ backend: createPostgresBackend(database.url(schema)), signer, anchorEvery: 1000, anchorIntervalMs: 0, pollIntervalMs: 60_000 })

let counter = 0
/** Microseconds per append, each awaited before the next, from the instances in turn. */
async function appends(instances: readonly EventStore[]): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < APPENDS; i++) {
    const store = instances[i % instances.length] as EventStore
    await store.append({ writes: [{ stream: `turn-${counter++ % 64}`, expected: Expected.any, events: [{ type: 'Noted', data: { i } }] }], reason: 'bench' })
  }
  return ((performance.now() - started) * 1000) / APPENDS
}

try {
  for (const size of SIZES) {
    const schema = `s${size}`
    const filler = await open(schema)
    for (let done = 0; done < size; done += 1000) {
      const writes = Array.from({ length: Math.min(1000, size - done) }, (_, k) => ({ stream: `account-${done + k}`, expected: Expected.none, events: [{ type: 'Opened', data: { k } }] }))
      await filler.append({ writes, reason: 'bench' })
    }
    await filler.close()
    const a = await open(schema)
    const b = await open(schema)
    const alone: number[] = []
    const turns: number[] = []
    for (let run = 0; run < RUNS; run++) {
      alone.push(await appends([a]))
      turns.push(await appends([a, b]))
    }
    await a.close()
    await b.close()
    const one = median(alone)
    const two = median(turns)
    say(
      `${fmt(size).padStart(9)} streams  one instance ${fmt(one)} µs/append (${alone.map(fmt).join(', ')})  two in turn ${fmt(two)} µs/append (${turns.map(fmt).join(', ')})  ratio ${(two / one).toFixed(2)}×`,
    )
  }
} finally {
  await database.drop()
}
