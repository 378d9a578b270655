/**
 * Folds appeals and disputes, and remembers what they may cite: every StakeSlashed and every
 * UsageRecorded by its sequence. The money of a resolution (SlashReversed, UsageRefunded) moves in
 * the governance state, where every balance is.
 */
import type { Recorded } from '../decider.js'
import type { Deployment, DeploymentState } from '../deployment/state.js'
import type { EconomyEvent } from '../economy/events.js'
import type { GovernanceState } from '../governance/state.js'
import { accountOf } from '../governance/state.js'
import { toMs } from '../governance/time.js'
import { include, put } from '../persistent.js'
import type { AppealEvent } from './codecs.js'
import { disputeKey, type AppealsState, type BatchRecord } from './state.js'

function batchOf(event: Extract<EconomyEvent, { type: 'UsageRecorded' }>['data'], d: Deployment, at: number): BatchRecord {
  const receipts = new Map<string, { consumer: string; fee: bigint }>()
  for (const r of event.receipts) {
    const consumer = d.grants.get(r.grantId)?.consumer
    if (consumer !== undefined) receipts.set(r.requestId, { consumer, fee: r.fee })
  }
  return { deploymentId: event.deploymentId, operator: d.operator, at, receipts, charged: new Map(event.charges.map((c) => [c.consumer, c.charged] as const)) }
}

export function evolveAppeals(state: AppealsState, recorded: Recorded<EconomyEvent>, deployment: DeploymentState): AppealsState {
  const { event, sequence } = recorded
  const at = toMs(recorded.recordedAt)
  switch (event.type) {
    case 'StakeSlashed':
      return { ...state, slashes: put(state.slashes, sequence, { account: event.data.account, amount: event.data.amount, at }) }
    case 'UsageRecorded': {
      const d = deployment.deployments.get(event.data.deploymentId)
      return d === undefined ? state : { ...state, batches: put(state.batches, sequence, batchOf(event.data, d, at)) }
    }
    case 'SlashAppealed': {
      const { appealId: id, account, slashSequence, amount, bond, bondStakeId } = event.data
      const appeal = { id, account, slashSequence, amount, bond, bondStakeId, sequence, resolved: false }
      return { ...state, appeals: put(state.appeals, id, appeal), appealed: include(state.appealed, slashSequence) }
    }
    case 'UsageDisputed': {
      const { disputeId: id, consumer, deploymentId, operator, usageSequence, amount, bond, bondStakeId } = event.data
      const batchAt = state.batches.get(usageSequence)?.at ?? at
      const dispute = { id, consumer, deploymentId, operator, usageSequence, batchAt, amount, bond, bondStakeId, sequence, resolved: false }
      return { ...state, disputes: put(state.disputes, id, dispute), disputed: include(state.disputed, disputeKey(usageSequence, consumer)) }
    }
    case 'AppealResolved': {
      const appeal = state.appeals.get(event.data.appealId)
      return appeal === undefined ? state : { ...state, appeals: put(state.appeals, appeal.id, { ...appeal, resolved: true }) }
    }
    case 'DisputeResolved': {
      const dispute = state.disputes.get(event.data.disputeId)
      return dispute === undefined ? state : { ...state, disputes: put(state.disputes, dispute.id, { ...dispute, resolved: true }) }
    }
    default:
      return state
  }
}

/** Treasury to an account's OPEN: an upheld appeal's reversal, an upheld dispute's refund. */
export function evolveAppealMoney(state: GovernanceState, event: AppealEvent): GovernanceState {
  if (event.type !== 'SlashReversed' && event.type !== 'UsageRefunded') return state
  const key = event.type === 'SlashReversed' ? event.data.account : event.data.consumer
  const account = accountOf(state, key)
  return { ...state, treasury: state.treasury - event.data.amount, accounts: put(state.accounts, key, { ...account, open: account.open + event.data.amount }) }
}
