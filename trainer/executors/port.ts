/**
 * The executor port: what runs the training itself. The trainer hands it the manifest, the
 * verified examples, a work directory and (on resume) the last recorded checkpoint; the executor
 * reports progress and finished checkpoint directories, which the trainer hashes and records
 * before the executor goes on, and returns the held-out metrics.
 */
import type { Manifest } from '../manifest.js'
import type { Example } from '../dataset.js'
import type { Metrics } from '../../domain/training/values.js'

export interface RecordedCheckpointDir {
  readonly step: number
  readonly dir: string
}

/** A recorded checkpoint fetched from the blob store into `dir`, whose files hash to `root`. */
export interface FetchedCheckpoint {
  readonly root: string
  readonly dir: string
}

/**
 * What the manifest names besides the dataset, fetched and verified before the run (trainer/inputs.ts):
 * the base model (`baseModel` = `checkpoint:<root>`, a checkpoint recorded in the log) and the
 * preference pairs of a preference dataset version (hyperparameter `preferenceVersion`), as JSON lines.
 */
export interface RunInputs {
  readonly base: FetchedCheckpoint | null
  readonly preferences: string | null
}

export interface ExecutorRun {
  readonly manifest: Manifest
  readonly examples: readonly Example[]
  /** Where the executor writes; checkpoints go to `checkpointDir(step)`. */
  readonly workDir: string
  readonly checkpointDir: (step: number) => string
  readonly resume: RecordedCheckpointDir | null
  readonly signal: AbortSignal
  /** Absent: the run names no inputs beyond its dataset (or the executor resolves its own). */
  readonly inputs?: RunInputs
}

export interface ExecutorListener {
  progress(step: number, totalSteps: number, metrics: Metrics): void
  /** Resolves once the checkpoint is hashed and recorded: the executor must not touch the directory after. */
  checkpoint(step: number, dir: string, metrics: Metrics): Promise<void>
}

export interface Attribution {
  readonly method: string
  readonly scores: ReadonlyMap<string, number>
}

export interface Executor {
  readonly name: string
  /** Goes into the manifest: a new version means different checkpoints are expected. */
  readonly codeVersion: string
  run(run: ExecutorRun, listener: ExecutorListener): Promise<Metrics>
  /** The held-out metrics of a recorded checkpoint (what the run's `done` reported for its final one): how an attester re-checks an evaluation; absent when the executor cannot. */
  evaluate?(run: ExecutorRun, checkpointDir: string): Promise<Metrics>
  /** Influence of each training contribution on the held-out loss, from the recorded checkpoints; absent when the executor cannot tell. */
  attribute?(run: ExecutorRun, checkpoints: readonly RecordedCheckpointDir[]): Promise<Attribution>
}
