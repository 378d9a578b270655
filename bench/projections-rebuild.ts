/**
 * Projection rebuild throughput beside raw readAll, in the same run, over a 1,000,000-event
 * SQLite ledger (built once, cached under .bench/). Prints medians of a few runs and the ratio.
 *
 * The log is a governance-shaped mix: transfers (two events each), wraps, delegations and stake
 * locks over 1,000 accounts, plus 20% events of another vertical that the accounts model skips.
 *
 * Usage: node --import tsx bench/projections-rebuild.ts [EVENTS] [RUNS]
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tokens } from '../domain/governance/amounts.js'
import type { GovernanceEvent } from '../domain/governance/events.js'
import { encodeEvent } from '../domain/governance/wire.js'
import type { JsonValue } from '../domain/json.js'
import { Expected, type EventStore, type NewEvent } from '../domain/ports/event-store.js'
import { manualClock } from '../infrastructure/clock.js'
import { nativeEd25519 } from '../infrastructure/crypto/native.js'
import { openLedgerStore } from '../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../infrastructure/store/sqlite-backend.js'
import type { AnyProjection } from '../projections/projection.js'
import { accountsProjection, ledgerProjection } from '../projections/read-models/index.js'
import { createRunner } from '../projections/runner.js'
import { createSqliteReadModelStore } from '../projections/store/sqlite-store.js'
import { fmt, median, say } from './stats.js'

const EVENTS = Number(process.argv[2] ?? 1_000_000)
const RUNS = Number(process.argv[3] ?? 3)
const DIR = join('.bench', `projections-${EVENTS}`)
const LEDGER = join(DIR, 'ledger.db')
const DONE = join(DIR, 'complete')
const ACCOUNTS = 1000
const signer = nativeEd25519.signer(new Uint8Array(32).fill(9))

const key = (i: number): string => (i % ACCOUNTS).toString(16).padStart(64, '0')

/** The i-th slice of the mix; a transfer is two events, so slices vary in size. */
function slice(i: number): { stream: string; type: string; data: JsonValue }[] {
  const a = key(i)
  const b = key(i * 7 + 3)
  const governance: GovernanceEvent[] =
    i % 10 < 6
      ? [{ type: 'OpenSent', data: { from: a, to: b, amount: tokens(1) } }, { type: 'OpenReceived', data: { from: a, to: b, amount: tokens(1) } }]
      : i % 10 < 7
        ? [{ type: 'OpenWrapped', data: { account: a, amount: tokens(2) } }]
        : i % 10 < 8
          ? [{ type: 'VotesDelegated', data: { account: a, from: null, to: b } }]
          : [{ type: 'StakeLocked', data: { account: a, stakeId: i + 1, purpose: 'validator', amount: 1n, proposalId: null } }]
  const events: { stream: string; type: string; data: JsonValue }[] = governance.map(encodeEvent)
  if (i % 4 === 0) events.push({ stream: `datanet-d${i % 50}`, type: 'ContributionAdded', data: { n: i, hash: key(i) } })
  return events
}

async function build(): Promise<void> {
  rmSync(DIR, { recursive: true, force: true })
  mkdirSync(DIR, { recursive: true })
  const store = await openLedgerStore({ backend: createSqliteBackend(LEDGER), signer, anchorEvery: 1000, anchorIntervalMs: 0, clock: manualClock() })
  const genesis = encodeEvent({
    type: 'GenesisEstablished',
    data: {
      params: (await import('../domain/governance/params.js')).defaultParams,
      ledgerKey: key(0),
      treasuryKey: key(1),
      treasury: tokens(1_000_000),
      allocations: Array.from({ length: ACCOUNTS }, (_, i) => ({ account: key(i), amount: tokens(1_000_000) })),
    },
  })
  await store.append({ writes: [{ stream: genesis.stream, expected: Expected.any, events: [{ type: genesis.type, data: genesis.data }] }], reason: 'bench' })
  let written = 1
  let i = 0
  const started = performance.now()
  while (written < EVENTS) {
    // One append of up to ~900 events, grouped by stream (an append writes each stream once).
    const writes = new Map<string, NewEvent[]>()
    let n = 0
    while (n < 900 && written + n < EVENTS) {
      for (const e of slice(i++)) {
        const list = writes.get(e.stream) ?? []
        list.push({ type: e.type, data: e.data })
        writes.set(e.stream, list)
        n++
      }
    }
    await store.append({ writes: [...writes].map(([stream, events]) => ({ stream, expected: Expected.any, events })), reason: 'bench' })
    written += n
    if (written % 100_000 < n) say(`  built ${fmt(written)} events (${fmt(written / ((performance.now() - started) / 1000))}/s)`)
  }
  await store.close()
  writeFileSync(DONE, `${written}\n`)
}

async function rawRate(store: EventStore): Promise<number> {
  const started = performance.now()
  let n = 0
  for await (const envelope of store.readAll()) n += envelope.sequence > 0 ? 1 : 0
  return n / ((performance.now() - started) / 1000)
}

async function rebuildRate(store: EventStore, projection: AnyProjection, run: number): Promise<number> {
  const file = join(DIR, `projections-${projection.name}-${run}.db`)
  rmSync(file, { force: true })
  const readModels = createSqliteReadModelStore(file)
  const started = performance.now()
  const status = await createRunner(store, readModels, projection).rebuild()
  const rate = status.checkpoint / ((performance.now() - started) / 1000)
  await readModels.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
  return rate
}

if (!existsSync(DONE)) {
  say(`building a ${fmt(EVENTS)}-event SQLite ledger in ${DIR} (once; cached)`)
  await build()
}
const store = await openLedgerStore({ backend: createSqliteBackend(LEDGER), signer, anchorIntervalMs: 0 })
const head = (await store.head()).sequence
say(`ledger: ${fmt(head)} events; ${RUNS} runs each, alternating`)
const raw: number[] = []
const rebuilt = new Map<string, number[]>()
const projections: AnyProjection[] = [accountsProjection, ledgerProjection]
for (let run = 0; run < RUNS; run++) {
  raw.push(await rawRate(store))
  for (const projection of projections) {
    const rates = rebuilt.get(projection.name) ?? []
    rates.push(await rebuildRate(store, projection, run))
    rebuilt.set(projection.name, rates)
  }
  say(`  run ${run + 1}: readAll ${fmt(raw[run] ?? 0)}/s; ${projections.map((p) => `${p.name} ${fmt(rebuilt.get(p.name)?.[run] ?? 0)}/s`).join('; ')}`)
}
const rawMedian = median(raw)
say(`readAll (raw)          median ${fmt(rawMedian)} events/s`)
for (const projection of projections) {
  const m = median(rebuilt.get(projection.name) ?? [])
  say(`rebuild ${projection.name.padEnd(14)} median ${fmt(m)} events/s  = ${((100 * m) / rawMedian).toFixed(0)}% of readAll`)
}
await store.close()
