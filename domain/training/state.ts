/** What the training rules remember: sealed dataset versions, jobs, and each mandate's latest attested attribution. */
import type { Rubric } from './rubric.js'
import type { CheckpointFile, Hyperparameters, Metrics } from './values.js'

export interface SealedVersion {
  readonly contributions: readonly string[]
  readonly root: string
}

export type JobStatus = 'requested' | 'claimed' | 'completed' | 'failed'

export interface Checkpoint {
  readonly step: number
  readonly root: string
  readonly sequence: number
  /** The files the root commits to: what an attester fetches from the blob store. */
  readonly files: readonly CheckpointFile[]
}

export interface JudgedCheckpoint {
  readonly checkpoint: string
  readonly passed: boolean
  readonly sequence: number
  /** Who recorded it (the lease holder then), when (ms), on which split, with what metrics: what attesters check and a contradiction slashes. */
  readonly trainer: string
  readonly at: number
  readonly split: string
  readonly metrics: Metrics
  readonly rubric: Rubric
}

export interface Attestation {
  readonly agrees: boolean
  /** The attester's validator stake when it attested: the base of a minority penalty. */
  readonly stake: bigint
  readonly sequence: number
  readonly at: number
}

/** The attestations of one checkpoint's evaluation, and the outcome once settled. */
export interface Attestations {
  readonly evaluationSequence: number
  readonly byAttester: ReadonlyMap<string, Attestation>
  readonly settled: 'attested' | 'contradicted' | null
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
  /** Every key that ever claimed the job: none of them may attest it. */
  readonly trainers: readonly string[]
  /** TrainingProgressed events recorded for the job (bounded by `maxProgressReports`). */
  readonly progressReports: number
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
  /** Checkpoint root → the attestations of its evaluation. */
  readonly attestations: ReadonlyMap<string, Attestations>
}

export interface TrainingState {
  /** `datanetId:version` → the sealed version. */
  readonly versions: ReadonlyMap<string, SealedVersion>
  readonly jobs: ReadonlyMap<string, Job>
  /** Per mandate, the attribution of its latest job whose evaluation a quorum attested: contribution id → score. */
  readonly attribution: ReadonlyMap<string, ReadonlyMap<string, number>>
  /** A contribution's label (its `label` or `class` metadata), what a classifier learns from it. */
  readonly labels: ReadonlyMap<string, string>
}

export const initialTrainingState: TrainingState = { versions: new Map(), jobs: new Map(), attribution: new Map(), labels: new Map() }

export const versionKey = (datanetId: string, version: number): string => `${datanetId}:${version}`

/** The checkpoint's evaluation: the last one recorded while it was the job's latest checkpoint. */
export function evaluationOf(job: Job, checkpoint: string): JudgedCheckpoint | undefined {
  return job.evaluations.filter((e) => e.checkpoint === checkpoint).at(-1)
}

/** The sequence of the checkpoint's evaluation, if it passed the rubric. */
export function passedEvaluation(job: Job, checkpoint: string): number | undefined {
  const evaluation = evaluationOf(job, checkpoint)
  return evaluation?.passed === true ? evaluation.sequence : undefined
}

/** Whether a quorum of attesters confirmed the checkpoint's evaluation and it was settled so. */
export function isAttested(job: Job, checkpoint: string): boolean {
  return job.attestations.get(checkpoint)?.settled === 'attested'
}
