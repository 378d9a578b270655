/**
 * Folds the training state. It also watches DatasetVersionSealed, because a job names a version
 * and the data state keeps only the latest one's members; and ContributionSubmitted, for the label
 * an item teaches (the data state keeps no metadata).
 */
import type { Recorded } from '../decider.js'
import type { DataEventOf } from '../datanets/events.js'
import { toMs } from '../governance/time.js'
import type { TrainingEvent, TrainingEventOf } from './codecs.js'
import { versionKey, type Job, type TrainingState } from './state.js'

type Seen = TrainingEvent | DataEventOf<'DatasetVersionSealed' | 'ContributionSubmitted'> | { readonly type: string }

function withJob(state: TrainingState, id: string, change: (job: Job) => Job): TrainingState {
  const job = state.jobs.get(id)
  return job === undefined ? state : { ...state, jobs: new Map(state.jobs).set(id, change(job)) }
}

/** Anything the lease holder records shows it is alive: the lease runs on from then. */
const renewed = (job: Job, at: number): Job => ({ ...job, leaseUntil: at + job.leaseMs })

function requested(e: TrainingEventOf<'TrainingRequested'>['data']): Job {
  return {
    id: e.jobId,
    mandateId: e.mandateId,
    requester: e.requester,
    datasetVersion: e.datasetVersion,
    datasetRoot: e.datasetRoot,
    baseModel: e.baseModel,
    executor: e.executor,
    hyperparameters: e.hyperparameters,
    seed: e.seed,
    status: 'requested',
    trainer: null,
    claims: 0,
    manifestHash: null,
    leaseMs: 0,
    leaseUntil: 0,
    checkpoints: [],
    evaluation: null,
    evaluations: [],
    attributed: false,
    attribution: null,
    lastStep: 0,
  }
}

function evolveJob(state: TrainingState, event: TrainingEvent, sequence: number, at: number): TrainingState {
  const d = event.data
  switch (event.type) {
    case 'TrainingRequested':
      return { ...state, jobs: new Map(state.jobs).set(d.jobId, requested(event.data)) }
    case 'TrainingJobClaimed': {
      const { trainer, claim, leaseMs, manifestHash } = event.data
      return withJob(state, d.jobId, (j) => renewed({ ...j, status: 'claimed', trainer, claims: claim, leaseMs, manifestHash }, at))
    }
    case 'TrainingProgressed':
      return withJob(state, d.jobId, (j) => renewed({ ...j, lastStep: event.data.step }, at))
    case 'CheckpointRecorded': {
      const { step, root } = event.data
      return withJob(state, d.jobId, (j) => renewed({ ...j, lastStep: step, checkpoints: [...j.checkpoints, { step, root, sequence }] }, at))
    }
    case 'EvaluationRecorded': {
      const { metrics, passed, rubric } = event.data
      return withJob(state, d.jobId, (j) => {
        const judged = j.checkpoints[j.checkpoints.length - 1]
        const evaluations = judged === undefined ? j.evaluations : [...j.evaluations, { checkpoint: judged.root, passed, sequence }]
        return renewed({ ...j, evaluation: { metrics, passed, rubric }, evaluations }, at)
      })
    }
    case 'AttributionRecorded': {
      const scores = new Map(event.data.scores.map((s) => [s.contributionId, s.score] as const))
      const next = withJob(state, d.jobId, (j) => renewed({ ...j, attributed: true, attribution: scores }, at))
      return { ...next, attribution: new Map(next.attribution).set(event.data.mandateId, scores) }
    }
    case 'TrainingCompleted':
      return withJob(state, d.jobId, (j) => ({ ...j, status: 'completed' }))
    case 'TrainingFailed':
      return withJob(state, d.jobId, (j) => ({ ...j, status: 'failed' }))
  }
}

const TRAINING_TYPES: ReadonlySet<string> = new Set([
  'TrainingRequested',
  'TrainingJobClaimed',
  'TrainingProgressed',
  'CheckpointRecorded',
  'EvaluationRecorded',
  'AttributionRecorded',
  'TrainingCompleted',
  'TrainingFailed',
])

export const isTrainingEvent = (event: { readonly type: string }): event is TrainingEvent => TRAINING_TYPES.has(event.type)

export function evolveTraining(state: TrainingState, recorded: Recorded<Seen>): TrainingState {
  const { event } = recorded
  if (event.type === 'DatasetVersionSealed') {
    const { datanetId, version, contributions, root } = (event as DataEventOf<'DatasetVersionSealed'>).data
    return { ...state, versions: new Map(state.versions).set(versionKey(datanetId, version), { contributions, root }) }
  }
  if (event.type === 'ContributionSubmitted') {
    const { contributionId, metadata } = (event as DataEventOf<'ContributionSubmitted'>).data
    const label = metadata.label ?? metadata.class
    return label === undefined ? state : { ...state, labels: new Map(state.labels).set(contributionId, label) }
  }
  if (!isTrainingEvent(event)) return state
  return evolveJob(state, event, recorded.sequence, toMs(recorded.recordedAt))
}
