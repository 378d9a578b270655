/**
 * Reproducing a recorded job: fold the log read-only, rebuild the manifest and check its hash
 * against the claim, re-materialize the data (verifying every blob and the root again), re-run
 * the executor in a scratch directory and compare each checkpoint's root with the one recorded at
 * the same step, the held-out metrics with the recorded evaluation (the ledger's agreement rule)
 * and the attribution with the recorded scores (exactly). Nothing is written to the ledger.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { economy, type EconomyState } from '../domain/economy/index.js'
import { agrees, evaluationOf, type Job } from '../domain/training/index.js'
import type { Metrics } from '../domain/training/values.js'
import type { BlobStore } from '../infrastructure/blobs/blob-store.js'
import type { StorageBackend } from '../infrastructure/store/backend.js'
import { materialize } from './dataset.js'
import type { Executor, ExecutorRun, RecordedCheckpointDir } from './executors/port.js'
import { hashCheckpointDir } from './hash-files.js'
import { manifestHash, manifestOf } from './manifest.js'
import { resolveInputs } from './inputs.js'

export interface StepCheck {
  readonly step: number
  readonly recorded: string | null
  readonly reproduced: string
}

export interface Reproduction {
  readonly manifestMatches: boolean
  readonly steps: readonly StepCheck[]
  /** The re-run's held-out metrics, and whether they agree with the final checkpoint's recorded evaluation (null: none recorded). */
  readonly metrics: Metrics
  readonly metricsMatch: boolean | null
  /** Whether the re-computed attribution equals the recorded one, score for score (null: none recorded or the executor computes none). */
  readonly attributionMatches: boolean | null
  readonly matches: boolean
}

export async function foldLog(backend: StorageBackend): Promise<EconomyState> {
  let state = economy.decider.initialState
  for (let from = 1; ; ) {
    const page = await backend.readRange(from, 1000)
    if (page.length === 0) return state
    for (const e of page) {
      const event = economy.parseEvent(e.type, e.data)
      if (event !== undefined) state = economy.decider.evolve(state, { event, sequence: e.sequence, recordedAt: e.recordedAt })
    }
    from = (page[page.length - 1] as { sequence: number }).sequence + 1
  }
}

export async function reproduce(state: EconomyState, jobId: string, blobs: Pick<BlobStore, 'stream'>, executors: ReadonlyMap<string, Executor>, onStep?: (check: StepCheck) => void): Promise<Reproduction> {
  const job = state.training.jobs.get(jobId)
  if (job === undefined) throw new Error(`no training job ${jobId} in the log`)
  const executor = executors.get(job.executor)
  if (executor === undefined) throw new Error(`job ${jobId} ran on ${job.executor}, which is not configured here`)
  const manifest = manifestOf(job, executor.codeVersion)
  const recorded = new Map(job.checkpoints.map((c) => [c.step, c.root]))
  const workDir = await mkdtemp(join(tmpdir(), 'model-ledger-reproduce-'))
  const steps: StepCheck[] = []
  const dirs: RecordedCheckpointDir[] = []
  let metrics: Metrics = {}
  let attributionMatches: boolean | null = null
  try {
    const examples = await materialize(job, state, blobs)
    const inputs = await resolveInputs(job, state, blobs, join(workDir, 'inputs'))
    const run: ExecutorRun = { manifest, examples, workDir, checkpointDir: (step: number) => join(workDir, 'checkpoints', `step-${String(step).padStart(10, '0')}`), resume: null, signal: new AbortController().signal, inputs }
    metrics = await executor.run(run, {
      progress: () => undefined,
      async checkpoint(step, dir) {
        const check = { step, recorded: recorded.get(step) ?? null, reproduced: (await hashCheckpointDir(dir)).root }
        steps.push(check)
        dirs.push({ step, dir })
        onStep?.(check)
      },
    })
    attributionMatches = await sameAttribution(job, executor, run, dirs)
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
  const manifestMatches = manifestHash(manifest) === job.manifestHash
  const allMatch = steps.length === job.checkpoints.length && steps.every((s) => s.recorded === s.reproduced)
  const metricsMatch = metricsAgree(state, job, metrics)
  return { manifestMatches, steps, metrics, metricsMatch, attributionMatches, matches: manifestMatches && allMatch && metricsMatch !== false && attributionMatches !== false }
}

/** The final checkpoint's recorded evaluation against the re-run's metrics, by the ledger's own agreement rule. */
function metricsAgree(state: EconomyState, job: Job, metrics: Metrics): boolean | null {
  const final = job.checkpoints[job.checkpoints.length - 1]
  const evaluation = final === undefined ? undefined : evaluationOf(job, final.root)
  if (evaluation === undefined) return null
  const tolerance = state.governance.genesis?.params.economics.attestationTolerance ?? { numerator: 0, denominator: 1 }
  return agrees(evaluation.metrics, evaluation.rubric, metrics, null, tolerance)
}

async function sameAttribution(job: Job, executor: Executor, run: ExecutorRun, dirs: readonly RecordedCheckpointDir[]): Promise<boolean | null> {
  if (job.attribution === null || executor.attribute === undefined) return null
  const { scores } = await executor.attribute(run, dirs)
  const recorded = job.attribution
  return scores.size === recorded.size && [...scores].every(([id, score]) => recorded.get(id) === score)
}
