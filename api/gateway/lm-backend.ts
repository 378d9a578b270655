/**
 * The language-model backend: serves a checkpoint in the `model-ledger/torch-lm@1` format in
 * process, with the TypeScript engine in domain/lm (no Python at serving time). The checkpoint's
 * files are read once into memory and hashed from those very bytes; only when they give the root
 * the ledger recorded are they parsed and served (a changed, missing or extra file refuses every
 * request with 502, before anything is reserved or metered). A checkpoint that is not an LM (the
 * reference classifier) goes to the fallback backend.
 *
 * Each answer carries its per-answer attribution: the contributions of the served job's dataset
 * version whose text it reuses (spans of at least `spanBytes` bytes, domain/lm/spans.ts).
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { relative, sep } from 'node:path'
import { setImmediate as yieldNow } from 'node:timers/promises'
import type { Served } from '../../domain/deployment/state.js'
import { LM_FORMAT, LmFormatError, loadLmFiles, type LmWeights } from '../../domain/lm/format.js'
import { generate, type GenerationResult } from '../../domain/lm/generate.js'
import { attributeAnswer, buildSpanIndex, DEFAULT_SPAN_BYTES, type SpanIndex, type SpanItem } from '../../domain/lm/spans.js'
import { bytesOf, ChatMappingError, promptOf, questionOf } from '../../domain/lm/text.js'
import { checkpointRoot, sortedFiles } from '../../domain/training/checkpoint.js'
import type { CheckpointFile } from '../../domain/training/values.js'
import { BackendError, perCheckpoint, UnsupportedRequest, type Backend, type ChatMessage, type Generation, type InferenceRequest, type StreamPart, type Target } from './backend.js'
import { listFiles } from '../../trainer/hash-files.js'

export interface LmBackendOptions {
  /** The directory of the served checkpoint's files on this host; undefined when the ledger does not know it. */
  readonly dirOf: (served: Served) => Promise<string | undefined>
  /** The training items of the dataset version the served job learned from (for per-answer attribution). */
  readonly itemsOf?: (served: Served) => Promise<readonly SpanItem[]>
  /** Shortest span (bytes) that attributes an answer to a contribution. */
  readonly spanBytes?: number
  /** Serves checkpoints that are not LMs. */
  readonly fallback?: Backend
  /** Generated tokens between two yields to the event loop (default 1). */
  readonly tokensPerYield?: number
  readonly onError?: (message: string) => void
}

interface LoadedLm {
  readonly kind: 'lm'
  readonly model: LmWeights
  readonly index: SpanIndex | null
}
type Loaded = LoadedLm | { readonly kind: 'other' }

/** Every file of `dir`, read once; refused unless their root (trainer/hash-files.ts's) is `root`. */
export async function readVerifiedCheckpoint(dir: string, root: string): Promise<Map<string, Buffer>> {
  let paths: string[]
  try {
    paths = await listFiles(dir)
  } catch {
    throw new BackendError(`the files of checkpoint ${root} are missing on this host`, false)
  }
  const bytes = new Map<string, Buffer>()
  const files: CheckpointFile[] = []
  for (const path of paths) {
    const name = relative(dir, path).split(sep).join('/')
    const data = await readFile(path)
    bytes.set(name, data)
    files.push({ path: name, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength })
  }
  const actual = checkpointRoot(sortedFiles(files))
  if (actual !== root) throw new BackendError(`the files of checkpoint ${root} are missing or changed on this host (they hash to ${actual}): not served`, false)
  return bytes
}

const isLm = (files: ReadonlyMap<string, Buffer>): boolean => {
  const json = files.get('model.json')
  if (json === undefined || !files.has('weights.bin')) return false
  try {
    return (JSON.parse(json.toString('utf8')) as { format?: unknown }).format === LM_FORMAT
  } catch {
    return false
  }
}

/** The bytes the model reads for a chat: the prompt template around the question. */
export function promptTokens(messages: readonly ChatMessage[]): number {
  return bytesOf(promptOf(questionOf(messages))).length
}

export function lmBackend(options: LmBackendOptions): Backend {
  const per = Math.max(1, options.tokensPerYield ?? 1)

  async function load(served: Served): Promise<Loaded> {
    const dir = await options.dirOf(served)
    if (dir === undefined) throw new BackendError(`checkpoint ${served.checkpoint} is not in the ledger`, false)
    const files = await readVerifiedCheckpoint(dir, served.checkpoint)
    if (!isLm(files)) return { kind: 'other' }
    let model: LmWeights
    try {
      model = loadLmFiles(files)
    } catch (error) {
      throw new BackendError(`checkpoint ${served.checkpoint} is not a readable ${LM_FORMAT}: ${error instanceof LmFormatError ? error.message : String(error)}`, false)
    }
    let index: SpanIndex | null = null
    if (options.itemsOf !== undefined) {
      try {
        index = buildSpanIndex(await options.itemsOf(served), options.spanBytes ?? DEFAULT_SPAN_BYTES)
      } catch (error) {
        // Serving does not wait on attribution: answers then fall back to the job-level split.
        options.onError?.(`per-answer attribution unavailable for checkpoint ${served.checkpoint}: ${(error as Error).message}`)
      }
    }
    return { kind: 'lm', model, index }
  }

  const loadedOf = perCheckpoint(load)

  async function lmOf(target: Target): Promise<LoadedLm | undefined> {
    const l = await loadedOf(target.served)
    return l.kind === 'lm' ? l : undefined
  }

  function question(messages: readonly ChatMessage[]): string {
    try {
      return questionOf(messages)
    } catch (error) {
      if (error instanceof ChatMappingError) throw new UnsupportedRequest(error.param, error.message)
      throw error
    }
  }

  async function* run(lm: LoadedLm, request: InferenceRequest, signal: AbortSignal): AsyncGenerator<string, Generation, void> {
    const g = generate(lm.model, question(request.messages), {
      temperature: request.temperature ?? 1,
      topP: request.topP ?? 1,
      maxTokens: request.maxTokens,
      stop: request.stop,
      seed: request.seed ?? 0,
    })
    let result: GenerationResult | undefined
    for (let n = 1; result === undefined; n++) {
      const step = g.next()
      if (step.done === true) result = step.value
      else if (step.value.delta !== '') yield step.value.delta
      if (n % per === 0) {
        await yieldNow()
        if (signal.aborted) throw new BackendError('the client went away', false)
      }
    }
    const attribution = lm.index === null ? [] : attributeAnswer(lm.index, result.text)
    return {
      text: result.text,
      inputTokens: result.promptTokens,
      outputTokens: result.completionTokens,
      finishReason: result.finishReason,
      ...(attribution.length === 0 ? {} : { attribution }),
    }
  }

  const fallback = (): Backend => {
    if (options.fallback === undefined) throw new BackendError('the served checkpoint is not a language model, and no other backend is configured', false)
    return options.fallback
  }

  return {
    async prepare(target, messages) {
      const lm = await lmOf(target)
      if (lm === undefined) return (await fallback().prepare?.(target, messages)) ?? {}
      return { inputTokens: bytesOf(promptOf(question(messages))).length }
    },
    async generate(target, request, signal) {
      const lm = await lmOf(target)
      if (lm === undefined) return fallback().generate(target, request, signal)
      const it = run(lm, request, signal)
      for (;;) {
        const r = await it.next()
        if (r.done === true) return r.value
      }
    },
    async *stream(target, request, signal): AsyncIterable<StreamPart> {
      const lm = await lmOf(target)
      if (lm === undefined) {
        yield* fallback().stream(target, request, signal)
        return
      }
      const it = run(lm, request, signal)
      for (;;) {
        const r = await it.next()
        if (r.done === true) {
          yield { done: r.value }
          return
        }
        yield { delta: r.value }
      }
    },
  }
}
