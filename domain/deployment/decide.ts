/**
 * The deployment rules. Only a checkpoint an evaluation passed is ever served; the deployer (the
 * mandate's proposer or an operator) names a staked operator whose gateway meters usage; grants
 * offer a consumer's key hash a quota and an expiry, and are chargeable only once the consumer
 * has accepted them (prices, quota, validity, spending cap). The consent invariant
 * (docs/economics.md): a receipt is charged only within the terms its consumer signed, and escrow
 * leaves only by the consumer's own withdrawal, after a notice period. Usage is charged to the
 * consumer's escrow (never past it: a shortfall is recorded as such) and split to the last base unit.
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
import { now, toMs, toTimestamp } from '../governance/time.js'
import { isAttested, passedEvaluation, versionKey, type Job } from '../training/state.js'
import type { DeploymentCommand } from './codecs.js'
import { answerContributors, chargedPerReceipt, feeRecipients, splitHash, splitUsage } from './split.js'
import { servedNow, type Acceptance, type Deployment, type Grant } from './state.js'
import { feeOf, type Pricing, type PricedReceipt, type Receipt } from './values.js'
import { recordedCheckpoint } from '../training/attestation.js'
import { breachedAt, isSuspendedForConsent, withdrawnProblem } from '../consent/rules.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends DeploymentCommand['type']> = Extract<DeploymentCommand, { type: T }>

function proposerOf(state: EconomyState, mandateId: string): string | undefined {
  const mandate = state.governance.mandates.get(mandateId)
  return mandate === undefined ? undefined : state.governance.proposals.get(mandate.proposalId)?.proposer
}

/** The job and the sequence of the evaluation that passed the checkpoint, or why not. */
export function passedCheckpoint(state: EconomyState, jobId: string, checkpoint: string): Either<EconomyError, { job: Job; evaluationSequence: number }> {
  const found = recordedCheckpoint(state, jobId, checkpoint)
  if (found._tag === 'Left') return found
  const job = found.right
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
  const withdrawn = withdrawnProblem(state, job)
  if (withdrawn !== undefined) return withdrawn
  const genesis = state.governance.genesis
  const operatorRole = genesis !== null && rolesOf(state.governance, c.actor, genesis.params).includes('operator')
  if (proposerOf(state, job.mandateId) !== c.actor && !operatorRole) return refuse('not-deployer', 'only the mandate’s proposer or an operator deploys its model')
  const notRegistered = unregistered(state.governance, p.operator)
  if (notRegistered !== undefined) return left(notRegistered)
  // The operator attests usage that moves consumers' money: it must have staked for the role, as validators and trainers do.
  if (genesis === null || !rolesOf(state.governance, p.operator, genesis.params).includes('operator')) {
    return refuse('operator-not-staked', 'the named operator holds no operator stake (genesis roleStakes.operator, locked and not unbonding)', { operator: p.operator })
  }
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
export function controls(state: EconomyState, d: Deployment, actor: string, withOperator: boolean): boolean {
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

function grantOf(d: Deployment, id: string): Either<EconomyError, Grant> {
  const g = d.grants.get(id)
  return g === undefined ? refuse('unknown-grant', 'the deployment has no such grant', { grantId: id }) : right(g)
}

const samePricing = (a: Pricing, b: Pricing): boolean => a.inputPer1k === b.inputPer1k && a.outputPer1k === b.outputPer1k

/** The consumer's signature on the terms: the only thing that makes a grant chargeable. */
function accept(c: Cmd<'AcceptGrant'>, d: Deployment, ctx: DecisionContext): Result {
  const p = c.payload
  const found = grantOf(d, p.grantId)
  if (found._tag === 'Left') return found
  const g = found.right
  if (c.actor !== g.consumer) return refuse('not-grant-consumer', 'only the grant’s consumer accepts it')
  if (g.revokedAt !== null) return refuse('grant-revoked', 'the grant is revoked')
  if (g.accepted !== null) return refuse('grant-already-accepted', 'the grant is already accepted: its terms do not change')
  if (!samePricing(p.pricing, d.pricing)) {
    return refuse('price-mismatch', 'the prices accepted must be the deployment’s prices now', { inputPer1k: d.pricing.inputPer1k.toString(), outputPer1k: d.pricing.outputPer1k.toString() })
  }
  if (p.quotaTokens > g.quotaTokens || toMs(p.expiresAt) > g.expiresAt) {
    return refuse('terms-exceed-offer', 'the quota and expiry accepted may be at most the offer’s', { quotaTokens: g.quotaTokens, expiresAt: toTimestamp(g.expiresAt) })
  }
  if (toMs(p.expiresAt) <= now(ctx)) return refuse('bad-expiry', 'the grant would expire before it is accepted')
  return right([{ type: 'GrantAccepted', data: { ...p, consumer: g.consumer, validFrom: ctx.recordedAt } }])
}

function revoke(c: Cmd<'RevokeAccess'>, d: Deployment): Result {
  const found = grantOf(d, c.payload.grantId)
  if (found._tag === 'Left') return found
  if (found.right.revokedAt !== null) return refuse('grant-revoked', 'the grant is already revoked')
  return right([{ type: 'AccessRevoked', data: { ...c.payload } }])
}

function receiptsProblem(c: Cmd<'RecordUsage'>, d: Deployment, at: number, windowMs: number): string | undefined {
  // Shape and time: what the ledger checks of any receipt, recorded before or not.
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

/**
 * The consent check: each new receipt must lie within the terms its consumer accepted, taken in
 * batch order with the grant's running totals. What a false attestation can take is so bounded by
 * the consumer's own cap, quota, validity window and price.
 */
function termsProblem(fresh: readonly Receipt[], d: Deployment): Either<EconomyError, void> {
  const used = new Map<string, { tokens: number; billed: bigint }>()
  for (const r of fresh) {
    const g = d.grants.get(r.grantId) as Grant
    const terms: Acceptance | null = g.accepted
    const id = { requestId: r.requestId, grantId: r.grantId }
    if (terms === null) return refuse('grant-not-accepted', `request ${r.requestId} names a grant its consumer has not accepted: nothing is chargeable to it`, id)
    const at = toMs(r.at)
    const until = g.revokedAt === null ? terms.expiresAt : Math.min(terms.expiresAt, g.revokedAt)
    if (at < terms.validFrom || at >= until) {
      return refuse('receipt-outside-validity', `request ${r.requestId} is dated outside the grant’s accepted validity [${toTimestamp(terms.validFrom)}, ${toTimestamp(until)})`, id)
    }
    const fee = feeOf(terms.pricing, r.inputTokens, r.outputTokens)
    if (r.fee !== fee) return refuse('price-mismatch', `request ${r.requestId} is priced ${r.fee}, the accepted prices make it ${fee}`, { ...id, fee: fee.toString() })
    const so = used.get(r.grantId) ?? { tokens: g.usedTokens, billed: g.billed }
    const next = { tokens: so.tokens + r.inputTokens + r.outputTokens, billed: so.billed + fee }
    if (next.tokens > terms.quotaTokens) return refuse('quota-exceeded', `request ${r.requestId} takes the grant past its accepted quota of ${terms.quotaTokens} tokens`, id)
    if (next.billed > terms.spendCap) return refuse('spend-cap-exceeded', `request ${r.requestId} takes the grant past its accepted spending cap of ${terms.spendCap} base units`, id)
    used.set(r.grantId, next)
  }
  return right(undefined)
}

/** The contributions of the dataset version the served checkpoint's job trained on. */
function servedMembers(state: EconomyState, d: Deployment): ReadonlySet<string> {
  const job = state.training.jobs.get(servedNow(d).jobId)
  return new Set(job === undefined ? [] : (state.training.versions.get(versionKey(job.mandateId, job.datasetVersion))?.contributions ?? []))
}

function recordUsage(c: Cmd<'RecordUsage'>, d: Deployment, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  if (c.actor !== d.operator) return refuse('not-deployment-operator', 'only the deployment’s operator records its usage')
  const problem = receiptsProblem(c, d, now(ctx), params.usageReceiptWindowMs)
  if (problem !== undefined) return refuse('bad-receipts', problem)
  const fresh = c.payload.receipts.filter((r) => !d.requests.has(r.requestId))
  const duplicates = c.payload.receipts.filter((r) => d.requests.has(r.requestId)).map((r) => r.requestId)
  if (fresh.length === 0) return refuse('usage-already-recorded', 'every receipt in the batch is already recorded', { receipts: duplicates.length })
  // Consent: no usage is chargeable for a checkpoint served past its retrain deadline (docs/deployment.md).
  for (const r of fresh) {
    const breach = breachedAt(state, d, toMs(r.at))
    if (breach !== undefined) {
      return refuse('consent-deadline-passed', `request ${r.requestId} was served by checkpoint ${breach.checkpoint} after its retrain deadline ${toTimestamp(breach.retrainBy)}`, { requestId: r.requestId, retrainBy: toTimestamp(breach.retrainBy) })
    }
  }
  // Per-answer attribution may only name members of the served job's dataset version.
  const members = servedMembers(state, d)
  for (const r of fresh) {
    const stranger = r.attribution?.find((w) => !members.has(w.contribution))
    if (stranger !== undefined) return refuse('bad-receipts', `request ${r.requestId} attributes its answer to contribution ${stranger.contribution}, which is not in the served checkpoint's dataset version`)
  }
  // A batch is refused whole when one receipt is outside its terms: a signed batch holds or not; the gateway isolates the receipt.
  const outside = termsProblem(fresh, d)
  if (outside._tag === 'Left') return outside
  const receipts: PricedReceipt[] = fresh
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
  const consumerOf = (r: PricedReceipt): string => (d.grants.get(r.grantId) as { consumer: string }).consumer
  const perReceipt = chargedPerReceipt(
    receipts.map((r) => ({ requestId: r.requestId, fee: r.fee, consumer: consumerOf(r) })),
    new Map(charges.map((ch) => [ch.consumer, ch.charged])),
  )
  const split = splitUsage(
    receipts.map((r) => ({ requestId: r.requestId, charged: perReceipt.get(r.requestId) ?? 0n, ...(r.attribution === undefined ? {} : { attribution: r.attribution }) })),
    params.feeSplit,
    feeRecipients(state, d),
    (a) => answerContributors(state, a),
  )
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
  const withdrawn = withdrawnProblem(state, job)
  if (withdrawn !== undefined) return withdrawn
  const current = servedNow(d)
  const sequenceOf = (j: Job | undefined, root: string): number => j?.checkpoints.find((k) => k.root === root)?.sequence ?? 0
  const target = sequenceOf(job, p.checkpoint)
  if (target >= sequenceOf(state.training.jobs.get(current.jobId), current.checkpoint)) {
    return refuse('not-earlier-checkpoint', 'a rollback goes to a checkpoint recorded before the one served now')
  }
  const from = { jobId: current.jobId, checkpoint: current.checkpoint, evaluationSequence: current.evaluationSequence }
  return right([{ type: 'DeploymentRolledBack', data: { deploymentId: d.id, from, to: { jobId: job.id, checkpoint: p.checkpoint, evaluationSequence }, reason: p.reason } }])
}

type EscrowCommand = Cmd<'DepositUsageEscrow' | 'WithdrawUsageEscrow' | 'CompleteUsageEscrowWithdrawal'>

/**
 * Deposits take effect at once; withdrawals after the notice period, during which receipts dated
 * before the withdrawal completes are still charged, so usage already served cannot be taken back
 * out before its receipt arrives.
 */
function escrow(c: EscrowCommand, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  if (c.type === 'DepositUsageEscrow') {
    const { amount } = c.payload
    const short = shortOf('insufficient-open', accountOf(state.governance, c.actor).open, amount)
    if (short !== undefined) return left(short)
    return right([{ type: 'UsageEscrowDeposited', data: { account: c.actor, amount } }])
  }
  if (c.type === 'WithdrawUsageEscrow') {
    const { amount } = c.payload
    if (state.deployment.withdrawals.has(c.actor)) return refuse('withdrawal-pending', 'a withdrawal is already scheduled: complete it first')
    const held = state.governance.usageEscrow.get(c.actor) ?? 0n
    if (held < amount) return refuse('insufficient-escrow', `needs ${amount} base units of usage escrow, has ${held}`, { have: held.toString(), need: amount.toString() })
    return right([{ type: 'UsageEscrowWithdrawalScheduled', data: { account: c.actor, amount, dueAt: toTimestamp(now(ctx) + params.usageWithdrawalNoticeMs) } }])
  }
  const { account } = c.payload
  const pending = state.deployment.withdrawals.get(account)
  if (pending === undefined) return refuse('no-pending-withdrawal', 'the account has no scheduled withdrawal', { account })
  if (now(ctx) < pending.dueAt) return refuse('withdrawal-not-due', `the withdrawal takes effect at ${toTimestamp(pending.dueAt)}`, { dueAt: toTimestamp(pending.dueAt) })
  const held = state.governance.usageEscrow.get(account) ?? 0n
  return right([{ type: 'UsageEscrowWithdrawn', data: { account, requested: pending.amount, amount: pending.amount < held ? pending.amount : held } }])
}

export function decideDeployment(c: DeploymentCommand, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  if (c.type === 'DeployModel') return deploy(c, state, ctx)
  if (c.type === 'DepositUsageEscrow' || c.type === 'WithdrawUsageEscrow' || c.type === 'CompleteUsageEscrowWithdrawal') return escrow(c, state, params, ctx)
  const found = deploymentOf(state, c.payload.deploymentId)
  if (found._tag === 'Left') return found
  const d = found.right
  // Late receipts of a retired deployment still count: the usage happened while it served.
  if (c.type === 'RecordUsage') return recordUsage(c, d, state, params, ctx)
  if (d.status === 'retired') return refuse('deployment-retired', 'the deployment is retired')
  // A suspended deployment takes on nothing new; access can still be revoked and the deployment retired.
  if (d.status === 'suspended' && c.type !== 'RevokeAccess' && c.type !== 'RetireDeployment') return refuse('deployment-suspended', 'the deployment is suspended by governance')
  // A deployment suspended for consent takes no new grants, acceptances or prices until it serves a checkpoint in consent.
  if ((c.type === 'GrantAccess' || c.type === 'AcceptGrant' || c.type === 'ChangePricing') && isSuspendedForConsent(state, d.id)) {
    return refuse('deployment-suspended', 'the deployment is suspended for consent: upgrade it to a retrained checkpoint, roll it back, or retire it')
  }
  if (c.type === 'AcceptGrant') return accept(c, d, ctx)
  // A consumer may end its own grant: consent given can be withdrawn.
  const ownGrant = c.type === 'RevokeAccess' && d.grants.get(c.payload.grantId)?.consumer === c.actor
  const mayAct = ownGrant || controls(state, d, c.actor, c.type === 'GrantAccess' || c.type === 'RevokeAccess')
  if (!mayAct) return refuse('not-deployment-operator', 'only the deployer, the mandate’s proposer or (for access) the operator may do this')
  switch (c.type) {
    case 'GrantAccess':
      return grant(c, state, ctx)
    case 'RevokeAccess':
      return revoke(c, d)
    case 'ChangePricing':
      return right([{ type: 'PricingChanged', data: { ...c.payload } }])
    case 'RetireDeployment':
      return right([{ type: 'DeploymentRetired', data: { ...c.payload } }])
    case 'RollbackDeployment':
      return rollback(c, d, state)
  }
}
