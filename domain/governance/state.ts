/**
 * The governance state: one fold over every governance event in log order.
 *
 * It spans all accounts on purpose. Conservation and stake-weighted voting are statements about
 * all accounts at once, and "voting power at the snapshot" needs history: so the state keeps, per
 * governor, checkpoints of delegated power by ledger sequence (the way on-chain vote tokens do),
 * and the answer for any past sequence is a lookup, not a second replay.
 */
import type { GenesisParams } from './params.js'
import type { ProposalSpec, StakePurpose, Support } from './values.js'
import { emptyList, type ReadonlyList } from '../persistent.js'

export interface Genesis {
  readonly params: GenesisParams
  readonly ledgerKey: string
  readonly treasuryKey: string
  /** Every OPEN base unit that will ever exist: allocations plus the treasury. */
  readonly supply: bigint
}

export interface Identity {
  readonly displayName: string
  readonly registeredAt: string
}

export interface Stake {
  readonly id: number
  readonly purpose: StakePurpose
  readonly amount: bigint
  readonly lockedAt: number
  /** Set when unbonding was requested: offenses before this instant stay slashable until release. */
  readonly unbondRequestedAt: number | null
  readonly releasableAt: number | null
  readonly proposalId: string | null
}

export interface Account {
  readonly open: bigint
  readonly gopen: bigint
  readonly delegate: string | null
  readonly stakes: ReadonlyMap<number, Stake>
  readonly nextStakeId: number
  /** The proposal whose stake is still locked: at most one per proposer. */
  readonly liveProposal: string | null
}

/** Delegated power from `sequence` on (until the next checkpoint). */
export interface Checkpoint {
  readonly sequence: number
  readonly power: bigint
}

export interface Ballot {
  readonly support: Support
  readonly weight: bigint
}

export interface Proposal {
  readonly id: string
  readonly proposer: string
  readonly spec: ProposalSpec
  readonly stakeId: number
  readonly stake: bigint
  /** The ledger sequence of ModelProposed: power is counted as it stood there. */
  readonly snapshot: number
  readonly createdAt: number
  readonly ballots: ReadonlyMap<string, Ballot>
  readonly canceled: boolean
  readonly queuedAt: number | null
  readonly eta: number | null
  readonly executed: boolean
  readonly finalized: 'defeated' | 'vetoed' | 'expired' | null
}

export interface Mandate {
  readonly id: string
  readonly proposalId: string
  readonly rewardPool: bigint
  readonly escrowed: bigint
  readonly issuedAt: number
}

export interface GovernanceState {
  readonly genesis: Genesis | null
  readonly identities: ReadonlyMap<string, Identity>
  readonly accounts: ReadonlyMap<string, Account>
  /** Free treasury OPEN, and OPEN escrowed from it for mandates' reward pools. */
  readonly treasury: bigint
  readonly escrowed: bigint
  /** Each governor's delegated power, one checkpoint per sequence it changed at (persistent lists: appending is O(log n)). */
  readonly power: ReadonlyMap<string, ReadonlyList<Checkpoint>>
  readonly totalPower: ReadonlyList<Checkpoint>
  readonly proposals: ReadonlyMap<string, Proposal>
  readonly mandates: ReadonlyMap<string, Mandate>
  /** Consumers' usage escrow (domain/deployment): OPEN set aside for metered inference. */
  readonly usageEscrow: ReadonlyMap<string, bigint>
}

export const initialState: GovernanceState = {
  genesis: null,
  identities: new Map(),
  accounts: new Map(),
  treasury: 0n,
  escrowed: 0n,
  power: new Map(),
  totalPower: emptyList(),
  proposals: new Map(),
  mandates: new Map(),
  usageEscrow: new Map(),
}

export const emptyAccount: Account = { open: 0n, gopen: 0n, delegate: null, stakes: new Map(), nextStakeId: 1, liveProposal: null }

export function accountOf(state: GovernanceState, key: string): Account {
  return state.accounts.get(key) ?? emptyAccount
}

/** The power recorded at or before `sequence` (binary search: checkpoints are in sequence order). */
export function powerAt(checkpoints: ReadonlyList<Checkpoint>, sequence: number): bigint {
  let lo = 0
  let hi = checkpoints.size
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((checkpoints.get(mid) as Checkpoint).sequence <= sequence) lo = mid + 1
    else hi = mid
  }
  return lo === 0 ? 0n : (checkpoints.get(lo - 1) as Checkpoint).power
}

export function votingPowerAt(state: GovernanceState, governor: string, sequence: number): bigint {
  return powerAt(state.power.get(governor) ?? emptyList(), sequence)
}

export function currentVotingPower(state: GovernanceState, governor: string): bigint {
  return powerAt(state.power.get(governor) ?? emptyList(), Number.MAX_SAFE_INTEGER)
}

export function totalPowerAt(state: GovernanceState, sequence: number): bigint {
  return powerAt(state.totalPower, sequence)
}

export function stakedOf(account: Account): bigint {
  let sum = 0n
  for (const stake of account.stakes.values()) sum += stake.amount
  return sum
}

/** OPEN + gOPEN + staked + treasury (free and escrowed) + usage escrow: equal to the genesis supply, always. */
export function circulating(state: GovernanceState): bigint {
  let sum = state.treasury + state.escrowed
  for (const held of state.usageEscrow.values()) sum += held
  for (const account of state.accounts.values()) sum += account.open + account.gopen + stakedOf(account)
  return sum
}
