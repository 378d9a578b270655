/**
 * Attesting a recorded evaluation: fetch the checkpoint's files from the blob store (each checked
 * against its hash as it streams) and check them against the recorded root, materialize and verify
 * the dataset, re-run the evaluation on the held-out split with the job's executor, and compare.
 * What comes out is the payload of an `AttestEvaluation`; the ledger judges the agreement.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EconomyState } from '../domain/economy/state.js'
import { agrees, evaluationOf, type Job } from '../domain/training/index.js'
import type { Metrics } from '../domain/training/values.js'
import type { BlobStore } from '../infrastructure/blobs/blob-store.js'
import { materialize } from './dataset.js'
import type { Executor } from './executors/port.js'
import { fetchCheckpointFiles, resolveInputs } from './inputs.js'
import { manifestOf } from './manifest.js'

export interface AttestationPayload {
  readonly jobId: string
  readonly checkpoint: string
  readonly split: string
  readonly metrics: Metrics
  readonly reproduced: boolean | null
}

export interface EvaluationCheck {
  readonly attestation: AttestationPayload
  /** The trainer's recorded metrics, and whether the re-run agrees with them by the ledger's own rule. */
  readonly recorded: Metrics
  readonly agrees: boolean
}

async function fetchCheckpoint(job: Job, root: string, blobs: Pick<BlobStore, 'stream'>, dir: string): Promise<void> {
  const recorded = job.checkpoints.find((k) => k.root === root)
  if (recorded === undefined) throw new Error(`job ${job.id} recorded no checkpoint ${root}`)
  await fetchCheckpointFiles(recorded.files, root, blobs, dir)
}

/**
 * Re-runs the evaluation of the job's checkpoint (default: the final one) and says what to attest.
 * `reproduced` is what a full re-run found (trainer/reproduce.ts), or null when none was run.
 */
export async function checkEvaluation(
  state: EconomyState,
  jobId: string,
  blobs: Pick<BlobStore, 'stream'>,
  executors: ReadonlyMap<string, Executor>,
  options: { checkpoint?: string; reproduced?: boolean | null } = {},
): Promise<EvaluationCheck> {
  const job = state.training.jobs.get(jobId)
  if (job === undefined) throw new Error(`no training job ${jobId} in the log`)
  const checkpoint = options.checkpoint ?? job.checkpoints[job.checkpoints.length - 1]?.root
  if (checkpoint === undefined) throw new Error(`job ${jobId} recorded no checkpoint`)
  const evaluation = evaluationOf(job, checkpoint)
  if (evaluation === undefined) throw new Error(`no evaluation of checkpoint ${checkpoint} was recorded`)
  const executor = executors.get(job.executor)
  if (executor?.evaluate === undefined) throw new Error(`job ${jobId} ran on ${job.executor}, which cannot re-run an evaluation here`)
  const workDir = await mkdtemp(join(tmpdir(), 'model-ledger-attest-'))
  try {
    const dir = join(workDir, 'checkpoint')
    await fetchCheckpoint(job, checkpoint, blobs, dir)
    const examples = await materialize(job, state, blobs)
    const inputs = await resolveInputs(job, state, blobs, join(workDir, 'inputs'))
    const run = { manifest: manifestOf(job, executor.codeVersion), examples, workDir, checkpointDir: (step: number) => join(workDir, 'checkpoints', `step-${String(step).padStart(10, '0')}`), resume: null, signal: new AbortController().signal, inputs }
    const metrics = await executor.evaluate(run, dir)
    const reproduced = options.reproduced ?? null
    const tolerance = state.governance.genesis?.params.economics.attestationTolerance ?? { numerator: 0, denominator: 1 }
    return {
      attestation: { jobId, checkpoint, split: evaluation.split, metrics, reproduced },
      recorded: evaluation.metrics,
      agrees: agrees(evaluation.metrics, evaluation.rubric, metrics, reproduced, tolerance),
    }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}
