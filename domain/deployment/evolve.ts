/**
 * Folds deployments, and the money side of usage into the governance state: deposits and
 * withdrawals move OPEN between an account and its usage escrow, UsageCharged debits a consumer's
 * escrow, UsageRecorded credits every payout and the treasury. Within one batch the debits equal
 * the credits, so the supply is conserved at every command boundary.
 */
import type { Recorded } from '../decider.js'
import type { Account, GovernanceState } from '../governance/state.js'
import { accountOf } from '../governance/state.js'
import { toMs } from '../governance/time.js'
import type { DeploymentEvent, DeploymentEventOf } from './codecs.js'
import type { Deployment, DeploymentState, Grant } from './state.js'
import { edit, put, remove } from '../persistent.js'

function withDeployment(state: DeploymentState, id: string, change: (d: Deployment) => Deployment): DeploymentState {
  const d = state.deployments.get(id)
  return d === undefined ? state : { ...state, deployments: put(state.deployments, id, change(d)) }
}

function withGrant(d: Deployment, id: string, change: (g: Grant) => Grant): Deployment {
  const g = d.grants.get(id)
  return g === undefined ? d : { ...d, grants: put(d.grants, id, change(g)) }
}

function used(d: Deployment, e: DeploymentEventOf<'UsageRecorded'>['data'], forgetBefore: number): Deployment {
  // Ids were added roughly in time order: drop from the oldest while they are out of the window.
  // One out of order stays a little longer, which is harmless; none inside the window is dropped.
  const expired: string[] = []
  for (const [id, at] of d.requests) {
    if (at >= forgetBefore) break
    expired.push(id)
  }
  const requests = edit(
    d.requests,
    (draft) => {
      for (const id of expired) draft.delete(id)
      for (const r of e.receipts) draft.set(r.requestId, toMs(r.at))
    },
    { ordered: true },
  )
  const grants = edit(d.grants, (draft) => {
    for (const r of e.receipts) {
      const g = draft.get(r.grantId)
      if (g !== undefined) draft.set(r.grantId, { ...g, usedTokens: g.usedTokens + r.inputTokens + r.outputTokens, billed: g.billed + r.fee })
    }
  })
  return { ...d, grants, requests }
}

/** `receiptWindowMs`: the genesis's `usageReceiptWindowMs`, how long request ids are remembered. */
export function evolveDeployment(state: DeploymentState, recorded: Recorded<DeploymentEvent>, receiptWindowMs: number): DeploymentState {
  const { event, sequence } = recorded
  const at = toMs(recorded.recordedAt)
  switch (event.type) {
    case 'ModelDeployed': {
      const { deploymentId: id, mandateId, deployer, operator, endpoint, pricing, jobId, checkpoint, evaluationSequence } = event.data
      const deployment: Deployment = {
        id,
        mandateId,
        deployer,
        operator,
        endpoint,
        pricing,
        status: 'active',
        history: [{ jobId, checkpoint, evaluationSequence, since: sequence, sinceAt: at }],
        grants: new Map(),
        requests: new Map(),
      }
      return { ...state, deployments: put(state.deployments, id, deployment) }
    }
    case 'AccessGranted': {
      const { deploymentId, grantId, consumer, keyHash, quotaTokens, expiresAt } = event.data
      const grant: Grant = { id: grantId, consumer, keyHash, quotaTokens, expiresAt: toMs(expiresAt), usedTokens: 0, billed: 0n, revokedAt: null, accepted: null }
      const next = withDeployment(state, deploymentId, (d) => ({ ...d, grants: put(d.grants, grantId, grant) }))
      return { ...next, keyHashes: put(next.keyHashes, keyHash, { deploymentId, grantId }) }
    }
    case 'GrantAccepted': {
      const { pricing, quotaTokens, validFrom, expiresAt, spendCap } = event.data
      const accepted = { pricing, quotaTokens, validFrom: toMs(validFrom), expiresAt: toMs(expiresAt), spendCap, sequence }
      return withDeployment(state, event.data.deploymentId, (d) => withGrant(d, event.data.grantId, (g) => ({ ...g, accepted })))
    }
    case 'AccessRevoked':
      return withDeployment(state, event.data.deploymentId, (d) => withGrant(d, event.data.grantId, (g) => ({ ...g, revokedAt: at })))
    case 'PricingChanged':
      return withDeployment(state, event.data.deploymentId, (d) => ({ ...d, pricing: event.data.pricing }))
    case 'UsageEscrowWithdrawalScheduled':
      return { ...state, withdrawals: put(state.withdrawals, event.data.account, { amount: event.data.amount, dueAt: toMs(event.data.dueAt) }) }
    case 'UsageEscrowWithdrawn':
      return { ...state, withdrawals: remove(state.withdrawals, event.data.account) }
    case 'UsageRecorded':
      return withDeployment(state, event.data.deploymentId, (d) => used(d, event.data, at - receiptWindowMs))
    case 'DeploymentRetired':
      return withDeployment(state, event.data.deploymentId, (d) => ({ ...d, status: 'retired' }))
    case 'DeploymentSuspended':
      return withDeployment(state, event.data.deploymentId, (d) => ({ ...d, status: 'suspended' }))
    case 'DeploymentResumed':
      return withDeployment(state, event.data.deploymentId, (d) => ({ ...d, status: 'active' }))
    case 'DeploymentRolledBack':
      return withDeployment(state, event.data.deploymentId, (d) => ({ ...d, history: [...d.history, { ...event.data.to, since: sequence, sinceAt: at }] }))
    case 'UsageEscrowDeposited':
    case 'UsageCharged':
      return state
  }
}

function credit(state: GovernanceState, key: string, amount: bigint): GovernanceState {
  const account: Account = accountOf(state, key)
  return { ...state, accounts: put(state.accounts, key, { ...account, open: account.open + amount }) }
}

function escrowBy(state: GovernanceState, key: string, delta: bigint): GovernanceState {
  return { ...state, usageEscrow: put(state.usageEscrow, key, (state.usageEscrow.get(key) ?? 0n) + delta) }
}

/** The money a deployment event moves, applied to the governance state (where every balance is). */
export function evolveUsageMoney(state: GovernanceState, event: DeploymentEvent): GovernanceState {
  switch (event.type) {
    case 'UsageEscrowDeposited':
      return escrowBy(credit(state, event.data.account, -event.data.amount), event.data.account, event.data.amount)
    case 'UsageEscrowWithdrawn':
      return credit(escrowBy(state, event.data.account, -event.data.amount), event.data.account, event.data.amount)
    case 'UsageCharged':
      return escrowBy(state, event.data.consumer, -event.data.amount)
    case 'UsageRecorded': {
      let next: GovernanceState = { ...state, treasury: state.treasury + event.data.shares.treasury }
      for (const p of event.data.payouts) next = credit(next, p.account, p.amount)
      return next
    }
    default:
      return state
  }
}
