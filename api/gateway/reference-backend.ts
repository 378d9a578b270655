/**
 * The reference model served in process: the trainer's softmax classifier, loaded from the
 * checkpoint directory the trainer wrote, after checking that the files still hash to the
 * checkpoint root recorded in the ledger (a changed file is never served). The answer is the
 * predicted label; the input is what was said in the user turns.
 */
import { featurize } from '../../trainer/executors/reference/features.js'
import { loadModel } from '../../trainer/executors/reference/checkpoint-io.js'
import { probabilities, type Model } from '../../trainer/executors/reference/model.js'
import { hashCheckpointDir } from '../../trainer/hash-files.js'
import { checkpointDirOf } from '../../trainer/run-job.js'
import type { Served } from '../../domain/deployment/state.js'
import { BackendError, countTokens, perCheckpoint, inputText, tokensOf, type Backend, type Generation, type InferenceRequest, type StreamPart } from './backend.js'

export interface ReferenceBackendOptions {
  /** The trainer's work directory (DIR/training). */
  readonly workRoot: string
  /** The step a checkpoint root was recorded at, from the ledger. */
  readonly stepOf: (served: Served) => Promise<number | undefined>
}

export function predict(model: Model, text: string): { label: string; probability: number } {
  const p = probabilities(model, featurize(text, model.features - 1))
  let best = 0
  for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[best] as number)) best = c
  return { label: model.classes[best] as string, probability: p[best] as number }
}

export function referenceBackend(options: ReferenceBackendOptions): Backend {
  async function load(served: Served): Promise<Model> {
    const step = await options.stepOf(served)
    if (step === undefined) throw new BackendError(`checkpoint ${served.checkpoint} is not in the ledger`, false)
    const dir = checkpointDirOf(options.workRoot, served.jobId, step)
    const { root } = await hashCheckpointDir(dir).catch(() => ({ root: '' }))
    if (root !== served.checkpoint) throw new BackendError(`the files of checkpoint ${served.checkpoint} are missing or changed on this host`, false)
    return (await loadModel(dir)).model
  }

  const modelOf = perCheckpoint(load)

  async function generate(served: Served, request: InferenceRequest): Promise<Generation> {
    const model = await modelOf(served)
    const user = request.messages.filter((m) => m.role === 'user').map((m) => m.content)
    const { label } = predict(model, (user.length > 0 ? user : request.messages.map((m) => m.content)).join('\n'))
    const tokens = countTokens(label)
    const cut = tokens > request.maxTokens
    const text = cut ? tokensOf(label).slice(0, request.maxTokens).join('') : label
    return { text, inputTokens: countTokens(inputText(request.messages)), outputTokens: Math.min(tokens, request.maxTokens), finishReason: cut ? 'length' : 'stop' }
  }

  return {
    generate: (target, request) => generate(target.served, request),
    async *stream(target, request): AsyncIterable<StreamPart> {
      const whole = await generate(target.served, request)
      for (const piece of whole.text.match(/\S+\s*/g) ?? []) yield { delta: piece }
      yield { done: whole }
    },
  }
}
