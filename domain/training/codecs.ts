/** Training commands and events: request, claim (a lease), progress, checkpoints, evaluation, attribution, the end. */
import * as t from 'io-ts'
import { commandCodec as command, eventCodec as event, Hex32, integer } from '../codec.js'
import { AmountC } from '../governance/amounts.js'
import { FiniteC, KeyC, LabelC, ProposalIdC, RubricC } from '../governance/values.js'
import {
  AttributionMethodC,
  CheckpointFilesC,
  ExecutorC,
  HyperparametersC,
  JobIdC,
  MetricsC,
  ScoreEntryC,
} from './values.js'

const LeaseMsC = integer('lease (ms)', 1_000, 24 * 60 * 60 * 1000)
const StepC = integer('step', 0)

/** Signed by the mandate's proposer: train on a sealed version of the mandate's datanet. */
export const RequestTrainingC = command('RequestTraining', {
  mandateId: ProposalIdC,
  datasetVersion: integer('dataset version', 1),
  baseModel: t.union([LabelC, t.null]),
  executor: ExecutorC,
  hyperparameters: HyperparametersC,
  seed: integer('seed', 0, 2 ** 32 - 1),
})
/** The manifest hash commits the trainer to exactly what it will run before it runs it. */
export const ClaimTrainingJobC = command('ClaimTrainingJob', { jobId: JobIdC, leaseMs: LeaseMsC, manifestHash: Hex32 })
export const ReportTrainingProgressC = command('ReportTrainingProgress', { jobId: JobIdC, step: StepC, totalSteps: StepC, metrics: MetricsC })
export const RecordCheckpointC = command('RecordCheckpoint', { jobId: JobIdC, step: StepC, files: CheckpointFilesC, root: Hex32, metrics: MetricsC })
export const RecordEvaluationC = command('RecordEvaluation', { jobId: JobIdC, split: LabelC, metrics: MetricsC })
export const RecordAttributionC = command('RecordAttribution', { jobId: JobIdC, method: AttributionMethodC, checkpoints: t.array(Hex32), scores: t.array(ScoreEntryC) })
export const CompleteTrainingC = command('CompleteTraining', { jobId: JobIdC, finalCheckpoint: Hex32 })
export const FailTrainingC = command('FailTraining', { jobId: JobIdC, reason: LabelC })
/**
 * Signed by a staked validator who re-ran the evaluation of a completed job's checkpoint (files
 * fetched from the blob store and checked against the root) on the held-out split: the metrics it
 * got, and, when it re-ran the whole job, whether that reproduced the log (null: not attempted).
 */
export const AttestEvaluationC = command('AttestEvaluation', { jobId: JobIdC, checkpoint: Hex32, split: LabelC, metrics: MetricsC, reproduced: t.union([t.boolean, t.null]) })
/** Anyone, once a quorum of attestations agrees or disagrees: the outcome, with slashes for the contradicted. */
export const SettleEvaluationC = command('SettleEvaluation', { jobId: JobIdC, checkpoint: Hex32 })

export const TRAINING_COMMAND_CODECS = [
  RequestTrainingC,
  ClaimTrainingJobC,
  ReportTrainingProgressC,
  RecordCheckpointC,
  RecordEvaluationC,
  RecordAttributionC,
  CompleteTrainingC,
  FailTrainingC,
  AttestEvaluationC,
  SettleEvaluationC,
] as const
export type TrainingRequest = t.TypeOf<(typeof TRAINING_COMMAND_CODECS)[number]>
export type TrainingCommand = TrainingRequest & { readonly actor: string }

export const TrainingRequestedC = event('TrainingRequested', {
  jobId: JobIdC,
  mandateId: ProposalIdC,
  requester: KeyC,
  datasetVersion: integer('dataset version', 1),
  datasetRoot: Hex32,
  baseModel: t.union([LabelC, t.null]),
  executor: ExecutorC,
  hyperparameters: HyperparametersC,
  seed: integer('seed', 0, 2 ** 32 - 1),
})
export const TrainingJobClaimedC = event('TrainingJobClaimed', { jobId: JobIdC, trainer: KeyC, claim: integer('claim', 1), leaseMs: LeaseMsC, manifestHash: Hex32 })
export const TrainingProgressedC = event('TrainingProgressed', { jobId: JobIdC, step: StepC, totalSteps: StepC, metrics: MetricsC })
export const CheckpointRecordedC = event('CheckpointRecorded', { jobId: JobIdC, step: StepC, files: CheckpointFilesC, root: Hex32, totalBytes: integer('total bytes', 0), metrics: MetricsC })
export const EvaluationRecordedC = event('EvaluationRecorded', {
  jobId: JobIdC,
  mandateId: ProposalIdC,
  split: LabelC,
  metrics: MetricsC,
  rubric: RubricC,
  value: t.union([FiniteC, t.null]),
  passed: t.boolean,
})
export const AttributionRecordedC = event('AttributionRecorded', { jobId: JobIdC, mandateId: ProposalIdC, method: AttributionMethodC, checkpoints: t.array(Hex32), scores: t.array(ScoreEntryC) })
export const TrainingCompletedC = event('TrainingCompleted', { jobId: JobIdC, finalCheckpoint: Hex32, checkpoints: integer('checkpoints', 1) })
export const TrainingFailedC = event('TrainingFailed', { jobId: JobIdC, reason: LabelC })
const SequencesC = t.array(integer('sequence', 1))
/** `agrees` is the decider's judgement of the attested metrics against the recorded evaluation; `stake` the attester's validator stake then. */
export const EvaluationAttestedC = event('EvaluationAttested', {
  jobId: JobIdC,
  checkpoint: Hex32,
  evaluationSequence: integer('evaluation sequence', 1),
  attester: KeyC,
  split: LabelC,
  metrics: MetricsC,
  reproduced: t.union([t.boolean, t.null]),
  agrees: t.boolean,
  stake: AmountC,
})
export const EvaluationSettledC = event('EvaluationSettled', {
  jobId: JobIdC,
  checkpoint: Hex32,
  evaluationSequence: integer('evaluation sequence', 1),
  outcome: t.keyof({ attested: null, contradicted: null }),
  agreeing: SequencesC,
  disagreeing: SequencesC,
})

export const TRAINING_EVENT_CODECS = [
  TrainingRequestedC,
  TrainingJobClaimedC,
  TrainingProgressedC,
  CheckpointRecordedC,
  EvaluationRecordedC,
  AttributionRecordedC,
  TrainingCompletedC,
  TrainingFailedC,
  EvaluationAttestedC,
  EvaluationSettledC,
] as const
export type TrainingEvent = t.TypeOf<(typeof TRAINING_EVENT_CODECS)[number]>
export type TrainingEventOf<T extends TrainingEvent['type']> = Extract<TrainingEvent, { type: T }>

export const trainingStream = (jobId: string): string => `training-${jobId}`
