/**
 * The deployment rules. Only a checkpoint an evaluation passed is ever served; the deployer (the
 * mandate's proposer or an operator) names the operator whose gateway meters usage; grants bind a
 * consumer's key hash to a quota and an expiry; usage is priced, charged to the consumer's
 * escrow (never past it: a shortfall is recorded as such) and split to the last base unit.
 */
import { left, right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomicsParams } from '../economy/params.js'
import type { EconomyState } from '../economy/state.js'
import { shortOf, unregistered } from '../governance/guards.js'
import { rolesOf } from '../governance/roles.js'
import { accountOf } from '../governance/state.js'
import { now, toMs } from '../governance/time.js'
import { isAttested, passedEvaluation, type Job } from '../training/state.js'
import type { DeploymentCommand } from './codecs.js'
import { feeRecipients, splitFees, splitHash } from './split.js'
import { servedNow, type Deployment } from './state.js'
import { feeOf, type PricedReceipt } from './values.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends DeploymentCommand['type']> = Extract<DeploymentCommand, { type: T }>

function proposerOf(state: EconomyState, mandateId: string): string | undefined {
  const mandate = state.governance.mandates.get(mandateId)
  return mandate === undefined ? undefined : state.governance.proposals.get(mandate.proposalId)?.proposer
}

/** The job and the sequence of the evaluation that passed the checkpoint, or why not. */
function passedCheckpoint(state: EconomyState, jobId: string, checkpoint: string): Either<EconomyError, { job: Job; evaluationSequence: number }> {
  const job = state.training.jobs.get(jobId)
  if (job === undefined) return refuse('unknown-job', 'no such training job', { jobId })
  if (!job.checkpoints.some((k) => k.root === checkpoint)) return refuse('unknown-checkpoint', 'the job recorded no such checkpoint', { checkpoint })
  const evaluationSequence = passedEvaluation(job, checkpoint)
  if (evaluationSequence === undefined) return refuse('checkpoint-not-passed', 'no evaluation of this checkpoint passed the mandate’s rubric', { checkpoint })
  if (!isAttested(job, checkpoint)) return refuse('checkpoint-not-attested', 'a quorum of attesters has not confirmed this checkpoint’s evaluation', { checkpoint })
  return right({ job, evaluationSequence })
}

function deploy(c: Cmd<'DeployModel'>, state: EconomyState, ctx: DecisionContext): Result {
  const p = c.payload
  const found = passedCheckpoint(state, p.jobId, p.checkpoint)
  if (found._tag === 'Left') return found
  const { job, evaluationSequence } = found.right
  const genesis = state.governance.genesis
  const operatorRole = genesis !== null && rolesOf(state.governance, c.actor, genesis.params).includes('operator')
  if (proposerOf(state, job.mandateId) !== c.actor && !operatorRole) return refuse('not-deployer', 'only the mandate’s proposer or an operator deploys its model')
  const notRegistered = unregistered(state.governance, p.operator)
  if (notRegistered !== undefined) return left(notRegistered)
  return right([
    {
      type: 'ModelDeployed',
      data: { deploymentId: ctx.commandHash, mandateId: job.mandateId, deployer: c.actor, operator: p.operator, endpoint: p.endpoint, pricing: p.pricing, jobId: job.id, checkpoint: p.checkpoint, evaluationSequence },
    },
  ])
}

function deploymentOf(state: EconomyState, id: string): Either<EconomyError, Deployment> {
  const d = state.deployment.deployments.get(id)
  return d === undefined ? refuse('unknown-deployment', 'no such deployment', { deploymentId: id }) : right(d)
}

/** The deployer and the mandate's proposer control a deployment; `withOperator` admits its operator too. */
function controls(state: EconomyState, d: Deployment, actor: string, withOperator: boolean): boolean {
  return actor === d.deployer || actor === proposerOf(state, d.mandateId) || (withOperator && actor === d.operator)
}

function grant(c: Cmd<'GrantAccess'>, state: EconomyState, ctx: DecisionContext): Result {
  const p = c.payload
  if (state.deployment.keyHashes.has(p.keyHash)) return refuse('key-in-use', 'that key already opens a grant')
  const notRegistered = unregistered(state.governance, p.consumer)
  if (notRegistered !== undefined) return left(notRegistered)
  if (toMs(p.expiresAt) <= now(ctx)) return refuse('bad-expiry', 'the grant would expire before it is recorded')
  return right([{ type: 'AccessGranted', data: { ...p, grantId: ctx.commandHash } }])
}

function revoke(c: Cmd<'RevokeAccess'>, d: Deployment): Result {
  const g = d.grants.get(c.payload.grantId)
  if (g === undefined) return refuse('unknown-grant', 'the deployment has no such grant', { grantId: c.payload.grantId })
  if (g.revoked) return refuse('grant-revoked', 'the grant is already revoked')
  return right([{ type: 'AccessRevoked', data: { ...c.payload } }])
}

function receiptsProblem(c: Cmd<'RecordUsage'>, d: Deployment, at: number, windowMs: number): string | undefined {
  const ids = c.payload.receipts.map((r) => r.requestId)
  if (new Set(ids).size !== ids.length) return 'a request id appears twice in the batch'
  const stranger = c.payload.receipts.find((r) => !d.grants.has(r.grantId))
  if (stranger !== undefined) return `request ${stranger.requestId} names a grant this deployment does not have`
  const future = c.payload.receipts.find((r) => toMs(r.at) > at)
  if (future !== undefined) return `request ${future.requestId} is dated after the batch`
  const stale = c.payload.receipts.find((r) => toMs(r.at) < at - windowMs)
  if (stale !== undefined) return `request ${stale.requestId} is older than the receipt window (${windowMs} ms): it can no longer be told from a duplicate`
  return undefined
}

function recordUsage(c: Cmd<'RecordUsage'>, d: Deployment, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  if (c.actor !== d.operator) return refuse('not-deployment-operator', 'only the deployment’s operator records its usage')
  const problem = receiptsProblem(c, d, now(ctx), params.usageReceiptWindowMs)
  if (problem !== undefined) return refuse('bad-receipts', problem)
  const fresh = c.payload.receipts.filter((r) => !d.requests.has(r.requestId))
  const duplicates = c.payload.receipts.filter((r) => d.requests.has(r.requestId)).map((r) => r.requestId)
  if (fresh.length === 0) return refuse('usage-already-recorded', 'every receipt in the batch is already recorded', { receipts: duplicates.length })
  const receipts: PricedReceipt[] = fresh.map((r) => ({ ...r, fee: feeOf(d.pricing, r.inputTokens, r.outputTokens) }))
  const owed = new Map<string, bigint>()
  for (const r of receipts) {
    const consumer = (d.grants.get(r.grantId) as { consumer: string }).consumer
    owed.set(consumer, (owed.get(consumer) ?? 0n) + r.fee)
  }
  const charges = [...owed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([consumer, fee]) => {
    const held = state.governance.usageEscrow.get(consumer) ?? 0n
    return { consumer, fee, charged: fee < held ? fee : held }
  })
  const charged = charges.reduce((sum, ch) => sum + ch.charged, 0n)
  const split = splitFees(charged, params.feeSplit, feeRecipients(state, d))
  const recorded: EconomyEvent = {
    type: 'UsageRecorded',
    data: { deploymentId: d.id, mandateId: d.mandateId, checkpoint: servedNow(d).checkpoint, receipts, duplicates, charges, charged, shares: split.shares, payouts: [...split.payouts], splitHash: splitHash(split) },
  }
  const debits = charges.filter((ch) => ch.charged > 0n).map((ch): EconomyEvent => ({ type: 'UsageCharged', data: { deploymentId: d.id, consumer: ch.consumer, amount: ch.charged } }))
  return right([recorded, ...debits])
}

function rollback(c: Cmd<'RollbackDeployment'>, d: Deployment, state: EconomyState): Result {
  const p = c.payload
  const found = passedCheckpoint(state, p.jobId, p.checkpoint)
  if (found._tag === 'Left') return found
  const { job, evaluationSequence } = found.right
  if (job.mandateId !== d.mandateId) return refuse('not-earlier-checkpoint', 'the checkpoint belongs to another mandate’s model')
  const current = servedNow(d)
  const sequenceOf = (j: Job | undefined, root: string): number => j?.checkpoints.find((k) => k.root === root)?.sequence ?? 0
  const target = sequenceOf(job, p.checkpoint)
  if (target >= sequenceOf(state.training.jobs.get(current.jobId), current.checkpoint)) {
    return refuse('not-earlier-checkpoint', 'a rollback goes to a checkpoint recorded before the one served now')
  }
  const from = { jobId: current.jobId, checkpoint: current.checkpoint, evaluationSequence: current.evaluationSequence }
  return right([{ type: 'DeploymentRolledBack', data: { deploymentId: d.id, from, to: { jobId: job.id, checkpoint: p.checkpoint, evaluationSequence }, reason: p.reason } }])
}

function escrow(c: Cmd<'DepositUsageEscrow' | 'WithdrawUsageEscrow'>, state: EconomyState): Result {
  const { amount } = c.payload
  if (c.type === 'DepositUsageEscrow') {
    const short = shortOf('insufficient-open', accountOf(state.governance, c.actor).open, amount)
    if (short !== undefined) return left(short)
    return right([{ type: 'UsageEscrowDeposited', data: { account: c.actor, amount } }])
  }
  const held = state.governance.usageEscrow.get(c.actor) ?? 0n
  if (held < amount) return refuse('insufficient-escrow', `needs ${amount} base units of usage escrow, has ${held}`, { have: held.toString(), need: amount.toString() })
  return right([{ type: 'UsageEscrowWithdrawn', data: { account: c.actor, amount } }])
}

export function decideDeployment(c: DeploymentCommand, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  if (c.type === 'DeployModel') return deploy(c, state, ctx)
  if (c.type === 'DepositUsageEscrow' || c.type === 'WithdrawUsageEscrow') return escrow(c, state)
  const found = deploymentOf(state, c.payload.deploymentId)
  if (found._tag === 'Left') return found
  const d = found.right
  // Late receipts of a retired deployment still count: the usage happened while it served.
  if (c.type === 'RecordUsage') return recordUsage(c, d, state, params, ctx)
  if (d.status === 'retired') return refuse('deployment-retired', 'the deployment is retired')
  const mayAct = controls(state, d, c.actor, c.type === 'GrantAccess' || c.type === 'RevokeAccess')
  if (!mayAct) return refuse('not-deployment-operator', 'only the deployer, the mandate’s proposer or (for access) the operator may do this')
  switch (c.type) {
    case 'GrantAccess':
      return grant(c, state, ctx)
    case 'RevokeAccess':
      return revoke(c, d)
    case 'RetireDeployment':
      return right([{ type: 'DeploymentRetired', data: { ...c.payload } }])
    case 'RollbackDeployment':
      return rollback(c, d, state)
  }
}
