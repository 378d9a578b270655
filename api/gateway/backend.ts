/**
 * What the gateway asks of a model backend: a whole answer, or the same answer as a stream of
 * text deltas ending in the token counts. The reference model runs in process; an upstream
 * OpenAI-compatible server (vLLM, TGI, Ollama…) is reached by URL.
 */
import { createHash } from 'node:crypto'
import type { Served } from '../../domain/deployment/state.js'

export interface ChatMessage {
  readonly role: string
  readonly content: string
}

export interface InferenceRequest {
  /** Chat turns (kind `chat`), or a single prompt as one user turn (kind `completion`). */
  readonly messages: readonly ChatMessage[]
  /** The most output tokens this request may use (the grant's remaining quota caps it too). */
  readonly maxTokens: number
  readonly temperature: number | undefined
  /** Nucleus sampling mass in (0, 1]; undefined = 1. */
  readonly topP?: number | undefined
  /** The sampling seed: the client's, or one the gateway drew (sent back in `x-ledger-seed`). */
  readonly seed?: number | undefined
  readonly stop: readonly string[]
}

/** Which contributions an answer drew on, and how much (docs/gateway.md, per-answer attribution). */
export interface AnswerAttribution {
  readonly contribution: string
  readonly weight: number
}

export interface Generation {
  readonly text: string
  readonly inputTokens: number
  readonly outputTokens: number
  readonly finishReason: 'stop' | 'length'
  /** Set by backends that can tell: the contributions the answer reused; absent = the job-level split. */
  readonly attribution?: readonly AnswerAttribution[]
}

export type StreamPart = { readonly delta: string } | { readonly done: Generation }

/** What is asked for: the deployment (the `model` clients name) and the checkpoint it serves now. */
export interface Target {
  readonly deploymentId: string
  readonly served: Served
}

export interface Backend {
  /**
   * Optional: loads (and verifies) what the target serves and counts the request's input tokens
   * as the model will, before anything is reserved or metered. Throws UnsupportedRequest for a
   * request this model cannot take, BackendError when it cannot serve at all.
   */
  prepare?(target: Target, messages: readonly ChatMessage[]): Promise<{ readonly inputTokens?: number }>
  generate(target: Target, request: InferenceRequest, signal: AbortSignal): Promise<Generation>
  stream(target: Target, request: InferenceRequest, signal: AbortSignal): AsyncIterable<StreamPart>
}

/**
 * What a backend loads per checkpoint (its verified files, its model), loaded once and shared by
 * concurrent requests; a load that fails is forgotten, so the next request tries again.
 */
export function perCheckpoint<T>(load: (served: Served) => Promise<T>): (served: Served) => Promise<T> {
  const loaded = new Map<string, Promise<T>>()
  return (served) => {
    let l = loaded.get(served.checkpoint)
    if (l === undefined) {
      l = load(served)
      loaded.set(served.checkpoint, l)
      l.catch(() => loaded.delete(served.checkpoint))
    }
    return l
  }
}

/** A backend's failure the client should see as 502 (failed) or 504 (timed out), not as 500. */
export class BackendError extends Error {
  override readonly name = 'BackendError'
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message)
  }
}

/** A request the served model cannot honour: answered 400 naming `param`, nothing metered. */
export class UnsupportedRequest extends Error {
  override readonly name = 'UnsupportedRequest'
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message)
  }
}

/** Tokens as the gateway meters them when a backend does not say: words and single punctuation marks. */
export function tokensOf(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []
}

export const countTokens = (text: string): number => tokensOf(text).length

/** The text a request's input is metered on: every turn's content, in order. */
export function inputText(messages: readonly ChatMessage[]): string {
  return messages.map((m) => m.content).join('\n')
}

/**
 * The answer hash a receipt binds (`answerHash`, header `x-ledger-answer-hash`): the lower-case
 * hex SHA-256 of the answer's UTF-8 bytes exactly as returned to the client.
 */
export function answerHashOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
