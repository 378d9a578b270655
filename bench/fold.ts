/**
 * The cost of one decision and its fold as the ledger grows: TransferOpen commands decided and
 * folded by the economy rules (exactly what the command handler, replay and `verify --full` do per
 * command) at 1k, 10k, 100k and 1M accounts, beside the raw cost of a JavaScript Map get+set at the
 * same size, measured in the same run. `node dist/bench/fold.js [--max N] [--transfers M] [--adaptive]`.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { decideAndRecord, type DecisionContext, type Recorded } from '../domain/decider.js'
import { economyDecider } from '../domain/economy/decider.js'
import type { EconomyCommand, EconomyEvent } from '../domain/economy/events.js'
import type { EconomyState } from '../domain/economy/state.js'
import { tokens } from '../domain/governance/amounts.js'
import { defaultParams } from '../domain/governance/params.js'
import { fmt, median, numberArg, say } from './stats.js'

const LEDGER = 'ab'.repeat(32)
const AT = '2026-11-30T00:00:00.000Z'
const keyOf = (i: number): string => i.toString(16).padStart(64, '0')

/**
 * A ledger whose genesis gave `accounts` registered accounts 1,000 OPEN each. The genesis is one
 * event, folded once; the registrations are put in place directly (folding a million of them is
 * not what this measures).
 */
function genesisWith(accounts: number): EconomyState {
  const allocations = Array.from({ length: accounts }, (_, i) => ({ account: keyOf(i + 1), amount: tokens(1_000) }))
  const event: EconomyEvent = { type: 'GenesisEstablished', data: { params: defaultParams, ledgerKey: LEDGER, treasuryKey: keyOf(0), treasury: tokens(1_000_000), allocations } }
  const state = economyDecider.evolve(economyDecider.initialState, { event, sequence: 1, recordedAt: AT } as Recorded<EconomyEvent>)
  const identities = new Map(allocations.map(({ account }) => [account, { displayName: 'bench', registeredAt: AT }] as const))
  return { ...state, governance: { ...state.governance, identities } }
}

/** Microseconds per transfer, decided and folded, between pseudo-random accounts. */
function transfers(state: EconomyState, accounts: number, count: number): number {
  let s = state
  let sequence = 2
  let x = 12345
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    const from = (x % accounts) + 1
    const to = ((x >> 8) % accounts) + 1 === from ? (from % accounts) + 1 : ((x >> 8) % accounts) + 1
    const command: EconomyCommand = { type: 'TransferOpen', actor: keyOf(from), payload: { to: keyOf(to), amount: 1n } }
    const ctx: DecisionContext = { recordedAt: AT, issuedAt: AT, commandHash: keyOf(i + 10_000_000), ledgerKey: LEDGER }
    const outcome = decideAndRecord(economyDecider, s, command, ctx, sequence)
    if (isLeft(outcome)) throw new Error(`transfer refused: ${outcome.left.code}`)
    s = outcome.right.state
    sequence += outcome.right.recorded.length
  }
  return ((performance.now() - started) * 1000) / count
}

/** The raw baseline: microseconds per Map get + set on a Map of `size` entries. */
function rawMap(size: number, count: number): number {
  const map = new Map<string, { open: bigint }>()
  for (let i = 0; i < size; i++) map.set(keyOf(i + 1), { open: 1n })
  let x = 12345
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    const key = keyOf((x % size) + 1)
    const current = map.get(key) ?? { open: 0n }
    map.set(key, { open: current.open + 1n })
  }
  return ((performance.now() - started) * 1000) / count
}

export function benchFold(max: number, count: number): { accounts: number; transferUs: number; rawUs: number }[] {
  const rows: { accounts: number; transferUs: number; rawUs: number }[] = []
  say(`decide + fold of one TransferOpen, ${count} transfers, median of 3, beside a raw Map get+set (after a warm-up)`)
  // Warm-up, discarded: otherwise the first size measured pays for the JIT compiling the rules and
  // the map code, and looks slower than larger ones measured after it.
  const warm = genesisWith(1_000)
  for (let i = 0; i < 5; i++) transfers(warm, 1_000, count)
  rawMap(1_000, 200_000)
  for (let accounts = 1_000; accounts <= max; accounts *= 10) {
    const state = genesisWith(accounts)
    // Before the folds shared structure, a transfer at 1M accounts took seconds: `--adaptive` shrinks
    // the count with the size so that such a build still finishes (how the baseline was measured).
    const n = process.argv.includes('--adaptive') ? Math.max(50, Math.min(count, Math.floor((count * 10_000) / accounts))) : count
    const transferUs = median([0, 1, 2].map(() => transfers(state, accounts, n)))
    const rawUs = median([0, 1, 2].map(() => rawMap(accounts, 100_000)))
    rows.push({ accounts, transferUs, rawUs })
    say(`  ${fmt(accounts).padStart(9)} accounts: ${transferUs.toFixed(2).padStart(9)} µs per transfer (${fmt(1e6 / transferUs)}/s over ${n}), raw Map ${rawUs.toFixed(3)} µs, ratio ${(transferUs / rawUs).toFixed(0)}×`)
  }
  return rows
}

/**
 * Delegated power is kept as checkpoints per sequence (votes count power at a proposal's snapshot):
 * µs per WrapOpen of a self-delegated governor, for each block of 2,000 as 20,000 accumulate. Flat
 * means appending a checkpoint does not copy the history.
 */
export function benchPowerHistory(blocks = 10, perBlock = 2_000): number[] {
  const governors = 10
  let s = genesisWith(governors)
  let sequence = 2
  let n = 0
  const run = (command: EconomyCommand): void => {
    const ctx: DecisionContext = { recordedAt: AT, issuedAt: AT, commandHash: keyOf(20_000_000 + ++n), ledgerKey: LEDGER }
    const outcome = decideAndRecord(economyDecider, s, command, ctx, sequence)
    if (isLeft(outcome)) throw new Error(`${command.type} refused: ${outcome.left.code}`)
    s = outcome.right.state
    sequence += outcome.right.recorded.length
  }
  for (let i = 1; i <= governors; i++) run({ type: 'DelegateVotes', actor: keyOf(i), payload: { to: keyOf(i) } })
  const perWrap: number[] = []
  for (let b = 0; b < blocks; b++) {
    const started = performance.now()
    for (let i = 0; i < perBlock; i++) run({ type: 'WrapOpen', actor: keyOf((i % governors) + 1), payload: { amount: 1n } })
    perWrap.push(((performance.now() - started) * 1000) / perBlock)
  }
  say(`WrapOpen with delegated power, µs each per block of ${perBlock}: ${perWrap.map((us) => us.toFixed(1)).join(' ')}`)
  return perWrap
}

if (process.argv[1]?.endsWith('fold.js')) {
  benchFold(numberArg('--max', 1_000_000), numberArg('--transfers', 2_000))
  benchPowerHistory()
}
