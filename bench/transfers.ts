/**
 * The in-process command rate for transfers as the ledger's accounts grow: signed `TransferOpen`
 * commands through the command handler on the embedded SQLite store, 64 concurrent callers, on
 * ledgers whose genesis allocated OPEN to 1k, 10k, 100k and 1M accounts. Beside it, measured in
 * the same run: the one-core Ed25519 sign rate and the store's durable append rate with as many
 * callers and no decisions.
 *
 * Every ledger is real: the genesis is one signed command whose allocations name every account,
 * decided, signed and committed like any other (the bench's store admits an event that large; the
 * default limit is 1 MiB), so the handler's state holds N accounts. A fixed
 * set of registered senders (only a registered identity may transfer) sends to recipients drawn
 * pseudo-randomly from all N accounts, so each transfer reads and writes accounts spread over the
 * whole map. For each size: one discarded warm-up batch, then `--runs` measured batches on the
 * same ledger; the median is quoted, with the main thread's GC pauses per transfer and the live
 * heap after a full collection.
 *
 * `npm run build && node --expose-gc --max-old-space-size=8192 dist/bench/transfers.js [--max N]
 * [--sizes 1000,1000000] [--commands M] [--runs R] [--connections C]`. The ratio is to the first size.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { keyFromSeed, type ActorKey } from '../api/sdk/index.js'
import { encodeRequest } from '../domain/economy/index.js'
import { defaultParams, governance, tokens } from '../domain/governance/index.js'
import { signCommand, type SignedCommand } from '../domain/ledger/command.js'
import { createCommandHandler } from '../infrastructure/command-handler.js'
import { nativeCrypto } from '../infrastructure/crypto/native.js'
import { openLedgerStore } from '../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../infrastructure/store/sqlite-backend.js'
import { appendRate } from './append.js'
import { rawSignRate } from './raw.js'
import { fmt, median, numberArg, say } from './stats.js'

const MAX = numberArg('--max', 1_000_000)
const COMMANDS = numberArg('--commands', 5_000)
const RUNS = numberArg('--runs', 3)
const CONNECTIONS = numberArg('--connections', 64)
const SENDERS = 256
/** A genesis naming a million accounts is about 110 MB; the store's default limit for one event is 1 MiB. */
const GENESIS_BYTES = 512 * 1024 * 1024
const seed = (n: number): string => n.toString(16).padStart(8, '0').repeat(8)
const ledger = keyFromSeed(seed(1))
const senders: ActorKey[] = Array.from({ length: SENDERS }, (_, i) => keyFromSeed(seed(1_000 + i)))
/** An account that only holds OPEN (it never signs): a 32-byte key that is not a sender's. */
const accountOf = (i: number): string => `ff${i.toString(16).padStart(62, '0')}`

let nonce = 0
function sign(key: ActorKey, type: string, payload: Parameters<typeof signCommand>[0]['payload']): SignedCommand {
  nonce += 1
  return signCommand({ type, payload, actor: key.publicKey, nonce: `bench-${nonce}`, issuedAt: new Date().toISOString(), ledger: ledger.publicKey }, key.signer, nativeCrypto)
}

/** The genesis (N accounts in all: the senders, then accounts that only receive) and the senders' registrations. */
function setup(accounts: number): SignedCommand[] {
  const allocations = [
    ...senders.map((s) => ({ account: s.publicKey, amount: tokens(1_000_000) })),
    ...Array.from({ length: accounts - SENDERS }, (_, i) => ({ account: accountOf(i), amount: tokens(1) })),
  ]
  const genesis = sign(ledger, 'EstablishGenesis', encodeRequest({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: ledger.publicKey, treasury: 0n, allocations } }).payload)
  return [genesis, ...senders.map((s, i) => sign(s, 'RegisterIdentity', { displayName: `sender ${i}` }))]
}

/** `count` transfers of 1 base unit, each from the next sender to a pseudo-random one of all N accounts. */
function batch(accounts: number, count: number, start: number): SignedCommand[] {
  let x = 12345 + start
  return Array.from({ length: count }, (_, i) => {
    x = (x * 1103515245 + 12345) % 2147483648
    const r = x % accounts
    const from = senders[(start + i) % SENDERS] as ActorKey
    const to = r < SENDERS ? (senders[(r + 1) % SENDERS] as ActorKey).publicKey : accountOf(r - SENDERS)
    return sign(from, 'TransferOpen', { to: to === from.publicKey ? accountOf(0) : to, amount: '1' })
  })
}

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc: the benchmark collects the genesis before measuring, and the heap before reading it')
const collect: () => void = gc

/** Main-thread garbage-collection pauses, in ms, summed since the last read. */
let gcMs = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration
}).observe({ entryTypes: ['gc'] })

async function measure(accounts: number): Promise<{ setupS: number; rates: number[]; gcUs: number[]; heapMb: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'ml-bench-transfers-'))
  try {
    const store = await openLedgerStore({ backend: createSqliteBackend(join(dir, 'ledger.db')), signer: ledger.signer, anchorEvery: 1000, anchorIntervalMs: 10_000, maxEventBytes: GENESIS_BYTES })
    const handler = createCommandHandler({ store, vertical: governance })
    const setupStarted = performance.now()
    for (const signed of setup(accounts)) {
      const result = await handler.handle(signed)
      if (!result.ok) throw new Error(`setup command refused: ${result.error.code} ${result.error.message}`)
    }
    const setupS = (performance.now() - setupStarted) / 1000
    const held = (await handler.state()).accounts.size
    if (held !== accounts) throw new Error(`the ledger holds ${held} accounts, not ${accounts}`)
    // The genesis's own garbage (its command, canonical text and parsed envelope: about 1 KB per
    // allocation) is not what a ledger of N accounts carries; collect it before measuring.
    collect()
    const rates: number[] = []
    const gcUs: number[] = []
    for (let run = 0; run <= RUNS; run++) {
      const load = batch(accounts, COMMANDS, run * COMMANDS)
      let next = 0
      let refused = 0
      gcMs = 0
      const started = performance.now()
      await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
        while (next < load.length) {
          const result = await handler.handle(load[next++])
          if (!result.ok) refused += 1
        }
      }))
      const rate = load.length / ((performance.now() - started) / 1000)
      if (refused > 0) throw new Error(`${refused} transfers refused`)
      if (run > 0) {
        // run 0 warms up
        rates.push(rate)
        gcUs.push((gcMs * 1000) / load.length)
      }
    }
    collect()
    const heapMb = process.memoryUsage().heapUsed / 2 ** 20
    await store.close()
    return { setupS, rates, gcUs, heapMb }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

say(`signed TransferOpen commands through the command handler (SQLite store), ${CONNECTIONS} callers, ${COMMANDS} per run, median of ${RUNS} after a warm-up run`)
say(`raw Ed25519 sign (node:crypto, 1 core): ${fmt(rawSignRate())}/s`)
say(`raw durable append (ledger store, ${CONNECTIONS} callers, no decisions): ${fmt(await appendRate(20_000, CONNECTIONS))} events/s`)
const sizes = process.argv.includes('--sizes')
  ? (process.argv[process.argv.indexOf('--sizes') + 1] ?? '').split(',').map(Number)
  : Array.from({ length: Math.floor(Math.log10(MAX / 1_000)) + 1 }, (_, i) => 1_000 * 10 ** i)
let first: number | undefined
for (const accounts of sizes) {
  const { setupS, rates, gcUs, heapMb } = await measure(accounts)
  const rate = median(rates)
  first ??= rate
  say(`${fmt(accounts)} accounts: ${fmt(rate)} transfers/s (runs ${rates.map(fmt).join(', ')}), ${(first / rate).toFixed(2)}x the first size's cost per transfer; main-thread GC ${median(gcUs).toFixed(0)} µs per transfer, heap ${fmt(heapMb)} MB; genesis and registrations ${setupS.toFixed(1)} s`)
}
