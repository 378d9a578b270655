/**
 * The reference executor: the softmax classifier trained by plain SGD in TypeScript on the CPU.
 * Everything is a function of the manifest (the seed decides each epoch's order, checkpoints fall
 * on epoch boundaries), so the same manifest gives bit-identical checkpoints, and a run resumed
 * from a recorded checkpoint continues exactly as an unbroken run would have.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Metrics } from '../../../domain/training/values.js'
import type { Attribution, Executor, ExecutorListener, ExecutorRun, RecordedCheckpointDir } from '../port.js'
import { loadModel, saveModel } from './checkpoint-io.js'
import { referenceParams, type ReferenceParams } from './hyperparameters.js'
import { emptyModel, evaluate, sgdStep, type Model } from './model.js'
import { epochOrder } from './rng.js'
import { prepare, type Prepared } from './split.js'
import { normalize, tracin, TRACIN_METHOD } from './tracin.js'

export const REFERENCE_CODE_VERSION = 'reference-softmax@1'

async function startingPoint(run: ExecutorRun, data: Prepared, p: ReferenceParams): Promise<{ model: Model; epoch: number }> {
  if (run.resume === null) return { model: emptyModel(data.classes, p.dims + 1), epoch: 0 }
  return loadModel(run.resume.dir)
}

function trainEpoch(model: Model, data: Prepared, p: ReferenceParams, seed: number, epoch: number): number {
  let loss = 0
  for (const i of epochOrder(data.train.length, seed, epoch)) loss += sgdStep(model, data.train[i] as Prepared['train'][number], p.lr)
  return data.train.length === 0 ? 0 : loss / data.train.length
}

async function train(run: ExecutorRun, listener: ExecutorListener): Promise<Metrics> {
  const p = referenceParams(run.manifest.hyperparameters)
  const data = prepare(run.examples, p.dims, p.holdOutEvery)
  const { model, epoch: start } = await startingPoint(run, data, p)
  const perEpoch = data.train.length
  for (let epoch = start; epoch < p.epochs; epoch++) {
    run.signal.throwIfAborted()
    const trainLoss = trainEpoch(model, data, p, run.manifest.seed, epoch)
    const done = epoch + 1
    listener.progress(done * perEpoch, p.epochs * perEpoch, { epoch: done, train_loss: trainLoss })
    if (done % p.checkpointEvery === 0 || done === p.epochs) {
      const dir = run.checkpointDir(done * perEpoch)
      await saveModel(model, done, dir)
      await listener.checkpoint(done * perEpoch, dir, { epoch: done, train_loss: trainLoss, ...evaluate(model, data.eval) })
    }
    // Yield to the event loop every epoch, so cancellation and progress timers get their turn.
    await sleep(p.pauseMs)
  }
  return heldOutMetrics(model, data)
}

const heldOutMetrics = (model: Model, data: Prepared): Metrics => ({ ...evaluate(model, data.eval), eval_examples: data.eval.length, train_examples: data.train.length })

/** The same held-out metrics for a checkpoint read back from its files: an attester's re-run of the evaluation. */
async function evaluateCheckpoint(run: ExecutorRun, checkpointDir: string): Promise<Metrics> {
  const p = referenceParams(run.manifest.hyperparameters)
  return heldOutMetrics((await loadModel(checkpointDir)).model, prepare(run.examples, p.dims, p.holdOutEvery))
}

async function attribute(run: ExecutorRun, checkpoints: readonly RecordedCheckpointDir[]): Promise<Attribution> {
  const p = referenceParams(run.manifest.hyperparameters)
  const data = prepare(run.examples, p.dims, p.holdOutEvery)
  const models: Model[] = []
  for (const c of checkpoints) models.push((await loadModel(c.dir)).model)
  return { method: TRACIN_METHOD, scores: normalize(tracin(models, data.train, data.eval, p.lr)) }
}

export const referenceExecutor: Executor = { name: 'reference', codeVersion: REFERENCE_CODE_VERSION, run: train, evaluate: evaluateCheckpoint, attribute }
