/**
 * The governance state: one fold over every governance event in log order.
 *
 * It spans all accounts on purpose. Conservation and stake-weighted voting are statements about
 * all accounts at once, and "voting power at the snapshot" needs history: so the state keeps, per
 * governor, checkpoints of delegated power by ledger sequence (the way on-chain vote tokens do),
 * and the answer for any past sequence is a lookup, not a second replay.
 */
import type { ProposalAction } from './actions.js'
import type { GenesisParams } from './params.js'
import type { ProposalSpec, Rubric, StakePurpose, Support } from './values.js'
import { emptyList, type ReadonlyList } from '../persistent.js'

export interface Genesis {
  /**
   * The parameters in force: the genesis's, as changed since by executed proposals
   * (ParameterChanged). Every rule reads these; `paramsAt` answers for a past sequence.
   */
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

export interface Backing {
  readonly stakeId: number
  readonly amount: bigint
}

export interface Proposal {
  readonly id: string
  readonly proposer: string
  /** A model proposal's spec (ModelProposed), or null for an executable one (ActionsProposed). */
  readonly spec: ProposalSpec | null
  readonly title: string
  readonly actions: readonly ProposalAction[]
  readonly stakeId: number
  readonly stake: bigint
  /** The ledger sequence of ModelProposed / ActionsProposed: power, and the parameters the proposal is judged under, as they stood there. */
  readonly snapshot: number
  readonly createdAt: number
  /** Voting opens at `votingStartsAt` and closes at `votingEndsAt` (ms), fixed at creation but for a late-quorum extension. */
  readonly votingStartsAt: number
  readonly votingEndsAt: number
  readonly ballots: ReadonlyMap<string, Ballot>
  /** Stakes behind the proposal by others, by backer; the proposal needs `minBacking` of them in all to pass. */
  readonly backers: ReadonlyMap<string, Backing>
  readonly minBacking: bigint
  readonly canceled: boolean
  readonly queuedAt: number | null
  readonly eta: number | null
  readonly executed: boolean
  readonly finalized: 'defeated' | 'vetoed' | 'expired' | null
}

export interface Mandate {
  readonly id: string
  readonly proposalId: string
  /** The rubric and data needs in force: the proposal's, as amended since (MandateAmended). */
  readonly rubric: Rubric
  readonly datasetRequirements: readonly string[]
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
  /** The parameters in force from each sequence on: the genesis's first, then one entry per ParameterChanged. */
  readonly paramsHistory: ReadonlyList<ParamsInForce>
  /** Who may cancel a proposal before it executes (set by governance, GuardianSet); null: nobody. */
  readonly guardian: string | null
  /** All gOPEN in existence, by sequence: the quorum's basis when `quorumBasis` is `supply`. */
  readonly totalGopen: ReadonlyList<Checkpoint>
  /** Treasury grants not yet claimed: OPEN set aside from the treasury for a recipient. */
  readonly treasuryGrants: ReadonlyMap<number, TreasuryGrant>
  readonly nextTreasuryGrantId: number
}

export interface ParamsInForce {
  readonly sequence: number
  readonly params: GenesisParams
}

export interface TreasuryGrant {
  readonly id: number
  readonly to: string
  readonly amount: bigint
  readonly vestsAt: number
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
  paramsHistory: emptyList(),
  guardian: null,
  totalGopen: emptyList(),
  treasuryGrants: new Map(),
  nextTreasuryGrantId: 1,
}

export const emptyAccount: Account = { open: 0n, gopen: 0n, delegate: null, stakes: new Map(), nextStakeId: 1, liveProposal: null }

export function accountOf(state: GovernanceState, key: string): Account {
  return state.accounts.get(key) ?? emptyAccount
}

/** The last entry recorded at or before `sequence` (binary search: entries are in sequence order). */
export function lastAtOrBefore<T extends { readonly sequence: number }>(list: ReadonlyList<T>, sequence: number): T | undefined {
  let lo = 0
  let hi = list.size
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((list.get(mid) as T).sequence <= sequence) lo = mid + 1
    else hi = mid
  }
  return lo === 0 ? undefined : list.get(lo - 1)
}

/** The power recorded at or before `sequence`. */
export function powerAt(checkpoints: ReadonlyList<Checkpoint>, sequence: number): bigint {
  return lastAtOrBefore(checkpoints, sequence)?.power ?? 0n
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

/** The total gOPEN in existence at `sequence`. */
export function gopenSupplyAt(state: GovernanceState, sequence: number): bigint {
  return powerAt(state.totalGopen, sequence)
}

/**
 * The parameters in force at `sequence`: those of the last change recorded at or before it. A
 * change applies from its own sequence on and never before, so replaying to any point and asking
 * here agree.
 */
export function paramsAt(state: GovernanceState, sequence: number): GenesisParams | undefined {
  return lastAtOrBefore(state.paramsHistory, sequence)?.params
}

/** The parameters a proposal is judged under: those in force at its snapshot. */
export function paramsOf(state: GovernanceState, proposal: Proposal): GenesisParams {
  return paramsAt(state, proposal.snapshot) ?? (state.genesis as Genesis).params
}

export function backingOf(proposal: Proposal): bigint {
  let sum = 0n
  for (const backing of proposal.backers.values()) sum += backing.amount
  return sum
}

export function stakedOf(account: Account): bigint {
  let sum = 0n
  for (const stake of account.stakes.values()) sum += stake.amount
  return sum
}

/** OPEN + gOPEN + staked + treasury (free, escrowed and granted) + usage escrow: equal to the genesis supply, always. */
export function circulating(state: GovernanceState): bigint {
  let sum = state.treasury + state.escrowed
  for (const grant of state.treasuryGrants.values()) sum += grant.amount
  for (const held of state.usageEscrow.values()) sum += held
  for (const account of state.accounts.values()) sum += account.open + account.gopen + stakedOf(account)
  return sum
}
