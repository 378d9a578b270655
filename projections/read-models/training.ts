/**
 * The training read model: each job with its configuration, lease, progress and checkpoints; one
 * row per checkpoint and per evaluation; the job's attribution.
 *
 *   job:<jobId>                      { id, mandateId, requester, datasetVersion, datasetRoot, baseModel, executor, hyperparameters,
 *                                      seed, status, trainer, claims, manifestHash, leaseMs, progress, checkpoints: [{ root, step, sequence }],
 *                                      evaluations, finalCheckpoint, failure, requestedAt, sequence, updatedAt, updatedSequence }
 *   checkpoint:<jobId>:<sequence>    { jobId, mandateId, step, root, files, totalBytes, metrics, sequence, recordedAt }
 *   evaluation:<jobId>:<sequence>    { jobId, mandateId, checkpoint, split, metrics, rubric, value, passed, sequence, recordedAt }
 *   attribution:<jobId>              { jobId, mandateId, method, checkpoints, scores, total, top, recorded, sequence, recordedAt }
 *
 * An evaluation judges the checkpoint that was the job's latest when it was recorded (the rule the
 * deployment decider applies), so `checkpoint` is that root, or null before any checkpoint.
 */
import * as t from 'io-ts'
import { Hex32, Timestamp } from '../../domain/codec.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { KeyC, LabelC, ProposalIdC, RubricC } from '../../domain/governance/values.js'
import { AttributionMethodC, CheckpointFilesC, ExecutorC, HyperparametersC, JobIdC, MetricsC } from '../../domain/training/values.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection, RowChange, RowReader } from '../projection.js'
import { nullable, rowCodec, seqKey } from '../row-codec.js'

const StatusC = t.keyof({ requested: null, claimed: null, completed: null, failed: null })
const ProgressC = t.type({ step: t.number, totalSteps: t.number, metrics: MetricsC, sequence: t.number })
const JobCheckpointC = t.type({ root: Hex32, step: t.number, sequence: t.number })
export const JobRowC = t.type({
  kind: t.literal('job'), id: JobIdC, mandateId: ProposalIdC, requester: KeyC, datasetVersion: t.number, datasetRoot: Hex32, baseModel: nullable(LabelC),
  executor: ExecutorC, hyperparameters: HyperparametersC, seed: t.number, status: StatusC, trainer: nullable(KeyC), claims: t.number,
  manifestHash: nullable(Hex32), leaseMs: nullable(t.number), progress: nullable(ProgressC), checkpoints: t.array(JobCheckpointC), evaluations: t.number,
  finalCheckpoint: nullable(Hex32), failure: nullable(LabelC), requestedAt: Timestamp, sequence: t.number, updatedAt: Timestamp, updatedSequence: t.number,
}, 'JobRow')
export const CheckpointRowC = t.type({
  kind: t.literal('checkpoint'), jobId: JobIdC, mandateId: ProposalIdC, step: t.number, root: Hex32, files: CheckpointFilesC, totalBytes: t.number,
  metrics: MetricsC, sequence: t.number, recordedAt: Timestamp,
}, 'CheckpointRow')
export const EvaluationRowC = t.type({
  kind: t.literal('evaluation'), jobId: JobIdC, mandateId: ProposalIdC, checkpoint: nullable(Hex32), split: LabelC, metrics: MetricsC, rubric: RubricC,
  value: nullable(t.number), passed: t.boolean, sequence: t.number, recordedAt: Timestamp,
}, 'EvaluationRow')
const ScoreC = t.type({ contributionId: Hex32, score: t.number })
export const AttributionRowC = t.type({
  kind: t.literal('attribution'), jobId: JobIdC, mandateId: ProposalIdC, method: AttributionMethodC, checkpoints: t.array(Hex32), scores: t.number,
  total: t.number, top: t.array(ScoreC), recorded: t.number, sequence: t.number, recordedAt: Timestamp,
}, 'AttributionRow')
export const TrainingRowC = t.union([JobRowC, CheckpointRowC, EvaluationRowC, AttributionRowC])
export type TrainingRow = t.TypeOf<typeof TrainingRowC>
export type JobRow = t.TypeOf<typeof JobRowC>

export const jobKey = (jobId: string): string => `job:${jobId}`
export const checkpointPrefix = (jobId: string): string => `checkpoint:${jobId}:`
export const evaluationPrefix = (jobId: string): string => `evaluation:${jobId}:`
export const attributionKey = (jobId: string): string => `attribution:${jobId}`
/** How many of the highest attribution scores a row keeps; every score is in the event. */
export const TOP_SCORES = 10

const TYPES = ['TrainingRequested', 'TrainingJobClaimed', 'TrainingProgressed', 'CheckpointRecorded', 'EvaluationRecorded', 'AttributionRecorded', 'TrainingCompleted', 'TrainingFailed'] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>

function requested(d: EconomyEventOf<'TrainingRequested'>['data'], envelope: Envelope): JobRow {
  const at = envelope.recordedAt
  return {
    kind: 'job', id: d.jobId, mandateId: d.mandateId, requester: d.requester, datasetVersion: d.datasetVersion, datasetRoot: d.datasetRoot, baseModel: d.baseModel,
    executor: d.executor, hyperparameters: d.hyperparameters, seed: d.seed, status: 'requested', trainer: null, claims: 0, manifestHash: null, leaseMs: null,
    progress: null, checkpoints: [], evaluations: 0, finalCheckpoint: null, failure: null, requestedAt: at, sequence: envelope.sequence, updatedAt: at, updatedSequence: envelope.sequence,
  }
}

function jobOf(state: RowReader<TrainingRow>, jobId: string): JobRow | undefined {
  const row = state.get(jobKey(jobId))
  return row?.kind === 'job' ? row : undefined
}

/** The job row changed by `change`, stamped with this event; nothing when the job is unknown. */
function withJob(state: RowReader<TrainingRow>, jobId: string, envelope: Envelope, change: (job: JobRow) => Partial<JobRow>): RowChange<TrainingRow>[] {
  const job = jobOf(state, jobId)
  if (job === undefined) return []
  return [{ key: jobKey(jobId), value: { ...job, ...change(job), updatedAt: envelope.recordedAt, updatedSequence: envelope.sequence } }]
}

function topScores(scores: readonly { contributionId: string; score: number }[]): { contributionId: string; score: number }[] {
  const sorted = [...scores].sort((a, b) => b.score - a.score || (a.contributionId < b.contributionId ? -1 : 1))
  return sorted.slice(0, TOP_SCORES).map((s) => ({ contributionId: s.contributionId, score: s.score }))
}

function applyEvent(state: RowReader<TrainingRow>, event: Event, envelope: Envelope): RowChange<TrainingRow>[] {
  const { sequence, recordedAt } = envelope
  switch (event.type) {
    case 'TrainingRequested':
      return [{ key: jobKey(event.data.jobId), value: requested(event.data, envelope) }]
    case 'TrainingJobClaimed': {
      const d = event.data
      return withJob(state, d.jobId, envelope, () => ({ status: 'claimed', trainer: d.trainer, claims: d.claim, manifestHash: d.manifestHash, leaseMs: d.leaseMs }))
    }
    case 'TrainingProgressed': {
      const d = event.data
      return withJob(state, d.jobId, envelope, () => ({ progress: { step: d.step, totalSteps: d.totalSteps, metrics: d.metrics, sequence } }))
    }
    case 'CheckpointRecorded': {
      const d = event.data
      const job = jobOf(state, d.jobId)
      if (job === undefined) return []
      const row: TrainingRow = { kind: 'checkpoint', jobId: d.jobId, mandateId: job.mandateId, step: d.step, root: d.root, files: d.files, totalBytes: d.totalBytes, metrics: d.metrics, sequence, recordedAt }
      return [{ key: `${checkpointPrefix(d.jobId)}${seqKey(sequence)}`, value: row }, ...withJob(state, d.jobId, envelope, (j) => ({ checkpoints: [...j.checkpoints, { root: d.root, step: d.step, sequence }] }))]
    }
    case 'EvaluationRecorded': {
      const d = event.data
      const judged = jobOf(state, d.jobId)?.checkpoints.at(-1)?.root ?? null
      const row: TrainingRow = { kind: 'evaluation', jobId: d.jobId, mandateId: d.mandateId, checkpoint: judged, split: d.split, metrics: d.metrics, rubric: d.rubric, value: d.value, passed: d.passed, sequence, recordedAt }
      return [{ key: `${evaluationPrefix(d.jobId)}${seqKey(sequence)}`, value: row }, ...withJob(state, d.jobId, envelope, (j) => ({ evaluations: j.evaluations + 1 }))]
    }
    case 'AttributionRecorded': {
      const d = event.data
      const before = state.get(attributionKey(d.jobId))
      const row: TrainingRow = {
        kind: 'attribution', jobId: d.jobId, mandateId: d.mandateId, method: d.method, checkpoints: d.checkpoints, scores: d.scores.length,
        total: d.scores.reduce((sum, s) => sum + s.score, 0), top: topScores(d.scores), recorded: before?.kind === 'attribution' ? before.recorded + 1 : 1, sequence, recordedAt,
      }
      return [{ key: attributionKey(d.jobId), value: row }, ...withJob(state, d.jobId, envelope, () => ({}))]
    }
    case 'TrainingCompleted':
      return withJob(state, event.data.jobId, envelope, () => ({ status: 'completed', finalCheckpoint: event.data.finalCheckpoint }))
    case 'TrainingFailed':
      return withJob(state, event.data.jobId, envelope, () => ({ status: 'failed', failure: event.data.reason }))
  }
}

export const trainingProjection: Projection<TrainingRow, Event> = {
  name: 'training',
  version: 1,
  filter: economyEvents(TYPES),
  init: [],
  apply: (state, event, envelope) => applyEvent(state, event, envelope),
  ...rowCodec('training', TrainingRowC),
}
