/**
 * A proposal's phase and tally: pure functions of the recorded events (through the folded state)
 * and a moment in ledger time. Nothing is stored that these functions could compute.
 */
import { atLeast } from './amounts.js'
import type { GenesisParams } from './params.js'
import { totalPowerAt, type GovernanceState, type Proposal } from './state.js'
import type { Tally } from './values.js'

export type Phase = 'pending' | 'active' | 'succeeded' | 'defeated' | 'queued' | 'executed' | 'expired' | 'canceled'

export function votingStartsAt(proposal: Proposal, params: GenesisParams): number {
  return proposal.createdAt + params.votingDelayMs
}

export function votingEndsAt(proposal: Proposal, params: GenesisParams): number {
  return votingStartsAt(proposal, params) + params.votingPeriodMs
}

/** Votes by support, and the snapshot's delegated total with the quorum it implies (rounded up). */
export function tallyOf(state: GovernanceState, proposal: Proposal, params: GenesisParams): Tally {
  const sums = { for: 0n, against: 0n, abstain: 0n }
  for (const ballot of proposal.ballots.values()) sums[ballot.support] += ballot.weight
  const snapshotPower = totalPowerAt(state, proposal.snapshot)
  const { numerator, denominator } = params.quorum
  const quorum = (snapshotPower * BigInt(numerator) + BigInt(denominator) - 1n) / BigInt(denominator)
  return { ...sums, snapshotPower, quorum }
}

/** Quorum (For + Abstain) met and more For than Against. */
export function passed(tally: Tally): boolean {
  return tally.for + tally.abstain >= tally.quorum && tally.for > tally.against
}

/** Against reached the veto share of all votes cast: the proposal is treated as spam. */
export function vetoed(tally: Tally, params: GenesisParams): boolean {
  const cast = tally.for + tally.against + tally.abstain
  return cast > 0n && atLeast(tally.against, cast, params.vetoThreshold)
}

export function phaseOf(state: GovernanceState, proposal: Proposal, params: GenesisParams, at: number): Phase {
  if (proposal.canceled) return 'canceled'
  if (proposal.executed) return 'executed'
  if (at < votingStartsAt(proposal, params)) return 'pending'
  const end = votingEndsAt(proposal, params)
  if (at < end) return 'active'
  if (!passed(tallyOf(state, proposal, params))) return 'defeated'
  // A passed proposal must be queued and executed in time, or it lapses and its stake goes home.
  const deadline = (proposal.eta ?? end) + params.gracePeriodMs
  if (at >= deadline) return 'expired'
  return proposal.queuedAt === null ? 'succeeded' : 'queued'
}
