/** What the training rules remember: sealed dataset versions, jobs, and each mandate's latest attribution. */
import type { Rubric } from './rubric.js'
import type { Hyperparameters, Metrics } from './values.js'

export interface SealedVersion {
  readonly contributions: readonly string[]
  readonly root: string
}

export type JobStatus = 'requested' | 'claimed' | 'completed' | 'failed'

export interface Checkpoint {
  readonly step: number
  readonly root: string
  readonly sequence: number
}

export interface JudgedCheckpoint {
  readonly checkpoint: string
  readonly passed: boolean
  readonly sequence: number
}

export interface Job {
  readonly id: string
  readonly mandateId: string
  readonly requester: string
  readonly datasetVersion: number
  readonly datasetRoot: string
  readonly baseModel: string | null
  readonly executor: string
  readonly hyperparameters: Hyperparameters
  readonly seed: number
  readonly status: JobStatus
  readonly trainer: string | null
  readonly claims: number
  readonly manifestHash: string | null
  readonly leaseMs: number
  /** When the lease ends, in ledger ms: every event the holder records renews it. */
  readonly leaseUntil: number
  readonly checkpoints: readonly Checkpoint[]
  readonly evaluation: { readonly metrics: Metrics; readonly passed: boolean; readonly rubric: Rubric } | null
  /** Every evaluation, with the checkpoint that was the job's latest when it was recorded: what it judged. */
  readonly evaluations: readonly JudgedCheckpoint[]
  readonly attributed: boolean
  /** The job's own attribution (contribution id → score), once recorded. */
  readonly attribution: ReadonlyMap<string, number> | null
  readonly lastStep: number
}

export interface TrainingState {
  /** `datanetId:version` → the sealed version. */
  readonly versions: ReadonlyMap<string, SealedVersion>
  readonly jobs: ReadonlyMap<string, Job>
  /** Per mandate, the latest recorded attribution: contribution id → score. */
  readonly attribution: ReadonlyMap<string, ReadonlyMap<string, number>>
  /** A contribution's label (its `label` or `class` metadata), what a classifier learns from it. */
  readonly labels: ReadonlyMap<string, string>
}

export const initialTrainingState: TrainingState = { versions: new Map(), jobs: new Map(), attribution: new Map(), labels: new Map() }

export const versionKey = (datanetId: string, version: number): string => `${datanetId}:${version}`

/** The sequence of the evaluation that passed this checkpoint of the job, if one did. */
export function passedEvaluation(job: Job, checkpoint: string): number | undefined {
  return job.evaluations.find((e) => e.passed && e.checkpoint === checkpoint)?.sequence
}
