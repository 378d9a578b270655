/**
 * A model's whole life on a real ledger, decided by the economy vertical through the generic
 * command handler with real signatures: a mandate voted in, a datanet with accepted, rejected and
 * late contributions, a sealed dataset version, a training job with two evaluated checkpoints and
 * an attribution, a failed job, a deployment by a staked operator with an access grant its
 * consumer accepted, escrowed usage in three
 * batches (one with a duplicate receipt and a shortfall), a consent withdrawal, a rollback to the
 * earlier checkpoint, a revoked grant, retirement, and a reward epoch.
 *
 * The steps use the governance fixtures' placeholder keys; the driver signs as the real key behind
 * each and puts real keys in place of placeholders in every payload.
 */
import { tokens } from '../../domain/governance/amounts.js'
import { contributionIdOf } from '../../domain/datanets/ids.js'
import { defaultEconomics, economy, encodeRequest, type EconomyCommand } from '../../domain/economy/index.js'
import { textHash } from '../../domain/economy/hash.js'
import type { JsonValue } from '../../domain/json.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import { checkpointRoot } from '../../domain/training/checkpoint.js'
import { feeOf } from '../../domain/deployment/values.js'
import { manualClock, type ManualClock } from '../../infrastructure/clock.js'
import { createCommandHandler } from '../../infrastructure/command-handler.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import type { StorageBackend } from '../../infrastructure/store/backend.js'
import { createMemoryBackend } from '../../infrastructure/store/memory-backend.js'
import { createSqliteBackend } from '../../infrastructure/store/sqlite-backend.js'
import { ALICE, BOB, CAROL, cmd as gov, DAVE, DAY, LEDGER, START, proposalSpec } from '../domain/governance/fixtures.js'
import { keyOf, ledgerSigner, realKeys, signAtClock, signRaw } from '../infrastructure/command-handler-support.js'

export const EVE = 'e5'.repeat(32)
export { ALICE, BOB, CAROL, DAVE, keyOf }
type Request = Omit<EconomyCommand, 'actor'>

export interface Driver {
  readonly store: EventStore
  readonly backend: StorageBackend
  readonly clock: ManualClock
  /** Decides and records a command as `actor` (a placeholder key); returns its hash, the id of what it creates. */
  run(actor: string, request: Request): Promise<string>
  /** As `run`, but a refusal is an answer: its code. */
  attempt(actor: string, request: Request): Promise<{ ok: true; id: string } | { ok: false; code: string }>
  head(): Promise<number>
  /** The sequence of the last event the last accepted command recorded (an anchor sealed after it is not counted). */
  lastRecorded(): number
}

function rekey(json: string): string {
  let out = json
  for (const placeholder of realKeys.keys()) out = out.split(placeholder).join(keyOf(placeholder))
  return out
}

/** A driver over a ledger on SQLite (`file`) or in memory, anchoring every `anchorEvery` events. */
export async function openDriver(file?: string, anchorEvery = 20): Promise<Driver> {
  const clock = manualClock(START)
  signAtClock(clock)
  const backend = file === undefined ? createMemoryBackend() : createSqliteBackend(file)
  const store = await openLedgerStore({ backend, signer: ledgerSigner, clock, anchorEvery, anchorIntervalMs: 0 })
  const handler = createCommandHandler({ store, vertical: economy, clock })
  let last = 0
  const attempt: Driver['attempt'] = async (actor, request) => {
    const wire = encodeRequest(request)
    const payload = JSON.parse(rekey(JSON.stringify(wire.payload))) as JsonValue
    const result = await handler.handle(signRaw(actor, wire.type, payload, new Date(clock.now()).toISOString()))
    if (result.ok) last = result.lastSequence
    return result.ok ? { ok: true, id: result.commandHash } : { ok: false, code: `${result.error.code}: ${result.error.message}` }
  }
  return {
    store,
    backend,
    clock,
    attempt,
    async run(actor, request) {
      const result = await attempt(actor, request)
      if (!result.ok) throw new Error(`${request.type} refused: ${result.code}`)
      return result.id
    },
    head: async () => (await store.head()).sequence,
    lastRecorded: () => last,
  }
}

export const contentOf = (label: string): string => textHash(label)
const files = (weights: string) => [
  { path: 'config.json', sha256: textHash(`config ${weights}`), bytes: 120 },
  { path: 'weights.bin', sha256: textHash(weights), bytes: 4096 },
]
export const PRICING = { inputPer1k: 2_000_003n, outputPer1k: 6_000_007n }

export interface Story {
  readonly mandateId: string
  /** Contribution ids: version 1 holds exactly `inVersion` (all accepted); `rejected` and `late` are not in it. */
  readonly inVersion: readonly string[]
  readonly rejected: string
  readonly late: string
  /** The contribution whose consent was withdrawn after the version was sealed (one of `inVersion`). */
  readonly revoked: string
  readonly jobId: string
  readonly failedJobId: string
  /** Checkpoint roots, in order: the deployment served the second, then was rolled back to the first. */
  readonly checkpoints: readonly [string, string]
  readonly deploymentId: string
  readonly grantId: string
  /** The log head right after these steps. */
  readonly marks: { readonly deployed: number; readonly rolledBack: number; readonly retired: number }
}

async function mandate(d: Driver): Promise<string> {
  await d.run(LEDGER, gov.genesis({ economics: { ...defaultEconomics, verdictsToFinalize: 2, maxItemsPerDay: 1000 } }))
  for (const who of [ALICE, BOB, CAROL, DAVE, EVE]) await d.run(who, gov.register(who, `person ${who.slice(0, 2)}`))
  for (const who of [ALICE, BOB]) {
    await d.run(who, gov.wrap(who, tokens(20_000)))
    await d.run(who, gov.delegate(who, who))
  }
  const mandateId = await d.run(ALICE, { type: 'ProposeModel', payload: { spec: proposalSpec(tokens(100_000)), stake: tokens(1_000) } })
  d.clock.advance(DAY)
  for (const who of [ALICE, BOB]) await d.run(who, gov.vote(who, mandateId, 'for'))
  d.clock.advance(7 * DAY)
  await d.run(DAVE, gov.queue(DAVE, mandateId))
  d.clock.advance(DAY)
  await d.run(DAVE, gov.execute(DAVE, mandateId))
  for (const who of [BOB, CAROL]) await d.run(who, gov.lock(who, 'validator', tokens(10_000)))
  // Dave operates the deployment: an operator is named only with its role stake locked.
  await d.run(DAVE, gov.lock(DAVE, 'operator', tokens(1_000)))
  await d.run(ALICE, gov.transfer(ALICE, EVE, tokens(1_000)))
  return mandateId
}

async function contribute(d: Driver, mandateId: string, who: string, label: string, licence: string, decision: 'accept' | 'reject'): Promise<string> {
  const payload = { datanetId: mandateId, contentHash: contentOf(label), byteLength: label.length, mediaType: 'text/plain', licence, metadata: { label: 'note' }, bond: false }
  await d.run(who, { type: 'SubmitContribution', payload })
  const contributionId = contributionIdOf(mandateId, contentOf(label))
  for (const [validator, quality] of [[BOB, 80], [CAROL, 70]] as const) {
    await d.run(validator, { type: 'CastVerdict', payload: { contributionId, decision, quality, relevance: quality - 10, reason: decision } })
  }
  await d.run(DAVE, { type: 'FinalizeContribution', payload: { contributionId } })
  return contributionId
}

async function train(d: Driver, mandateId: string, inVersion: readonly string[]): Promise<{ jobId: string; checkpoints: [string, string] }> {
  const jobId = await d.run(ALICE, { type: 'RequestTraining', payload: { mandateId, datasetVersion: 1, baseModel: null, executor: 'reference', hyperparameters: { epochs: 2, lr: 0.1, optimizer: 'sgd' }, seed: 7 } })
  await d.run(DAVE, gov.lock(DAVE, 'trainer', tokens(1_000)))
  await d.run(DAVE, { type: 'ClaimTrainingJob', payload: { jobId, leaseMs: 600_000, manifestHash: textHash('manifest') } })
  await d.run(DAVE, { type: 'ReportTrainingProgress', payload: { jobId, step: 5, totalSteps: 20, metrics: { loss: 0.9 } } })
  const roots: string[] = []
  for (const [step, rougeL] of [[10, 0.5], [20, 0.55]] as const) {
    const weights = files(`weights at ${step}`)
    const root = checkpointRoot(weights)
    await d.run(DAVE, { type: 'RecordCheckpoint', payload: { jobId, step, files: weights, root, metrics: { loss: 1 / step } } })
    await d.run(DAVE, { type: 'RecordEvaluation', payload: { jobId, split: 'test', metrics: { rougeL, eval_examples: 40 } } })
    roots.push(root)
  }
  const rougeOf = new Map([[roots[0], 0.5], [roots[1], 0.55]])
  const scores = inVersion.map((contributionId, i) => ({ contributionId, score: i === 0 ? 1_000_000 - 250_000 * (inVersion.length - 1) : 250_000 }))
  await d.run(DAVE, { type: 'RecordAttribution', payload: { jobId, method: 'leave-one-out', checkpoints: roots, scores } })
  await d.run(DAVE, { type: 'CompleteTraining', payload: { jobId, finalCheckpoint: roots[1] as string } })
  // Bob and Carol, staked validators, re-ran both evaluations and agree; anyone settles them.
  for (const checkpoint of roots) {
    for (const who of [BOB, CAROL]) await d.run(who, { type: 'AttestEvaluation', payload: { jobId, checkpoint, split: 'test', metrics: { rougeL: rougeOf.get(checkpoint) ?? 0, eval_examples: 40 }, reproduced: null } })
    await d.run(EVE, { type: 'SettleEvaluation', payload: { jobId, checkpoint } })
  }
  return { jobId, checkpoints: [roots[0] as string, roots[1] as string] }
}

/** A receipt dated now, priced at PRICING (what every grant of the story accepted). */
export const receipt = (d: Driver, grantId: string, requestId: string, inputTokens: number, outputTokens: number) => ({
  requestId,
  grantId,
  inputTokens,
  outputTokens,
  at: new Date(d.clock.now()).toISOString(),
  fee: feeOf(PRICING, inputTokens, outputTokens),
})

/** The contributions' texts: `one`, `two` and `four` are accepted before the seal, `spam` rejected, `five` accepted after it. */
export const NOTES = {
  one: 'note one: chest pain, troponin normal',
  two: 'note two: wheeze, inhaler given',
  spam: 'BUY CHEAP WATCHES',
  four: 'note four: knee sprain, splint',
  five: 'note five: after the seal',
} as const

export type Trained = Pick<Story, 'mandateId' | 'inVersion' | 'rejected' | 'late' | 'jobId' | 'checkpoints'>

/** The story up to a completed training job whose two checkpoints both passed evaluation. */
export async function trainedModel(d: Driver): Promise<Trained> {
  const mandateId = await mandate(d)
  await d.run(ALICE, { type: 'OpenDatanet', payload: { mandateId, mediaTypes: ['text/plain'], licences: ['CC-BY-4.0', 'MIT'] } })
  const one = await contribute(d, mandateId, ALICE, NOTES.one, 'CC-BY-4.0', 'accept')
  const two = await contribute(d, mandateId, EVE, NOTES.two, 'MIT', 'accept')
  const rejected = await contribute(d, mandateId, EVE, NOTES.spam, 'MIT', 'reject')
  const four = await contribute(d, mandateId, ALICE, NOTES.four, 'CC-BY-4.0', 'accept')
  await d.run(DAVE, { type: 'SealDatasetVersion', payload: { datanetId: mandateId } })
  const late = await contribute(d, mandateId, ALICE, NOTES.five, 'CC-BY-4.0', 'accept')
  const inVersion = [one, two, four]
  const { jobId, checkpoints } = await train(d, mandateId, inVersion)
  return { mandateId, inVersion, rejected, late, jobId, checkpoints }
}

export const deployRequest = (jobId: string, checkpoint: string): Request => ({
  type: 'DeployModel',
  payload: { jobId, checkpoint, operator: DAVE, endpoint: 'https://models.example/v1/summarizer', pricing: PRICING },
})
export const grantRequest = (deploymentId: string, consumer: string): Request => ({
  type: 'GrantAccess',
  payload: { deploymentId, consumer, keyHash: textHash(`${consumer} api key`), quotaTokens: 1_000_000, expiresAt: new Date(START + 400 * DAY).toISOString() },
})
/** The consumer's acceptance of a grant as offered, at PRICING, with a cap far above what the story spends. */
export const acceptRequest = (deploymentId: string, grantId: string): Request => ({
  type: 'AcceptGrant',
  payload: { deploymentId, grantId, pricing: PRICING, quotaTokens: 1_000_000, expiresAt: new Date(START + 400 * DAY).toISOString(), spendCap: tokens(1_000) },
})

/** Runs the whole story; every command must be accepted. */
export async function tellStory(d: Driver): Promise<Story> {
  const trained = await trainedModel(d)
  const { mandateId, inVersion, jobId, checkpoints } = trained
  const two = inVersion[1] as string
  const failedJobId = await d.run(ALICE, { type: 'RequestTraining', payload: { mandateId, datasetVersion: 1, baseModel: null, executor: 'reference', hyperparameters: { epochs: 9 }, seed: 8 } })
  await d.run(CAROL, gov.lock(CAROL, 'trainer', tokens(1_000)))
  await d.run(CAROL, { type: 'ClaimTrainingJob', payload: { jobId: failedJobId, leaseMs: 600_000, manifestHash: textHash('manifest 2') } })
  await d.run(CAROL, { type: 'FailTraining', payload: { jobId: failedJobId, reason: 'out of memory' } })

  const deploymentId = await d.run(ALICE, deployRequest(jobId, checkpoints[1]))
  const deployed = d.lastRecorded()
  const grantId = await d.run(ALICE, grantRequest(deploymentId, EVE))
  await d.run(EVE, acceptRequest(deploymentId, grantId))
  await d.run(EVE, { type: 'DepositUsageEscrow', payload: { amount: 30_000_000n } })
  d.clock.advance(60_000)
  await d.run(DAVE, { type: 'RecordUsage', payload: { deploymentId, receipts: [receipt(d, grantId, 'r1', 1200, 800), receipt(d, grantId, 'r2', 500, 1500)] } })
  d.clock.advance(60_000)
  // r2 again (a duplicate, charged nothing) and r3, which the escrow covers only in part.
  await d.run(DAVE, { type: 'RecordUsage', payload: { deploymentId, receipts: [receipt(d, grantId, 'r2', 500, 1500), receipt(d, grantId, 'r3', 3000, 2000)] } })
  await d.run(ALICE, { type: 'RollbackDeployment', payload: { deploymentId, jobId, checkpoint: checkpoints[0], reason: 'summaries regressed' } })
  const rolledBack = d.lastRecorded()
  // Consent withdrawn after the rollback (the rules refuse a rollback onto withdrawn data): the deployment is flagged.
  await d.run(EVE, { type: 'RevokeContribution', payload: { contributionId: two } })
  await d.run(EVE, { type: 'DepositUsageEscrow', payload: { amount: 50_000_000n } })
  d.clock.advance(60_000)
  await d.run(DAVE, { type: 'RecordUsage', payload: { deploymentId, receipts: [receipt(d, grantId, 'r4', 700, 300)] } })
  await d.run(ALICE, { type: 'RevokeAccess', payload: { deploymentId, grantId, reason: 'key leaked' } })
  await d.run(ALICE, { type: 'RetireDeployment', payload: { deploymentId, reason: 'superseded' } })
  const retired = d.lastRecorded()
  d.clock.advance(7 * DAY)
  await d.run(DAVE, { type: 'CloseRewardEpoch', payload: { mandateId } })
  return { ...trained, revoked: two, failedJobId, deploymentId, grantId, marks: { deployed, rolledBack, retired } }
}
