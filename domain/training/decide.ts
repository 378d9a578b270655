/**
 * The training rules. The requester names a sealed version; its root is copied into the request,
 * so a job commits to its exact data. A claim needs the trainer role (a locked trainer stake) and is
 * a lease of at most `maxLeaseMs`: the holder renews it by recording anything, another trainer may
 * take the job over only once it has run out. Only the holder
 * records checkpoints, evaluation, attribution and the end, and the decider checks what it can:
 * the checkpoint root against its files, the rubric against the metrics (and `minEvalExamples`),
 * the scores against the version's members. What it cannot check, that the metrics are true, staked
 * attesters check (attestation.ts).
 */
import { right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomyState } from '../economy/state.js'
import type { EconomicsParams } from '../economy/params.js'
import { rolesOf } from '../governance/roles.js'
import { now } from '../governance/time.js'
import { EVAL_EXAMPLES } from './agreement.js'
import { attest, settle } from './attestation.js'
import { checkpointRoot } from './checkpoint.js'
import type { TrainingCommand } from './codecs.js'
import { judge } from './rubric.js'
import { versionKey, type Job } from './state.js'
import { ATTRIBUTION_TOTAL } from './values.js'
import { withdrawnProblem } from '../consent/rules.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends TrainingCommand['type']> = Extract<TrainingCommand, { type: T }>
const one = (event: EconomyEvent): Result => right([event])

function request(c: Cmd<'RequestTraining'>, state: EconomyState, ctx: DecisionContext): Result {
  const p = c.payload
  const mandate = state.governance.mandates.get(p.mandateId)
  if (mandate === undefined) return refuse('unknown-mandate', 'no such mandate', { mandateId: p.mandateId })
  if (state.governance.proposals.get(mandate.proposalId)?.proposer !== c.actor) return refuse('not-mandate-proposer', 'only the mandate’s proposer requests its training')
  const version = state.training.versions.get(versionKey(p.mandateId, p.datasetVersion))
  if (version === undefined) return refuse('unknown-dataset-version', 'the datanet has no such sealed version', { version: p.datasetVersion })
  const withdrawn = withdrawnProblem(state, p)
  if (withdrawn !== undefined) return withdrawn
  return one({ type: 'TrainingRequested', data: { jobId: ctx.commandHash, requester: c.actor, datasetRoot: version.root, ...p } })
}

function claim(c: Cmd<'ClaimTrainingJob'>, job: Job, state: EconomyState, params: EconomicsParams, at: number): Result {
  const genesis = state.governance.genesis
  if (genesis === null || !rolesOf(state.governance, c.actor, genesis.params).includes('trainer')) {
    return refuse('not-trainer', 'claiming a job needs the trainer role (a locked trainer stake)', { minimum: genesis?.params.roleStakes.trainer.toString() ?? null })
  }
  if (c.payload.leaseMs > params.maxLeaseMs) return refuse('lease-too-long', `a lease is at most ${params.maxLeaseMs} ms`, { maxLeaseMs: params.maxLeaseMs })
  if (job.status === 'claimed' && job.trainer !== c.actor && at < job.leaseUntil) {
    return refuse('job-leased', 'another trainer holds the lease', { trainer: job.trainer ?? '', until: job.leaseUntil })
  }
  const { leaseMs, manifestHash } = c.payload
  return one({ type: 'TrainingJobClaimed', data: { jobId: job.id, trainer: c.actor, claim: job.claims + 1, leaseMs, manifestHash } })
}

function checkpoint(c: Cmd<'RecordCheckpoint'>, job: Job): Result {
  const { step, files, root, metrics } = c.payload
  const last = job.checkpoints[job.checkpoints.length - 1]
  if (last !== undefined && step <= last.step) return refuse('step-regression', 'a checkpoint must come after the last one', { last: last.step })
  if (checkpointRoot(files) !== root) return refuse('bad-checkpoint-root', 'the root is not the Merkle root of the files')
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0)
  return one({ type: 'CheckpointRecorded', data: { jobId: job.id, step, files, root, totalBytes, metrics } })
}

function progress(c: Cmd<'ReportTrainingProgress'>, job: Job, params: EconomicsParams): Result {
  if (job.progressReports >= params.maxProgressReports) return refuse('progress-limit', `a job reports progress to the log at most ${params.maxProgressReports} times`, { limit: params.maxProgressReports })
  return one({ type: 'TrainingProgressed', data: { ...c.payload } })
}

function evaluate(c: Cmd<'RecordEvaluation'>, job: Job, state: EconomyState, params: EconomicsParams): Result {
  if (job.checkpoints.length === 0) return refuse('no-checkpoint', 'nothing was trained yet')
  const mandate = state.governance.mandates.get(job.mandateId)
  const rubric = mandate?.rubric
  if (rubric === undefined) return refuse('unknown-mandate', 'the job’s mandate has no rubric')
  const { value, passed } = judge(rubric, c.payload.metrics)
  // One held-out example proves nothing: too few never pass, whatever the metric says.
  const enough = (c.payload.metrics[EVAL_EXAMPLES] ?? 0) >= params.minEvalExamples
  return one({ type: 'EvaluationRecorded', data: { jobId: job.id, mandateId: job.mandateId, split: c.payload.split, metrics: c.payload.metrics, rubric, value, passed: passed && enough } })
}

function scoresProblem(c: Cmd<'RecordAttribution'>, job: Job, state: EconomyState): string | undefined {
  const members = new Set(state.training.versions.get(versionKey(job.mandateId, job.datasetVersion))?.contributions ?? [])
  const { scores, checkpoints } = c.payload
  if (new Set(scores.map((s) => s.contributionId)).size !== scores.length) return 'a contribution is scored twice'
  if (scores.some((s) => !members.has(s.contributionId))) return 'a scored contribution is not in the job’s dataset version'
  const total = scores.reduce((sum, s) => sum + s.score, 0)
  if (total !== ATTRIBUTION_TOTAL && total !== 0) return `scores must sum to ${ATTRIBUTION_TOTAL}`
  const recorded = new Set(job.checkpoints.map((k) => k.root))
  if (checkpoints.length === 0 || checkpoints.some((root) => !recorded.has(root))) return 'attribution must name recorded checkpoints of the job'
  return undefined
}

function attribute(c: Cmd<'RecordAttribution'>, job: Job, state: EconomyState): Result {
  const problem = scoresProblem(c, job, state)
  if (problem !== undefined) return refuse('bad-attribution', problem)
  return one({ type: 'AttributionRecorded', data: { ...c.payload, jobId: job.id, mandateId: job.mandateId } })
}

function complete(c: Cmd<'CompleteTraining'>, job: Job): Result {
  const last = job.checkpoints[job.checkpoints.length - 1]
  if (last === undefined) return refuse('no-checkpoint', 'nothing was trained yet')
  if (last.root !== c.payload.finalCheckpoint) return refuse('bad-checkpoint-root', 'the final checkpoint must be the last recorded one')
  return one({ type: 'TrainingCompleted', data: { jobId: job.id, finalCheckpoint: last.root, checkpoints: job.checkpoints.length } })
}

/** The job, if it is still running and the actor holds it. */
function held(c: TrainingCommand & { payload: { jobId: string } }, state: EconomyState): Either<EconomyError, Job> {
  const job = state.training.jobs.get(c.payload.jobId)
  if (job === undefined) return refuse('unknown-job', 'no such training job', { jobId: c.payload.jobId })
  if (job.status === 'completed' || job.status === 'failed') return refuse('job-finished', `the job has ${job.status}`)
  if (c.type !== 'ClaimTrainingJob' && (job.status !== 'claimed' || job.trainer !== c.actor)) return refuse('not-job-holder', 'only the trainer holding the lease records for the job')
  return right(job)
}

export function decideTraining(c: TrainingCommand, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  if (c.type === 'RequestTraining') return request(c, state, ctx)
  if (c.type === 'AttestEvaluation') return attest(c, state, params)
  if (c.type === 'SettleEvaluation') return settle(c, state, params)
  const found = held(c, state)
  if (found._tag === 'Left') return found
  const job = found.right
  switch (c.type) {
    case 'ClaimTrainingJob':
      return claim(c, job, state, params, now(ctx))
    case 'ReportTrainingProgress':
      return progress(c, job, params)
    case 'RecordCheckpoint':
      return checkpoint(c, job)
    case 'RecordEvaluation':
      return evaluate(c, job, state, params)
    case 'RecordAttribution':
      return attribute(c, job, state)
    case 'CompleteTraining':
      return complete(c, job)
    case 'FailTraining':
      return one({ type: 'TrainingFailed', data: { ...c.payload } })
  }
}
