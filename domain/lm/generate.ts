/**
 * Generation: the prompt's tokens fed once, then one token sampled and fed per step, until END,
 * `maxTokens` tokens, or a stop string. When prompt and answer outgrow the context window, the
 * last C tokens are kept and fed again from position 0 (learned positions: the cache cannot be
 * shifted). A generator, so its driver decides when to yield to other work and when to stop.
 */
import { END, type LmWeights } from './format.js'
import { createSession } from './model.js'
import { pick, uniform, type SamplingOptions } from './sample.js'
import { AnswerText, bytesOf, promptOf } from './text.js'

export interface GenerateOptions extends SamplingOptions {
  readonly maxTokens: number
  readonly stop: readonly string[]
  readonly seed: number
}

export interface GenerationStep {
  readonly token: number
  /** Text that became final with this token (may be empty: a character in progress, or held back for a stop). */
  readonly delta: string
}

export interface GenerationResult {
  readonly text: string
  readonly promptTokens: number
  /** Every token sampled, END included: what the model computed. */
  readonly completionTokens: number
  readonly finishReason: 'stop' | 'length'
  /** The sampled token ids, in order. */
  readonly tokens: readonly number[]
}

export function* generate(m: LmWeights, question: string, o: GenerateOptions): Generator<GenerationStep, GenerationResult, void> {
  if (!Number.isSafeInteger(o.maxTokens) || o.maxTokens < 1) throw new RangeError('maxTokens must be a positive integer')
  if (!(o.temperature >= 0) || !Number.isFinite(o.temperature)) throw new RangeError('temperature must be a finite number >= 0')
  if (!(o.topP > 0 && o.topP <= 1)) throw new RangeError('topP must be in (0, 1]')
  const C = m.config.context
  const prompt = bytesOf(promptOf(question))
  const session = createSession(m)
  const window: number[] = prompt.slice(-C)
  let logits: Float32Array | undefined
  for (let i = 0; i < window.length; i++) logits = i === window.length - 1 ? session.feed(window[i] as number, true) : session.feed(window[i] as number)
  const answer = new AnswerText(o.stop)
  const tokens: number[] = []
  let sent = 0
  let finish: 'stop' | 'length' = 'length'
  for (let step = 0; step < o.maxTokens; step++) {
    const token = pick(logits as Float32Array, o, o.temperature === 0 ? 0 : uniform(o.seed, step))
    tokens.push(token)
    if (token === END) {
      finish = 'stop'
      break
    }
    if (answer.push(token)) {
      finish = 'stop'
      break
    }
    const safe = answer.safe
    if (safe > sent) {
      yield { token, delta: answer.text.slice(sent, safe) }
      sent = safe
    } else yield { token, delta: '' }
    if (step === o.maxTokens - 1) break
    window.push(token)
    if (session.length >= C) {
      // The window is full: keep its last C tokens and feed them from position 0.
      window.splice(0, window.length - C)
      session.reset()
      for (let i = 0; i < window.length - 1; i++) session.feed(window[i] as number)
    }
    logits = session.feed(token, true)
  }
  answer.finish()
  const text = answer.text
  if (text.length > sent) yield { token: -1, delta: text.slice(sent) }
  return { text, promptTokens: prompt.length, completionTokens: tokens.length, finishReason: finish, tokens }
}

/** Runs a generation to its end. */
export function generateAll(m: LmWeights, question: string, o: GenerateOptions): GenerationResult {
  const it = generate(m, question, o)
  for (;;) {
    const r = it.next()
    if (r.done === true) return r.value
  }
}
