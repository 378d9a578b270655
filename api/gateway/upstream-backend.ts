/**
 * An upstream OpenAI-compatible server (vLLM, TGI, Ollama, another gateway) as the backend. Each
 * attempt has a deadline; connection failures, 429 and 5xx answers are retried with exponential
 * backoff, but only before the first byte reaches the client, so a retry never duplicates output.
 * Token counts are the upstream's own `usage` when it reports one (streams ask for it with
 * `stream_options.include_usage`), else the gateway's count.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { BackendError, countTokens, inputText, type Backend, type Generation, type InferenceRequest, type StreamPart, type Target } from './backend.js'

export interface UpstreamOptions {
  /** Base URL, e.g. http://127.0.0.1:8000/v1 (the path `/chat/completions` is appended). */
  readonly url: string
  /** The upstream's name for the model; default: the deployment id. */
  readonly model?: string
  readonly apiKey?: string
  /** Deadline of one attempt, to the whole answer (or to the first byte of a stream). */
  readonly timeoutMs?: number
  /** Longest silence inside a stream. */
  readonly idleMs?: number
  readonly attempts?: number
  readonly backoffMs?: number
}

interface Usage {
  readonly prompt_tokens?: number
  readonly completion_tokens?: number
}
interface ChatAnswer {
  readonly choices?: readonly { readonly message?: { readonly content?: string | null }; readonly finish_reason?: string | null }[]
  readonly usage?: Usage | null
}
interface ChatChunk {
  readonly choices?: readonly { readonly delta?: { readonly content?: string | null }; readonly finish_reason?: string | null }[]
  readonly usage?: Usage | null
}

const RETRYABLE = (status: number): boolean => status === 429 || status >= 500
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })

function generation(request: InferenceRequest, text: string, usage: Usage | null | undefined, finish: string | null | undefined): Generation {
  return {
    text,
    inputTokens: usage?.prompt_tokens ?? countTokens(inputText(request.messages)),
    outputTokens: usage?.completion_tokens ?? countTokens(text),
    finishReason: finish === 'length' ? 'length' : 'stop',
  }
}

export function upstreamBackend(options: UpstreamOptions): Backend {
  const endpoint = new URL(`${options.url.replace(/\/+$/, '')}/chat/completions`)
  // Keep-alive connections, as many as requests in flight: no handshake per request.
  const agent = endpoint.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true })
  const timeoutMs = options.timeoutMs ?? 30_000
  const idleMs = options.idleMs ?? timeoutMs
  const attempts = Math.max(1, options.attempts ?? 3)
  const backoffMs = options.backoffMs ?? 100

  function body(target: Target, request: InferenceRequest, stream: boolean): string {
    return JSON.stringify({
      model: options.model ?? target.deploymentId,
      messages: request.messages,
      max_tokens: request.maxTokens,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.topP === undefined ? {} : { top_p: request.topP }),
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      ...(request.stop.length === 0 ? {} : { stop: request.stop }),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      // Lets an upstream that is itself a ledger gateway (or logs it) tell which checkpoint was meant.
      user: target.served.checkpoint,
    })
  }

  /** One POST; resolves with the response head, its body still to read. */
  function once(payload: string, signal: AbortSignal): Promise<IncomingMessage> {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(payload) }
    if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`
    return new Promise((resolve, reject) => {
      const req = (endpoint.protocol === 'https:' ? httpsRequest : httpRequest)(endpoint, { method: 'POST', headers, agent, signal }, resolve)
      req.on('error', reject)
      req.end(payload)
    })
  }

  /** POSTs with retries; resolves with a response whose status is OK. */
  async function post(payload: string, signal: AbortSignal): Promise<{ response: IncomingMessage; attempt: AbortController; timer: NodeJS.Timeout }> {
    let last = 'no attempt made'
    for (let i = 0; i < attempts; i++) {
      if (signal.aborted) throw new BackendError('the client went away', false)
      const attempt = new AbortController()
      const onAbort = (): void => attempt.abort()
      signal.addEventListener('abort', onAbort, { once: true })
      let timedOut = false
      const timer = setTimeout(() => ((timedOut = true), attempt.abort()), timeoutMs)
      try {
        const response = await once(payload, attempt.signal)
        const status = response.statusCode ?? 0
        if (status >= 200 && status < 300) return { response, attempt, timer }
        clearTimeout(timer)
        last = `upstream answered ${status}`
        response.resume()
        if (!RETRYABLE(status)) throw new BackendError(last, false)
      } catch (error) {
        clearTimeout(timer)
        if (error instanceof BackendError) throw error
        if (timedOut && i === attempts - 1) throw new BackendError(`upstream did not answer within ${timeoutMs} ms`, true)
        last = timedOut ? `upstream timed out after ${timeoutMs} ms` : `upstream unreachable: ${(error as Error).message}`
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
      await sleep(backoffMs * 2 ** i, signal)
    }
    throw new BackendError(`${last} (after ${attempts} attempts)`, last.includes('timed out'))
  }

  return {
    async generate(target, request, signal) {
      const { response, timer } = await post(body(target, request, false), signal)
      try {
        const chunks: Buffer[] = []
        for await (const chunk of response) chunks.push(chunk as Buffer)
        const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatAnswer
        const choice = answer.choices?.[0]
        return generation(request, choice?.message?.content ?? '', answer.usage, choice?.finish_reason)
      } catch (error) {
        throw new BackendError(`upstream answer unreadable: ${(error as Error).message}`, false)
      } finally {
        clearTimeout(timer)
      }
    },
    async *stream(target, request, signal): AsyncIterable<StreamPart> {
      const { response, attempt, timer } = await post(body(target, request, true), signal)
      clearTimeout(timer)
      const decoder = new TextDecoder()
      let buffer = ''
      let text = ''
      let usage: Usage | null | undefined
      let finish: string | null | undefined
      let idle = setTimeout(() => attempt.abort(), idleMs)
      try {
        const chunks = response[Symbol.asyncIterator]()
        for (;;) {
          const { done, value } = await chunks.next().catch((error: unknown) => {
            throw new BackendError(attempt.signal.aborted ? `upstream stream idle for ${idleMs} ms` : `upstream stream broke: ${(error as Error).message}`, attempt.signal.aborted)
          })
          clearTimeout(idle)
          idle = setTimeout(() => attempt.abort(), idleMs)
          if (done === true) break
          buffer += decoder.decode(value as Buffer, { stream: true })
          let end: number
          while ((end = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, end).trim()
            buffer = buffer.slice(end + 1)
            if (!line.startsWith('data:')) continue
            const data = line.slice(5).trim()
            if (data === '[DONE]') continue
            const chunk = JSON.parse(data) as ChatChunk
            if (chunk.usage) usage = chunk.usage
            const choice = chunk.choices?.[0]
            if (choice?.finish_reason) finish = choice.finish_reason
            const delta = choice?.delta?.content
            if (typeof delta === 'string' && delta !== '') {
              text += delta
              yield { delta }
            }
          }
        }
      } finally {
        clearTimeout(idle)
        if (!response.complete) response.destroy()
      }
      yield { done: generation(request, text, usage, finish) }
    },
  }
}

