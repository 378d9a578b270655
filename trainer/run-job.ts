/**
 * One job, start to end: claim with the manifest hash, materialize and verify the data, run the
 * executor (from the last recorded checkpoint, if any), hash and record each checkpoint, record
 * the evaluation and attribution, complete. Any failure after the claim is recorded as
 * TrainingFailed with its reason, so the log never shows a job silently abandoned.
 */
import { createReadStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { EconomyState } from '../domain/economy/state.js'
import type { Job } from '../domain/training/state.js'
import type { CheckpointFile, Metrics } from '../domain/training/values.js'
import { DatasetError, materialize, type Example } from './dataset.js'
import type { Executor, ExecutorRun, RecordedCheckpointDir } from './executors/port.js'
import { hashCheckpointDir } from './hash-files.js'
import { resolveInputs } from './inputs.js'
import { mustSubmit, type TrainerLedger } from './ledger.js'
import { runFacts, type LineageSink } from './lineage.js'
import { manifestHash, manifestOf, type Manifest } from './manifest.js'
import { throttled, type ProgressReport } from './progress.js'
import type { BlobStore } from '../infrastructure/blobs/blob-store.js'
import { inSpan } from '../infrastructure/tracing.js'

export interface JobDeps {
  readonly ledger: TrainerLedger
  /** Reads the dataset's blobs; each recorded checkpoint's files are published here, so attesters can fetch and re-check them. */
  readonly blobs: Pick<BlobStore, 'stream' | 'put'>
  readonly workRoot: string
  readonly leaseMs: number
  readonly progressMs: number
  readonly lineage: LineageSink
  readonly onProgress?: (job: Job, report: ProgressReport) => void
  /** A progress report the ledger did not take (it is best effort: the job goes on). */
  readonly onProgressError?: (error: unknown) => void
  readonly signal: AbortSignal
}

export type JobOutcome = 'completed' | 'failed' | 'lost-claim' | 'stopped'

export const jobDir = (workRoot: string, jobId: string): string => join(workRoot, jobId)
export const checkpointDirOf = (workRoot: string, jobId: string, step: number): string => join(jobDir(workRoot, jobId), 'checkpoints', `step-${String(step).padStart(10, '0')}`)

/** The last recorded checkpoint, if its files on disk still hash to the recorded root. */
async function resumePoint(job: Job, workRoot: string): Promise<RecordedCheckpointDir | null> {
  const last = job.checkpoints[job.checkpoints.length - 1]
  if (last === undefined) return null
  const dir = checkpointDirOf(workRoot, job.id, last.step)
  const { root } = await hashCheckpointDir(dir).catch(() => ({ root: '' }))
  if (root !== last.root) throw new Error(`the recorded checkpoint at step ${last.step} is missing or changed on disk`)
  return { step: last.step, dir }
}

async function prepareRun(job: Job, state: EconomyState, manifest: Manifest, deps: JobDeps): Promise<ExecutorRun> {
  const examples: Example[] = await materialize(job, state, deps.blobs)
  const workDir = jobDir(deps.workRoot, job.id)
  await mkdir(workDir, { recursive: true })
  await writeFile(join(workDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const resume = await resumePoint(job, deps.workRoot)
  const inputs = await resolveInputs(job, state, deps.blobs, join(workDir, 'inputs'))
  return { manifest, examples, workDir, checkpointDir: (step) => checkpointDirOf(deps.workRoot, job.id, step), resume, signal: deps.signal, inputs }
}

/** Every file of a checkpoint into the blob store, by the hash the log records (a file that changed since hashing is refused). */
async function publish(dir: string, files: readonly CheckpointFile[], blobs: Pick<BlobStore, 'put'>): Promise<void> {
  for (const f of files) await blobs.put(createReadStream(join(dir, f.path), { highWaterMark: 1 << 20 }), f.sha256)
}

async function execute(job: Job, run: ExecutorRun, executor: Executor, deps: JobDeps): Promise<{ metrics: Metrics; recorded: RecordedCheckpointDir[]; final: string }> {
  const recorded: RecordedCheckpointDir[] = job.checkpoints.map((c) => ({ step: c.step, dir: checkpointDirOf(deps.workRoot, job.id, c.step) }))
  let final = job.checkpoints[job.checkpoints.length - 1]?.root ?? ''
  // The log takes a bounded number of progress reports per job (genesis maxProgressReports): the rest go to onProgress only.
  const limit = (await deps.ledger.state()).governance.genesis?.params.economics.maxProgressReports ?? 0
  let left = limit - job.progressReports
  const report = throttled(deps.progressMs, (r) => {
    if (left <= 0) return
    left--
    // Never an unhandled rejection: a store closing or full under a report must not end the process.
    deps.ledger.submit({ type: 'ReportTrainingProgress', payload: { jobId: job.id, ...r } }).catch((error: unknown) => deps.onProgressError?.(error))
  })
  const metrics = await executor.run(run, {
    progress(step, totalSteps, m) {
      deps.onProgress?.(job, { step, totalSteps, metrics: m })
      report({ step, totalSteps, metrics: m })
    },
    async checkpoint(step, dir, m) {
      const { files, root } = await hashCheckpointDir(dir)
      await publish(dir, files, deps.blobs)
      await mustSubmit(deps.ledger, { type: 'RecordCheckpoint', payload: { jobId: job.id, step, files, root, metrics: m } })
      recorded.push({ step, dir })
      final = root
    },
  })
  return { metrics, recorded, final }
}

async function finish(job: Job, run: ExecutorRun, executor: Executor, deps: JobDeps): Promise<string> {
  const { metrics, recorded, final } = await execute(job, run, executor, deps)
  await mustSubmit(deps.ledger, { type: 'RecordEvaluation', payload: { jobId: job.id, split: 'held-out', metrics } })
  if (executor.attribute !== undefined) {
    const a = await executor.attribute(run, recorded)
    const roots = (await deps.ledger.state()).training.jobs.get(job.id)?.checkpoints.map((c) => c.root) ?? []
    const scores = [...a.scores].map(([contributionId, score]) => ({ contributionId, score }))
    await mustSubmit(deps.ledger, { type: 'RecordAttribution', payload: { jobId: job.id, method: a.method, checkpoints: roots, scores } })
  }
  await mustSubmit(deps.ledger, { type: 'CompleteTraining', payload: { jobId: job.id, finalCheckpoint: final } })
  return final
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/[\p{Cc}]/gu, ' ').slice(0, 200) || 'unknown error'

/** One training job, as a span (`training.job`) whose outcome is an attribute. */
export function runJob(job: Job, executor: Executor, deps: JobDeps): Promise<JobOutcome> {
  return inSpan('training.job', { 'ledger.job': job.id, 'ledger.mandate': job.mandateId, 'training.executor': job.executor }, async (span) => {
    const outcome = await runJobUntraced(job, executor, deps)
    span.setAttribute('training.outcome', outcome)
    return outcome
  })
}

async function runJobUntraced(job: Job, executor: Executor, deps: JobDeps): Promise<JobOutcome> {
  const manifest = manifestOf(job, executor.codeVersion)
  const claimed = await deps.ledger.submit({ type: 'ClaimTrainingJob', payload: { jobId: job.id, leaseMs: deps.leaseMs, manifestHash: manifestHash(manifest) } })
  if (!claimed.ok) return 'lost-claim'
  // Re-read after the claim: the checkpoints a previous holder recorded are where to resume from.
  const state = await deps.ledger.state()
  const current = state.training.jobs.get(job.id) ?? job
  const facts = runFacts(current, state, manifest, manifestHash(manifest))
  await deps.lineage.emit('START', current, { facts })
  try {
    const run = await prepareRun(current, state, manifest, deps)
    const final = await finish(current, run, executor, deps)
    await deps.lineage.emit('COMPLETE', (await deps.ledger.state()).training.jobs.get(job.id) ?? current, { checkpoint: final, facts })
    return 'completed'
  } catch (error) {
    // Stopping the trainer is not the job's failure: the lease runs out and it resumes later.
    if (deps.signal.aborted) return 'stopped'
    const reason = error instanceof DatasetError ? `dataset refused: ${reasonOf(error)}` : reasonOf(error)
    await deps.ledger.submit({ type: 'FailTraining', payload: { jobId: job.id, reason: reason.slice(0, 200) } })
    await deps.lineage.emit('FAIL', current, { reason, facts })
    return 'failed'
  }
}
