/**
 * Folds what an epoch pays for. It reads the data state as it was before the event (the verdicts
 * of a contribution being finalized), so the economy evolve calls it first.
 */
import type { Recorded } from '../decider.js'
import type { DataState } from '../datanets/state.js'
import type { EconomyEvent } from '../economy/events.js'
import { toMs } from '../governance/time.js'
import { emptyInputs, mandateRewardsOf, type EpochInputs, type MandateRewards, type RewardsState } from './state.js'
import { put, remove } from '../persistent.js'

function withMandate(state: RewardsState, id: string, change: (m: MandateRewards) => MandateRewards): RewardsState {
  return { mandates: put(state.mandates, id, change(mandateRewardsOf(state, id))) }
}

function addTo(map: ReadonlyMap<string, bigint>, key: string, amount: bigint): ReadonlyMap<string, bigint> {
  return put(map, key, (map.get(key) ?? 0n) + amount)
}

function finalized(inputs: EpochInputs, data: DataState, e: Extract<EconomyEvent, { type: 'ContributionFinalized' }>['data']): EpochInputs {
  const c = data.contributions.get(e.contributionId)
  if (c === undefined || e.outcome === 'unjudged') return inputs
  let agreement = inputs.agreement
  for (const [validator, v] of c.verdicts) {
    const agreed = e.outcome === 'accepted' ? v.decision === 'accept' : v.decision !== 'accept'
    if (agreed && v.weight > 0n) agreement = addTo(agreement, validator, v.weight)
  }
  const contributions = e.outcome === 'accepted' && !c.revoked ? put(inputs.contributions, c.id, { contributor: c.contributor, quality: e.quality }) : inputs.contributions
  return { ...inputs, agreement, contributions }
}

export function evolveRewards(state: RewardsState, data: DataState, recorded: Recorded<EconomyEvent>): RewardsState {
  const { event } = recorded
  switch (event.type) {
    case 'ContributionFinalized':
      return withMandate(state, event.data.datanetId, (m) => ({ ...m, pending: finalized(m.pending, data, event.data) }))
    case 'ContributionRevoked':
      return withMandate(state, event.data.datanetId, (m) => {
        return { ...m, pending: { ...m.pending, contributions: remove(m.pending.contributions, event.data.contributionId) } }
      })
    case 'FeedbackRoundOpened':
      return withMandate(state, event.data.mandateId, (m) => ({ ...m, reserved: m.reserved + event.data.rewardPool }))
    case 'FeedbackRoundClosed':
      return withMandate(state, event.data.mandateId, (m) => {
        let roundRewards = m.pending.roundRewards
        for (const r of event.data.results) if (r.reward > 0n) roundRewards = addTo(roundRewards, r.validator, r.reward)
        // The round's whole pool was reserved; what it awarded stays promised (as round rewards) until paid, the rest is free again.
        return { ...m, reserved: m.reserved - event.data.rewardPool, pending: { ...m.pending, roundRewards } }
      })
    case 'RewardEpochClosed':
      return withMandate(state, event.data.mandateId, (m) => ({ ...m, epochs: event.data.epoch, lastClosedAt: toMs(recorded.recordedAt), pending: emptyInputs }))
    default:
      return state
  }
}
