/**
 * A sanity check of the TracIn attribution: retraining without the highest-attributed training
 * examples hurts the held-out loss more than retraining without the lowest-attributed ones. The
 * held-out split depends only on ids, so both retrainings are judged on the same examples.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Example } from '../../trainer/dataset.js'
import type { ExecutorRun, RecordedCheckpointDir } from '../../trainer/executors/port.js'
import { referenceExecutor } from '../../trainer/executors/reference/executor.js'
import type { Manifest } from '../../trainer/manifest.js'
import { syntheticItems } from './fixture.js'

const root = mkdtempSync(join(tmpdir(), 'attribution-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const HP = { epochs: 6, checkpointEvery: 1, lr: 0.5 }

const manifest = (name: string): Manifest => ({
  format: 'model-ledger/training-manifest@1',
  jobId: name.padEnd(64, '0').slice(0, 64),
  mandateId: '0'.repeat(64),
  datasetVersion: 1,
  datasetRoot: '0'.repeat(64),
  baseModel: null,
  executor: 'reference',
  codeVersion: referenceExecutor.codeVersion,
  hyperparameters: HP,
  seed: 3,
})

async function train(name: string, examples: readonly Example[]) {
  const workDir = join(root, name)
  const run: ExecutorRun = { manifest: manifest(name), examples, workDir, checkpointDir: (step) => join(workDir, `step-${step}`), resume: null, signal: new AbortController().signal }
  const checkpoints: RecordedCheckpointDir[] = []
  const metrics = await referenceExecutor.run(run, { progress: () => undefined, checkpoint: async (step, dir) => void checkpoints.push({ step, dir }) })
  return { run, checkpoints, metrics }
}

describe('TracIn attribution', () => {
  it('ranks examples so that dropping the top hurts held-out loss more than dropping the bottom', async () => {
    const examples: Example[] = syntheticItems(90, 15).map((item) => ({ ...item, contributionId: createHash('sha256').update(item.text).digest('hex') }))
    const full = await train('full', examples)
    const scores = (await referenceExecutor.attribute?.(full.run, full.checkpoints))?.scores ?? new Map<string, number>()
    const ranked = [...scores].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([id]) => id)
    const k = 12
    const without = (drop: readonly string[]) => examples.filter((e) => !drop.includes(e.contributionId))
    const noTop = await train('no-top', without(ranked.slice(0, k)))
    const noBottom = await train('no-bottom', without(ranked.slice(-k)))
    expect(noTop.metrics.eval_loss).toBeGreaterThan(noBottom.metrics.eval_loss as number)
    expect(noTop.metrics.eval_examples).toBe(noBottom.metrics.eval_examples)
  })
})
