/**
 * A mandate whose model was trained and evaluated twice (two passed checkpoints), with Alice's
 * and Bob's contributions attributed 3:1: the starting point of the deployment specs. Ids that are
 * command hashes are computed by playing the history, so the fixture stays right as it grows.
 */
import { tokens } from '../../../domain/governance/amounts.js'
import { feeOf, type Pricing } from '../../../domain/deployment/values.js'
import { checkpointRoot } from '../../../domain/training/checkpoint.js'
import { hashFor } from '../decider-spec.js'
import { cmd as gov } from '../governance/fixtures.js'
import { ALICE, BOB, CAROL, DAVE, DAY, ecmd, espec, idOf, MANDATE, withDatanet, type ECmd, type EStep } from '../datanets/fixtures.js'

export { ALICE, BOB, CAROL, DAVE, DAY, espec, MANDATE, type ECmd, type EStep }

export const FILES_1 = [{ path: 'model.json', sha256: '11'.repeat(32), bytes: 10 }]
export const FILES_2 = [{ path: 'model.json', sha256: '22'.repeat(32), bytes: 12 }]
export const ROOT_1 = checkpointRoot(FILES_1)
export const ROOT_2 = checkpointRoot(FILES_2)
export const PRICING = { inputPer1k: 1_000n, outputPer1k: 3_000n }
export const KEY_HASH = 'a0'.repeat(32)
export const EXPIRES = '2027-01-01T00:00:00.000Z'
/** Bob's spending cap on the fixture's grant: far above what the specs spend, unless a spec says otherwise. */
export const SPEND_CAP = tokens(10_000)
export const CONSUMER = BOB
export const OPERATOR = DAVE
/** Held-out examples every fixture evaluation reports: more than the default minimum (20). */
export const EVAL_EXAMPLES = 50
/** The staked validators, other than the trainer, who attest the fixture's evaluations. */
export const ATTESTERS = [BOB, DAVE] as const
/** Who trains: Carol holds the lease. */
export const TRAINER = CAROL

/** The id the next command will get, after `history`. */
export const nextId = (history: readonly EStep[]): string => hashFor(espec.play(history).commands + 1)

export const dcmd = {
  request: (): ECmd => ({ type: 'RequestTraining', actor: ALICE, payload: { mandateId: MANDATE, datasetVersion: 1, baseModel: null, executor: 'reference', hyperparameters: {}, seed: 7 } }),
  stakeTrainer: (actor = TRAINER): ECmd => gov.lock(actor, 'trainer', tokens(1_000)),
  claim: (jobId: string): ECmd => ({ type: 'ClaimTrainingJob', actor: TRAINER, payload: { jobId, leaseMs: 3_600_000, manifestHash: 'ab'.repeat(32) } }),
  checkpoint: (jobId: string, step: number, files: typeof FILES_1, root: string): ECmd => ({ type: 'RecordCheckpoint', actor: TRAINER, payload: { jobId, step, files, root, metrics: {} } }),
  evaluate: (jobId: string, rougeL: number, examples = EVAL_EXAMPLES): ECmd => ({ type: 'RecordEvaluation', actor: TRAINER, payload: { jobId, split: 'held-out', metrics: { rougeL, eval_examples: examples } } }),
  attest: (jobId: string, checkpoint: string, actor: string, rougeL: number, o: { examples?: number; reproduced?: boolean | null; split?: string } = {}): ECmd => ({
    type: 'AttestEvaluation',
    actor,
    payload: { jobId, checkpoint, split: o.split ?? 'held-out', metrics: { rougeL, eval_examples: o.examples ?? EVAL_EXAMPLES }, reproduced: o.reproduced ?? null },
  }),
  settle: (jobId: string, checkpoint: string, actor = ALICE): ECmd => ({ type: 'SettleEvaluation', actor, payload: { jobId, checkpoint } }),
  attribute: (jobId: string): ECmd => ({
    type: 'RecordAttribution',
    actor: TRAINER,
    payload: { jobId, method: 'tracin', checkpoints: [ROOT_2], scores: [{ contributionId: idOf('a'), score: 750_000 }, { contributionId: idOf('b'), score: 250_000 }] },
  }),
  completeTraining: (jobId: string): ECmd => ({ type: 'CompleteTraining', actor: TRAINER, payload: { jobId, finalCheckpoint: ROOT_2 } }),
  deploy: (jobId: string, checkpoint = ROOT_2, actor = ALICE): ECmd => ({ type: 'DeployModel', actor, payload: { jobId, checkpoint, operator: OPERATOR, endpoint: 'https://models.example/v1', pricing: PRICING } }),
  grant: (deploymentId: string, o: { actor?: string; keyHash?: string; quota?: number; expiresAt?: string } = {}): ECmd => ({
    type: 'GrantAccess',
    actor: o.actor ?? ALICE,
    payload: { deploymentId, consumer: CONSUMER, keyHash: o.keyHash ?? KEY_HASH, quotaTokens: o.quota ?? 1_000_000, expiresAt: o.expiresAt ?? EXPIRES },
  }),
  accept: (deploymentId: string, grantId: string, o: { actor?: string; pricing?: Pricing; quota?: number; expiresAt?: string; spendCap?: bigint } = {}): ECmd => ({
    type: 'AcceptGrant',
    actor: o.actor ?? CONSUMER,
    payload: { deploymentId, grantId, pricing: o.pricing ?? PRICING, quotaTokens: o.quota ?? 1_000_000, expiresAt: o.expiresAt ?? EXPIRES, spendCap: o.spendCap ?? SPEND_CAP },
  }),
  revoke: (deploymentId: string, grantId: string, actor = ALICE): ECmd => ({ type: 'RevokeAccess', actor, payload: { deploymentId, grantId, reason: 'key leaked' } }),
  reprice: (deploymentId: string, pricing: Pricing, actor = ALICE): ECmd => ({ type: 'ChangePricing', actor, payload: { deploymentId, pricing } }),
  deposit: (amount: bigint, actor = CONSUMER): ECmd => ({ type: 'DepositUsageEscrow', actor, payload: { amount } }),
  withdraw: (amount: bigint, actor = CONSUMER): ECmd => ({ type: 'WithdrawUsageEscrow', actor, payload: { amount } }),
  complete: (account = CONSUMER, actor = account): ECmd => ({ type: 'CompleteUsageEscrowWithdrawal', actor, payload: { account } }),
  /** Receipts priced at the fixture's PRICING unless they say otherwise (`pricing` or `fee`), dated when the deployed history ends unless `at`. */
  usage: (
    deploymentId: string,
    receipts: readonly { requestId: string; grantId: string; inputTokens: number; outputTokens: number; at?: string; fee?: bigint }[],
    actor = OPERATOR,
    pricing: Pricing = PRICING,
  ): ECmd => ({
    type: 'RecordUsage',
    actor,
    payload: { deploymentId, receipts: receipts.map((r) => ({ ...r, at: r.at ?? receiptTime(), fee: r.fee ?? feeOf(pricing, r.inputTokens, r.outputTokens) })) },
  }),
  retire: (deploymentId: string, actor = ALICE): ECmd => ({ type: 'RetireDeployment', actor, payload: { deploymentId, reason: 'superseded' } }),
  rollback: (deploymentId: string, jobId: string, checkpoint = ROOT_1, actor = ALICE): ECmd => ({ type: 'RollbackDeployment', actor, payload: { deploymentId, jobId, checkpoint, reason: 'regression in production' } }),
}

let deployedAt: string | undefined
/** A receipt's default time: when the deployed fixture's history ends, so it is inside the receipt window. */
function receiptTime(): string {
  deployedAt ??= new Date(espec.play(deployed().history).now).toISOString()
  return deployedAt
}

export interface Trained {
  readonly history: EStep[]
  readonly jobId: string
  /** The history up to the last checkpoint's evaluation: the job still running, nothing attested. */
  readonly running: EStep[]
}

/** Both attesters confirm the metrics the trainer recorded, and the evaluation is settled. */
export function attestedSteps(jobId: string, checkpoint: string, rougeL: number): EStep[] {
  return [...ATTESTERS.map((a) => ({ command: dcmd.attest(jobId, checkpoint, a, rougeL) })), { command: dcmd.settle(jobId, checkpoint) }]
}

/** Contributions a and b sealed, Carol staked as a trainer, and Alice's training request: a job nobody claimed yet. */
export function requested(): { history: EStep[]; jobId: string } {
  const history: EStep[] = [...withDatanet(), { command: ecmd.submit('a') }, { command: ecmd.submit('b', { actor: BOB }) }]
  history.push({ command: ecmd.verdict(BOB, 'a', 'accept', 70) }, { command: ecmd.verdict(CAROL, 'a', 'accept', 70) }, { command: ecmd.verdict(DAVE, 'a', 'reject', 10) }, { command: ecmd.finalize('a') })
  history.push({ command: ecmd.verdict(CAROL, 'b', 'accept', 30) }, { command: ecmd.verdict(DAVE, 'b', 'accept', 30) }, { advance: 3 * DAY }, { command: ecmd.finalize('b', ALICE) }, { command: ecmd.seal() })
  history.push({ command: dcmd.stakeTrainer() })
  const jobId = nextId(history)
  history.push({ command: dcmd.request() })
  return { history, jobId }
}

/** Contributions a (Alice) and b (Bob) accepted and sealed; a job trained to two passed checkpoints, attributed, completed, and both evaluations attested by Bob and Dave. */
export function trained(): Trained {
  const { history, jobId } = requested()
  history.push(
    { command: dcmd.claim(jobId) },
    { command: dcmd.checkpoint(jobId, 1, FILES_1, ROOT_1) },
    { command: dcmd.evaluate(jobId, 0.5) },
    { command: dcmd.checkpoint(jobId, 2, FILES_2, ROOT_2) },
    { command: dcmd.evaluate(jobId, 0.6) },
  )
  const running = [...history]
  history.push({ command: dcmd.attribute(jobId) }, { command: dcmd.completeTraining(jobId) }, ...attestedSteps(jobId, ROOT_1, 0.5), ...attestedSteps(jobId, ROOT_2, 0.6))
  // Dave stakes for the operator role: a deployment may only name a staked operator.
  history.push({ command: gov.lock(OPERATOR, 'operator', tokens(1_000)) })
  return { history, jobId, running }
}

export interface Deployed extends Trained {
  readonly deploymentId: string
  readonly grantId: string
}

/** The trained job's last checkpoint deployed by Alice with Dave operating, Bob granted access (and accepting it) and 1,000 OPEN in escrow. */
export function deployed(escrow = tokens(1_000), accepted = true): Deployed {
  const { history, jobId, running } = trained()
  const deploymentId = nextId(history)
  history.push({ command: dcmd.deploy(jobId) })
  const grantId = nextId(history)
  history.push({ command: dcmd.grant(deploymentId) })
  if (accepted) history.push({ command: dcmd.accept(deploymentId, grantId) })
  if (escrow > 0n) history.push({ command: dcmd.deposit(escrow) })
  return { history, jobId, running, deploymentId, grantId }
}
