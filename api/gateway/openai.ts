/**
 * The OpenAI wire format the gateway speaks: request codecs (open: clients send members the
 * gateway does not use, and those are ignored) and the response and chunk shapes.
 */
import * as t from 'io-ts'
import type { ChatMessage } from './backend.js'

const TextPartC = t.type({ type: t.literal('text'), text: t.string })
const ContentC = t.union([t.string, t.array(t.union([TextPartC, t.type({ type: t.string })])), t.null])
const MessageC = t.type({ role: t.string, content: ContentC })
const StopC = t.union([t.string, t.array(t.string), t.null, t.undefined])
const Common = {
  model: t.string,
  stream: t.union([t.boolean, t.null, t.undefined]),
  stream_options: t.union([t.type({ include_usage: t.union([t.boolean, t.undefined]) }), t.null, t.undefined]),
  max_tokens: t.union([t.number, t.null, t.undefined]),
  max_completion_tokens: t.union([t.number, t.null, t.undefined]),
  temperature: t.union([t.number, t.null, t.undefined]),
  top_p: t.union([t.number, t.null, t.undefined]),
  seed: t.union([t.number, t.null, t.undefined]),
  n: t.union([t.number, t.null, t.undefined]),
  stop: StopC,
}
export const ChatRequestC = t.type({ ...Common, messages: t.array(MessageC) }, 'ChatCompletionRequest')
export const CompletionRequestC = t.type({ ...Common, prompt: t.union([t.string, t.array(t.string)]) }, 'CompletionRequest')
export type ChatRequest = t.TypeOf<typeof ChatRequestC>
export type CompletionRequest = t.TypeOf<typeof CompletionRequestC>

/** A request member the gateway cannot honour: the parameter's name and why. */
export interface Unsupported {
  readonly param: string
  readonly message: string
}

const absent = (v: unknown): boolean => v === undefined || v === null

/**
 * The first member of a request the gateway would otherwise drop on the floor: tools and function
 * calling, a structured response format, images and audio, several choices, log-probabilities,
 * logit bias and penalties. None of them reaches a backend, so each is refused by name rather than
 * answered as if honoured (and charged).
 */
export function unsupportedParameter(body: Record<string, unknown>): Unsupported | undefined {
  for (const param of ['tools', 'tool_choice', 'functions', 'function_call', 'parallel_tool_calls', 'audio', 'modalities', 'prediction', 'logit_bias', 'suffix', 'best_of', 'echo', 'top_logprobs']) {
    if (!absent(body[param])) return { param, message: `${param} is not supported by this gateway: the request is refused, not answered without it` }
  }
  const format = body.response_format as { type?: unknown } | null | undefined
  if (format !== undefined && format !== null && (typeof format !== 'object' || format.type !== 'text')) {
    return { param: 'response_format', message: 'response_format: only {"type":"text"} is supported (no JSON mode or schema)' }
  }
  if (!absent(body.logprobs) && body.logprobs !== false && body.logprobs !== 0) return { param: 'logprobs', message: 'logprobs are not returned by this gateway' }
  if (!absent(body.n) && body.n !== 1) return { param: 'n', message: 'n must be 1: one choice per request' }
  for (const param of ['presence_penalty', 'frequency_penalty']) if (!absent(body[param]) && body[param] !== 0) return { param, message: `${param} is not applied by this gateway: send 0 or leave it out` }
  if (Array.isArray(body.messages)) {
    for (const [i, m] of (body.messages as unknown[]).entries()) {
      const content = (m as { content?: unknown } | null)?.content
      if (!Array.isArray(content)) continue
      for (const [j, part] of content.entries()) {
        const type = (part as { type?: unknown } | null)?.type
        if (type !== 'text') return { param: `messages[${i}].content[${j}]`, message: `messages[${i}].content[${j}] is a ${JSON.stringify(type)} part: only text parts are supported (no images, audio or files)` }
      }
    }
  }
  if (!absent(body.top_p) && !(typeof body.top_p === 'number' && body.top_p > 0 && body.top_p <= 1)) return { param: 'top_p', message: 'top_p must be a number in (0, 1]' }
  if (!absent(body.temperature) && !(typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 2)) return { param: 'temperature', message: 'temperature must be a number in [0, 2]' }
  if (!absent(body.seed) && !(typeof body.seed === 'number' && Number.isSafeInteger(body.seed) && body.seed >= 0)) return { param: 'seed', message: 'seed must be an integer in [0, 2^53 - 1]' }
  return undefined
}

export function contentText(content: t.TypeOf<typeof ContentC>): string {
  if (content === null) return ''
  if (typeof content === 'string') return content
  return content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('')
}

export function chatMessages(request: ChatRequest): ChatMessage[] {
  return request.messages.map((m) => ({ role: m.role, content: contentText(m.content) }))
}

export function stopsOf(stop: t.TypeOf<typeof StopC>): string[] {
  if (stop === null || stop === undefined) return []
  return typeof stop === 'string' ? [stop] : stop
}

// Response bodies, as codecs for the OpenAPI document; the builders below are typed by them.
export const UsageC = t.type({ prompt_tokens: t.number, completion_tokens: t.number, total_tokens: t.number }, 'Usage')
export type UsageBody = t.TypeOf<typeof UsageC>
const EnvelopeProps = { id: t.string, created: t.number, model: t.string, system_fingerprint: t.string }
export const ChatCompletionC = t.type(
  {
    ...EnvelopeProps,
    object: t.literal('chat.completion'),
    choices: t.array(t.type({ index: t.number, message: t.type({ role: t.literal('assistant'), content: t.string, refusal: t.null }), logprobs: t.null, finish_reason: t.string })),
    usage: UsageC,
  },
  'ChatCompletion',
)
export const TextCompletionC = t.type(
  { ...EnvelopeProps, object: t.literal('text_completion'), choices: t.array(t.type({ index: t.number, text: t.string, logprobs: t.null, finish_reason: t.string })), usage: UsageC },
  'TextCompletion',
)
export const GatewayModelC = t.type(
  { id: t.string, object: t.literal('model'), created: t.number, owned_by: t.string, checkpoint: t.string, job: t.string, endpoint: t.string },
  'GatewayModel',
)
export const GatewayModelListC = t.type({ object: t.literal('list'), data: t.array(GatewayModelC) }, 'GatewayModelList')
export type GatewayModel = t.TypeOf<typeof GatewayModelC>

export const usageBody = (input: number, output: number): UsageBody => ({ prompt_tokens: input, completion_tokens: output, total_tokens: input + output })

export interface Envelope {
  readonly id: string
  readonly created: number
  readonly model: string
  /** The served checkpoint's root: which weights answered. */
  readonly system_fingerprint: string
}

export function chatCompletion(e: Envelope, text: string, finish: string, usage: UsageBody): t.TypeOf<typeof ChatCompletionC> {
  return { ...e, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finish }], usage }
}

export function textCompletion(e: Envelope, text: string, finish: string, usage: UsageBody): t.TypeOf<typeof TextCompletionC> {
  return { ...e, object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }], usage }
}

export function chatChunk(e: Envelope, delta: Record<string, string>, finish: string | null) {
  return { ...e, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] }
}

export function textChunk(e: Envelope, text: string, finish: string | null) {
  return { ...e, object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] }
}

export function usageChunk(e: Envelope, kind: 'chat' | 'completion', usage: UsageBody) {
  return { ...e, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', choices: [], usage }
}
