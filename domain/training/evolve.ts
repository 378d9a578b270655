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
import { put } from '../persistent.js'

type Seen = TrainingEvent | DataEventOf<'DatasetVersionSealed' | 'ContributionSubmitted'> | { readonly type: string }

function withJob(state: TrainingState, id: string, change: (job: Job) => Job): TrainingState {
  const job = state.jobs.get(id)
  return job === undefined ? state : { ...state, jobs: put(state.jobs, id, change(job)) }
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
    trainers: [],
    progressReports: 0,
    manifestHash: null,
    leaseMs: 0,
    leaseUntil: 0,
    checkpoints: [],
    evaluation: null,
    evaluations: [],
    attributed: false,
    attribution: null,
    lastStep: 0,
    attestations: new Map(),
  }
}

function attested(job: Job, e: TrainingEventOf<'EvaluationAttested'>['data'], sequence: number, at: number): Job {
  const current = job.attestations.get(e.checkpoint) ?? { evaluationSequence: e.evaluationSequence, byAttester: new Map(), settled: null }
  const byAttester = put(current.byAttester, e.attester, { agrees: e.agrees, stake: e.stake, sequence, at })
  return { ...job, attestations: put(job.attestations, e.checkpoint, { ...current, byAttester }) }
}

function settled(job: Job, e: TrainingEventOf<'EvaluationSettled'>['data']): Job {
  const current = job.attestations.get(e.checkpoint)
  if (current === undefined) return job
  return { ...job, attestations: put(job.attestations, e.checkpoint, { ...current, settled: e.outcome }) }
}

function evolveJob(state: TrainingState, event: TrainingEvent, sequence: number, at: number): TrainingState {
  const d = event.data
  switch (event.type) {
    case 'TrainingRequested':
      return { ...state, jobs: put(state.jobs, d.jobId, requested(event.data)) }
    case 'TrainingJobClaimed': {
      const { trainer, claim, leaseMs, manifestHash } = event.data
      return withJob(state, d.jobId, (j) => {
        const trainers = j.trainers.includes(trainer) ? j.trainers : [...j.trainers, trainer]
        return renewed({ ...j, status: 'claimed', trainer, trainers, claims: claim, leaseMs, manifestHash }, at)
      })
    }
    case 'TrainingProgressed':
      return withJob(state, d.jobId, (j) => renewed({ ...j, lastStep: event.data.step, progressReports: j.progressReports + 1 }, at))
    case 'CheckpointRecorded': {
      const { step, root, files } = event.data
      return withJob(state, d.jobId, (j) => renewed({ ...j, lastStep: step, checkpoints: [...j.checkpoints, { step, root, sequence, files }] }, at))
    }
    case 'EvaluationRecorded': {
      const { metrics, passed, rubric, split } = event.data
      return withJob(state, d.jobId, (j) => {
        const judged = j.checkpoints[j.checkpoints.length - 1]
        const entry = { checkpoint: judged?.root ?? '', passed, sequence, trainer: j.trainer ?? '', at, split, metrics, rubric }
        const evaluations = judged === undefined ? j.evaluations : [...j.evaluations, entry]
        return renewed({ ...j, evaluation: { metrics, passed, rubric }, evaluations }, at)
      })
    }
    case 'AttributionRecorded': {
      const scores = new Map(event.data.scores.map((s) => [s.contributionId, s.score] as const))
      return withJob(state, d.jobId, (j) => renewed({ ...j, attributed: true, attribution: scores }, at))
    }
    case 'TrainingCompleted':
      return withJob(state, d.jobId, (j) => ({ ...j, status: 'completed' }))
    case 'TrainingFailed':
      return withJob(state, d.jobId, (j) => ({ ...j, status: 'failed' }))
    case 'EvaluationAttested':
      return withJob(state, d.jobId, (j) => attested(j, event.data, sequence, at))
    case 'EvaluationSettled': {
      // A job's attribution steers the mandate's reward map only once a quorum attested its evaluation.
      const next = withJob(state, d.jobId, (j) => settled(j, event.data))
      const job = next.jobs.get(d.jobId)
      if (event.data.outcome !== 'attested' || job === undefined || job.attribution === null) return next
      return { ...next, attribution: put(next.attribution, job.mandateId, job.attribution) }
    }
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
  'EvaluationAttested',
  'EvaluationSettled',
])

export const isTrainingEvent = (event: { readonly type: string }): event is TrainingEvent => TRAINING_TYPES.has(event.type)

export function evolveTraining(state: TrainingState, recorded: Recorded<Seen>): TrainingState {
  const { event } = recorded
  if (event.type === 'DatasetVersionSealed') {
    const { datanetId, version, contributions, root } = (event as DataEventOf<'DatasetVersionSealed'>).data
    return { ...state, versions: put(state.versions, versionKey(datanetId, version), { contributions, root }) }
  }
  if (event.type === 'ContributionSubmitted') {
    const { contributionId, metadata } = (event as DataEventOf<'ContributionSubmitted'>).data
    const label = metadata.label ?? metadata.class
    return label === undefined ? state : { ...state, labels: put(state.labels, contributionId, label) }
  }
  if (!isTrainingEvent(event)) return state
  return evolveJob(state, event, recorded.sequence, toMs(recorded.recordedAt))
}
