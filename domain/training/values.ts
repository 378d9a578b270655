/** Value codecs of training jobs: files, metrics, hyperparameters, attribution scores. */
import * as t from 'io-ts'
import { closed, Hex32, integer, pattern } from '../codec.js'
import { FiniteC, LabelC } from '../governance/values.js'

export const JobIdC = pattern('training job id (64 hex)', /^[0-9a-f]{64}$/)
/** `reference` (built in) or `process:<name>`, a command the trainer's operator configured: a request never names a program to run. */
export const ExecutorC = pattern('executor (reference | process:<name>)', /^(?:reference|process:[a-z0-9][a-z0-9_.-]{0,63})$/)
const NameC = pattern('name', /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/)
/** Named numbers: reported metrics, at most 32. */
export const MetricsC = t.refinement(t.record(NameC, FiniteC), (m) => Object.keys(m).length <= 32, 'Metrics (up to 32 name: number)')
export type Metrics = t.TypeOf<typeof MetricsC>
/** Hyperparameters: named numbers or labels, at most 32. */
export const HyperparametersC = t.refinement(t.record(NameC, t.union([FiniteC, LabelC])), (m) => Object.keys(m).length <= 32, 'Hyperparameters (up to 32)')
export type Hyperparameters = t.TypeOf<typeof HyperparametersC>

/** A relative path inside a checkpoint directory: no leading slash, no `..`. */
export const FilePathC = pattern('checkpoint file path', /^(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_.-][A-Za-z0-9_./-]{0,199}$/)
export const CheckpointFileC = closed({ path: FilePathC, sha256: Hex32, bytes: integer('bytes', 0) }, 'CheckpointFile')
export type CheckpointFile = t.TypeOf<typeof CheckpointFileC>
export const CheckpointFilesC = t.refinement(t.array(CheckpointFileC), (files) => files.length > 0 && files.length <= 256 && new Set(files.map((f) => f.path)).size === files.length, 'checkpoint files (1-256, distinct paths)')

export const ScoreEntryC = closed({ contributionId: Hex32, score: integer('score', 0) }, 'AttributionScore')
/** Attribution scores always sum to this, so epochs compare across jobs and datasets. */
export const ATTRIBUTION_TOTAL = 1_000_000
export const AttributionMethodC = LabelC
