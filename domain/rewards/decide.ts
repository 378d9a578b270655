/** CloseRewardEpoch: computes the epoch's reward map and pays it from the mandate's escrow. */
import { right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomicsParams } from '../economy/params.js'
import type { EconomyState } from '../economy/state.js'
import { now, toTimestamp } from '../governance/time.js'
import { attributionOf } from '../training/attribution.js'
import type { RewardsCommand } from './codecs.js'
import { mapHash, rewardMap, totalOf } from './map.js'
import { epochPools } from './pools.js'
import { mandateRewardsOf } from './state.js'

/** The epoch's map as the rules compute it from the state: what the decider pays and an auditor recomputes. */
export function epochMapOf(state: EconomyState, mandateId: string, params: EconomicsParams) {
  return rewardMap(mandateRewardsOf(state.rewards, mandateId).pending, epochPools(state, mandateId, params), attributionOf(state.training, mandateId))
}

export function decideRewards(command: RewardsCommand, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Either<EconomyError, readonly EconomyEvent[]> {
  const { mandateId } = command.payload
  const mandate = state.governance.mandates.get(mandateId)
  if (mandate === undefined) return refuse('unknown-mandate', 'no such mandate', { mandateId })
  const r = mandateRewardsOf(state.rewards, mandateId)
  const opensAt = (r.lastClosedAt ?? mandate.issuedAt) + params.rewardEpochMs
  if (now(ctx) < opensAt) return refuse('epoch-running', 'the epoch has not ended', { endsAt: toTimestamp(opensAt) })
  const map = epochMapOf(state, mandateId, params)
  const payouts = [...map.payouts].map(([recipient, amount]) => ({ recipient, amount }))
  const closed: EconomyEvent = {
    type: 'RewardEpochClosed',
    data: {
      mandateId,
      epoch: r.epochs + 1,
      dataPool: totalOf(map.data),
      validatorPool: totalOf(map.validators),
      roundRewards: totalOf(map.rounds),
      payouts,
      mapHash: mapHash(map.payouts),
    },
  }
  return right([closed, ...payouts.map(({ recipient, amount }): EconomyEvent => ({ type: 'EscrowPaid', data: { mandateId, account: recipient, amount } }))])
}
