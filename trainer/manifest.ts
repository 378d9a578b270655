/**
 * The job manifest: everything that determines a run (dataset root, base model, hyperparameters,
 * seed, executor and its code version). Its hash is recorded with the claim, so a reproduction
 * knows exactly what to re-run, and two runs of one manifest must give the same checkpoints.
 */
import { jsonHash } from '../domain/economy/hash.js'
import type { Job } from '../domain/training/state.js'
import type { Hyperparameters } from '../domain/training/values.js'

export interface Manifest {
  readonly format: 'model-ledger/training-manifest@1'
  readonly jobId: string
  readonly mandateId: string
  readonly datasetVersion: number
  readonly datasetRoot: string
  readonly baseModel: string | null
  readonly executor: string
  readonly codeVersion: string
  readonly hyperparameters: Hyperparameters
  readonly seed: number
}

export function manifestOf(job: Job, codeVersion: string): Manifest {
  const { id: jobId, mandateId, datasetVersion, datasetRoot, baseModel, executor, hyperparameters, seed } = job
  return { format: 'model-ledger/training-manifest@1', jobId, mandateId, datasetVersion, datasetRoot, baseModel, executor, codeVersion, hyperparameters, seed }
}

export function manifestHash(manifest: Manifest): string {
  return jsonHash({ ...manifest, hyperparameters: { ...manifest.hyperparameters } })
}
