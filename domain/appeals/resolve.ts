/**
 * Resolving appeals and disputes: actions of an executed proposal (the governance vote is the
 * tribunal). Every money movement cites its evidence: an upheld appeal names the slash it pays
 * back; an upheld dispute slashes the operator citing the operator's own UsageRecorded and
 * passes what it took to the consumer; a rejected filing loses its bond citing the filing itself.
 */
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import { slash } from '../economy/slash.js'
import type { EconomyState } from '../economy/state.js'
import type { ActionOf } from '../governance/actions.js'
import { accountOf, type Proposal } from '../governance/state.js'
import type { Appeal, Dispute } from './state.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>

/** The bond back to its owner (upheld), or to the treasury citing the filing (rejected). */
function settleBond(state: EconomyState, filing: Appeal | Dispute, owner: string, upheld: boolean, rule: 'appeal-rejected' | 'dispute-rejected'): Result {
  if (filing.bondStakeId === null) return right([])
  const stake = accountOf(state.governance, owner).stakes.get(filing.bondStakeId)
  if (stake === undefined) return right([])
  if (upheld) return right([{ type: 'StakeReleased', data: { account: owner, stakeId: stake.id, amount: stake.amount } }])
  // A bond cannot be unbonded, so the offense time (the filing's) never meets an unbonding request.
  return slash(state, { account: owner, stakeIds: [stake.id], amount: stake.amount, offenseAt: 0, rule, subject: filing.id, sequences: [filing.sequence] })
}

export function resolveAppeal(action: ActionOf<'resolve-appeal'>, proposal: Proposal, state: EconomyState): Result {
  const appeal = state.appeals.appeals.get(action.appealId)
  if (appeal === undefined) return refuse('unknown-appeal', 'no such appeal', { appealId: action.appealId })
  if (appeal.resolved) return refuse('appeal-resolved', 'the appeal was already resolved')
  const resolved: EconomyEvent = { type: 'AppealResolved', data: { appealId: appeal.id, proposalId: proposal.id, upheld: action.upheld, reason: action.reason } }
  const events: EconomyEvent[] = [resolved]
  if (action.upheld) {
    // The slash went to the treasury; the reversal comes back from it.
    if (state.governance.treasury < appeal.amount) return refuse('treasury-insufficient', 'the treasury cannot pay the slash back', { treasury: state.governance.treasury.toString() })
    events.push({ type: 'SlashReversed', data: { appealId: appeal.id, account: appeal.account, slashSequence: appeal.slashSequence, amount: appeal.amount } })
  }
  const bond = settleBond(state, appeal, appeal.account, action.upheld, 'appeal-rejected')
  return isLeft(bond) ? bond : right([...events, ...bond.right])
}

/** The operator's stakes that answer for its usage: operator stakes first, in id order. */
function operatorStakeIds(state: EconomyState, operator: string): number[] {
  const stakes = [...accountOf(state.governance, operator).stakes.values()].sort((a, b) => a.id - b.id)
  return stakes.filter((s) => s.purpose === 'operator').map((s) => s.id)
}

export function resolveDispute(action: ActionOf<'resolve-dispute'>, proposal: Proposal, state: EconomyState): Result {
  const dispute = state.appeals.disputes.get(action.disputeId)
  if (dispute === undefined) return refuse('unknown-dispute', 'no such dispute', { disputeId: action.disputeId })
  if (dispute.resolved) return refuse('dispute-resolved', 'the dispute was already resolved')
  const events: EconomyEvent[] = [{ type: 'DisputeResolved', data: { disputeId: dispute.id, proposalId: proposal.id, upheld: action.upheld, reason: action.reason } }]
  if (action.upheld && dispute.amount > 0n) {
    // The offense is the batch the operator signed; the refund is what its stakes still hold of the amount.
    const taken = slash(state, { account: dispute.operator, stakeIds: operatorStakeIds(state, dispute.operator), amount: dispute.amount, offenseAt: dispute.batchAt, rule: 'usage-dispute', subject: dispute.id, sequences: [dispute.usageSequence] })
    if (isLeft(taken)) return taken
    const refund = taken.right.reduce((sum, e) => sum + e.data.amount, 0n)
    events.push(...taken.right)
    if (refund > 0n) events.push({ type: 'UsageRefunded', data: { disputeId: dispute.id, consumer: dispute.consumer, operator: dispute.operator, amount: refund } })
  }
  const bond = settleBond(state, dispute, dispute.consumer, action.upheld, 'dispute-rejected')
  return isLeft(bond) ? bond : right([...events, ...bond.right])
}

