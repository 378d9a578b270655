/**
 * The trainer's figures, in one run: the reference executor's training speed (example-steps/s),
 * streaming checkpoint hashing beside raw node:crypto SHA-256 over the same bytes in memory, and
 * the ledger's overhead around a job (claim, dataset verification, checkpoint hashing and
 * recording, evaluation, attribution, completion) as the ratio of a whole job through the trainer
 * to the executor alone (training and attribution) on the same examples and manifest.
 * `npx tsx bench/trainer.ts [--examples N] [--epochs E] [--mb M]`.
 */
import { createHash, randomBytes } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { hashFile } from '../trainer/hash-files.js'
import { referenceExecutor } from '../trainer/executors/reference/executor.js'
import type { ExecutorRun } from '../trainer/executors/port.js'
import { materialize } from '../trainer/dataset.js'
import { manifestOf } from '../trainer/manifest.js'
import { requestTraining, seedDataDir, syntheticItems } from '../test/trainer/fixture.js'
import { openTrainer } from '../test/trainer/support.js'
import { numberArg } from './stats.js'

const EXAMPLES = numberArg('--examples', 400)
const EPOCHS = numberArg('--epochs', 20)
const MB = numberArg('--mb', 256)

async function hashing(dir: string): Promise<void> {
  const bytes = randomBytes(MB * 1024 * 1024)
  const path = join(dir, 'checkpoint.bin')
  writeFileSync(path, bytes)
  let t = performance.now()
  const streamed = await hashFile(path)
  const streamMs = performance.now() - t
  t = performance.now()
  const raw = createHash('sha256').update(bytes).digest('hex')
  const rawMs = performance.now() - t
  if (raw !== streamed.sha256) throw new Error('hashes differ')
  console.log(`checkpoint hashing (${MB} MB): streamed from disk ${(MB / (streamMs / 1000)).toFixed(0)} MB/s; raw node:crypto in memory ${(MB / (rawMs / 1000)).toFixed(0)} MB/s`)
}

async function main(): Promise<void> {
  const seeded = await seedDataDir(syntheticItems(EXAMPLES))
  const hp = { epochs: EPOCHS, checkpointEvery: Math.max(1, Math.floor(EPOCHS / 4)) }
  try {
    const jobId = await requestTraining(seeded.dir, seeded.mandateId, hp)
    const t = await openTrainer(seeded.dir)
    const state = await t.deps.ledger.state()
    const job = state.training.jobs.get(jobId)
    if (job === undefined) throw new Error('no job')
    const examples = await materialize(job, state, t.deps.blobs)
    const scratch = join(seeded.dir, 'scratch')
    const run: ExecutorRun = { manifest: manifestOf(job, referenceExecutor.codeVersion), examples, workDir: scratch, checkpointDir: (s) => join(scratch, `s${s}`), resume: null, signal: new AbortController().signal }
    let start = performance.now()
    const dirs: { step: number; dir: string }[] = []
    const metrics = await referenceExecutor.run(run, { progress: () => undefined, checkpoint: async (step, dir) => void dirs.push({ step, dir }) })
    const trainMs = performance.now() - start
    // The executor's own work on a job includes the attribution pass, so it is not counted as the ledger's.
    await referenceExecutor.attribute?.(run, dirs)
    const executorMs = performance.now() - start
    const steps = (metrics.train_examples ?? 0) * EPOCHS
    console.log(`reference executor: ${EXAMPLES} examples (${metrics.train_examples} train), ${EPOCHS} epochs: ${(steps / (executorMs / 1000)).toFixed(0)} example-steps/s (${trainMs.toFixed(0)} ms; with TracIn over ${dirs.length} checkpoints ${executorMs.toFixed(0)} ms)`)
    start = performance.now()
    const outcome = await t.trainer.runOnce()
    const jobMs = performance.now() - start
    await t.close()
    console.log(`whole job through the trainer (${outcome.get(jobId)}): ${jobMs.toFixed(0)} ms; ledger overhead ratio ${(jobMs / executorMs).toFixed(2)}× the executor alone (+${(jobMs - executorMs).toFixed(0)} ms)`)
    await hashing(seeded.dir)
  } finally {
    rmSync(seeded.dir, { recursive: true, force: true })
  }
}

await main()
