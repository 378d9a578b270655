/**
 * A proposal's phase and tally: pure functions of the recorded events (through the folded state)
 * and a moment in ledger time. Nothing is stored that these functions could compute. A proposal is
 * judged under the parameters in force at its snapshot (`paramsOf`): a change executed later does
 * not move the goalposts of a vote already under way.
 */
import { atLeast } from './amounts.js'
import type { GenesisParams } from './params.js'
import { backingOf, gopenSupplyAt, paramsOf, totalPowerAt, type GovernanceState, type Proposal } from './state.js'
import type { Tally } from './values.js'

export type Phase = 'pending' | 'active' | 'succeeded' | 'defeated' | 'queued' | 'executed' | 'expired' | 'canceled'

export function votingStartsAt(proposal: Proposal): number {
  return proposal.votingStartsAt
}

/** When voting closes: fixed at creation, later only by a late-quorum extension (VotingExtended). */
export function votingEndsAt(proposal: Proposal): number {
  return proposal.votingEndsAt
}

/**
 * Votes by support, the quorum's basis at the snapshot (all gOPEN in existence, or only the
 * delegated, as `quorumBasis` says) and the quorum it implies (rounded up).
 */
export function tallyOf(state: GovernanceState, proposal: Proposal): Tally {
  const params = paramsOf(state, proposal)
  const sums = { for: 0n, against: 0n, abstain: 0n }
  for (const ballot of proposal.ballots.values()) sums[ballot.support] += ballot.weight
  const snapshotPower = params.quorumBasis === 'supply' ? gopenSupplyAt(state, proposal.snapshot) : totalPowerAt(state, proposal.snapshot)
  const { numerator, denominator } = params.quorum
  const quorum = (snapshotPower * BigInt(numerator) + BigInt(denominator) - 1n) / BigInt(denominator)
  return { ...sums, snapshotPower, quorum }
}

/** For + Abstain reached the quorum (as OZ Governor counts it). */
export function quorumReached(tally: Tally): boolean {
  return tally.for + tally.abstain >= tally.quorum
}

/** Quorum met and more For than Against. */
export function passed(tally: Tally): boolean {
  return quorumReached(tally) && tally.for > tally.against
}

/** Against reached the veto share of all votes cast: the proposal is treated as spam. */
export function vetoed(tally: Tally, params: GenesisParams): boolean {
  const cast = tally.for + tally.against + tally.abstain
  return cast > 0n && atLeast(tally.against, cast, params.vetoThreshold)
}

export function phaseOf(state: GovernanceState, proposal: Proposal, at: number): Phase {
  if (proposal.canceled) return 'canceled'
  if (proposal.executed) return 'executed'
  if (at < proposal.votingStartsAt) return 'pending'
  const end = proposal.votingEndsAt
  if (at < end) return 'active'
  // A proposal that asked for backing passes only with at least that much behind it.
  if (!passed(tallyOf(state, proposal)) || backingOf(proposal) < proposal.minBacking) return 'defeated'
  // A passed proposal must be queued and executed in time, or it lapses and its stakes go home.
  const deadline = (proposal.eta ?? end) + paramsOf(state, proposal).gracePeriodMs
  if (at >= deadline) return 'expired'
  return proposal.queuedAt === null ? 'succeeded' : 'queued'
}
