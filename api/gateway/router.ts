/**
 * The OpenAI-compatible gateway: `GET /models`, `GET /models/{id}`, `POST /chat/completions` and
 * `POST /completions`, streaming and not; `model` is the deployment id. Each answered request
 * leaves a receipt in the write-ahead meter before the last byte of the answer is sent.
 * Errors are RFC 9457 problems that also carry OpenAI's `error` member, so both kinds of client
 * read them.
 */
import { randomInt, randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import express, { Router, type NextFunction, type Request, type Response } from 'express'
import type { Logger } from 'pino'
import { isLeft } from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { feeOf } from '../../domain/deployment/values.js'
import type { EconomyState } from '../../domain/economy/state.js'
import { JsonTooDeep, limitDepth } from '../http/json-depth.js'
import { HttpProblem, isProblem, writeProblem } from '../http/problem.js'
import { parseJsonBody, plainEncoding, readBody, type Edge } from '../http/edge.js'
import { admit, authorize, bearerKey, type Access } from './access.js'
import { CONSENT_HEADER, consentHeader } from './consent-header.js'
import { answerHashOf, BackendError, countTokens, inputText, UnsupportedRequest, type Backend, type Generation, type InferenceRequest } from './backend.js'
import type { Meter } from './meter.js'
import { paramError } from './request-errors.js'
import { trace } from '@opentelemetry/api'
import { inSpan } from '../../infrastructure/tracing.js'
import type { GatewayMetrics } from './metrics.js'
import {
  chatChunk,
  chatCompletion,
  chatMessages,
  CompletionRequestC,
  ChatRequestC,
  stopsOf,
  textChunk,
  textCompletion,
  usageBody,
  usageChunk,
  type ChatRequest,
  type GatewayModel,
  type CompletionRequest,
  type Envelope,
  unsupportedParameter,
} from './openai.js'

export interface GatewayDeps {
  /** The operator's key: the gateway serves the deployments it operates. */
  readonly operator: string
  /**
   * The folded state, at most a few ms old; `fresh` asks for one caught up to the head now. A
   * refusal is always confirmed against a fresh state, so a grant accepted or escrow deposited a
   * moment ago is never refused for a stale view (a refusal costs one catch-up, an answer none).
   */
  readonly state: (fresh?: boolean) => Promise<EconomyState>
  readonly meter: Meter
  readonly backendFor: (deploymentId: string) => Backend
  readonly now?: () => number
  /** Largest request body (bytes). */
  readonly bodyBytes?: number
  readonly onError?: (error: unknown) => void
  readonly observe?: Pick<GatewayMetrics, 'answered' | 'refused'>
}

const DEFAULT_MAX_TOKENS = 4096
const DEFAULT_BODY_BYTES = 1024 * 1024
/** Where an answer's hash (its receipt's `answerHash`) is returned: a header, or a member of a stream's last chunk. */
export const ANSWER_HASH_HEADER = 'x-ledger-answer-hash'
export const ANSWER_HASH_MEMBER = 'x_ledger_answer_hash'

function decode<A>(codec: t.Decoder<unknown, A>, body: unknown): A {
  const decoded = codec.decode(body)
  if (isLeft(decoded)) {
    const { param, message } = paramError(decoded.left)
    throw new HttpProblem('malformed', message, param === '' ? {} : { param })
  }
  return decoded.right
}

function unsupportedProblem(param: string, message: string): HttpProblem {
  return new HttpProblem('malformed', message, { code: 'unsupported-parameter', param, details: { param } })
}

/** A problem (RFC 9457) that also carries OpenAI's `error` member. */
function sendGatewayProblem(res: ServerResponse, problem: HttpProblem, instance: string): void {
  const error = { message: problem.detail, type: problem.kind, code: problem.extras.code ?? problem.kind, param: problem.extras.param ?? null }
  writeProblem(res, problem, instance, String(res.getHeader('x-request-id') ?? ''), { error })
}

/** A whole answer, as JSON. */
function sendJson(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value)
  res.statusCode = 200
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(text))
  res.end(text)
}

export type CompletionKind = 'chat' | 'completion'

/** The gateway's routes, apart from how a request reaches them: the express router and the edge (`gatewayEdge`) both call these. */
export interface GatewayHandlers {
  /** Largest request body (bytes). */
  readonly bodyBytes: number
  /** Answers a completion request whose body is parsed; rejects with what `fail` answers. */
  completion(kind: CompletionKind, body: unknown, authorization: string | undefined, res: ServerResponse): Promise<void>
  /** Answers a failure as a problem, or cuts the connection when the answer had begun. */
  fail(error: unknown, res: ServerResponse, instance: string, log?: Logger): void
}

export function gatewayHandlers(deps: GatewayDeps): GatewayHandlers & { readonly access: (authorization: string | undefined, model: string | undefined) => Promise<Access> } {
  const now = deps.now ?? Date.now

  /** Authorizes (and, with `tokens`, admits) on the cached state; a refusal is decided again on a fresh one. */
  async function access(authorization: string | undefined, model: string | undefined, tokens?: number): Promise<{ state: EconomyState; access: Access; maxOutput: number }> {
    const key = bearerKey(authorization)
    const decide = (state: EconomyState) => {
      const a = authorize(state, deps.operator, key, model, deps.meter, now())
      const maxOutput = tokens === undefined ? Number.MAX_SAFE_INTEGER : admit(state, a, tokens, deps.meter).maxOutput
      return { state, access: a, maxOutput }
    }
    try {
      return decide(await deps.state())
    } catch (error) {
      if (!isProblem(error) || error.kind === 'malformed') throw error
      return decide(await deps.state(true))
    }
  }

  const completion = (kind: CompletionKind, raw: unknown, authorization: string | undefined, res: ServerResponse): Promise<void> =>
    inSpan(`gateway.${kind}`, { 'gen_ai.operation.name': kind === 'chat' ? 'chat' : 'text_completion' }, () => serveTraced(kind, raw, authorization, res))

  async function serveTraced(kind: CompletionKind, raw: unknown, authorization: string | undefined, res: ServerResponse): Promise<void> {
    // What no backend receives is refused by name before anything else: never answered without it and charged.
    const unsupported = typeof raw === 'object' && raw !== null ? unsupportedParameter(raw as Record<string, unknown>) : undefined
    if (unsupported !== undefined) throw unsupportedProblem(unsupported.param, unsupported.message)
    const body = kind === 'chat' ? decode(ChatRequestC, raw) : decode(CompletionRequestC, raw)
    if ((body.n ?? 1) !== 1) throw new HttpProblem('malformed', 'n must be 1: one choice per request', { param: 'n' })
    const messages = 'messages' in body ? chatMessages(body) : [{ role: 'user', content: Array.isArray(body.prompt) ? body.prompt.join('\n') : body.prompt }]
    if (messages.length === 0) throw new HttpProblem('malformed', 'messages must not be empty', { param: 'messages' })
    const started = now()
    // Authorized first, then the backend loads (and verifies) the served checkpoint and counts the input as the model will, then admitted on that count.
    const { access: authorized } = await access(authorization, body.model)
    const backend = deps.backendFor(authorized.deployment.id)
    const target = { deploymentId: authorized.deployment.id, served: authorized.served }
    let prepared: number | undefined
    try {
      prepared = (await backend.prepare?.(target, messages))?.inputTokens
    } catch (error) {
      if (error instanceof UnsupportedRequest) throw unsupportedProblem(error.param, error.message)
      throw error
    }
    const estimatedInput = prepared ?? countTokens(inputText(messages))
    const { access: a, maxOutput } = await access(authorization, body.model, estimatedInput)
    trace.getActiveSpan()?.setAttributes({ 'gen_ai.request.model': a.deployment.id, 'ledger.grant': a.grant.id, 'ledger.checkpoint': a.served.checkpoint, 'gen_ai.usage.input_tokens': estimatedInput })
    const asked = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS
    if (!Number.isSafeInteger(asked) || asked < 1) throw new HttpProblem('malformed', 'max_tokens must be a positive integer', { param: body.max_completion_tokens === undefined || body.max_completion_tokens === null ? 'max_tokens' : 'max_completion_tokens' })
    const request: InferenceRequest = {
      messages,
      maxTokens: Math.min(asked, a.remaining - estimatedInput, maxOutput),
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      // A seed always: the client's, or one drawn here and sent back, so any answer can be regenerated.
      seed: body.seed ?? randomInt(0, 2 ** 48 - 1),
      stop: stopsOf(body.stop),
    }
    // Concurrent requests of one grant must not overrun its quota or its escrow together: hold what this one may use until its receipt is written.
    const release = deps.meter.reserve(a.grant.id, a.grant.consumer, estimatedInput + request.maxTokens, feeOf(a.terms.pricing, estimatedInput, 1))
    try {
      await answer(res, kind, body, a, request, estimatedInput, started, backend)
    } finally {
      release()
    }
  }

  async function answer(
    res: ServerResponse,
    kind: CompletionKind,
    body: ChatRequest | CompletionRequest,
    a: Access,
    request: InferenceRequest,
    estimatedInput: number,
    started: number,
    backend: Backend,
  ): Promise<void> {
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`
    const envelope: Envelope = { id, created: Math.floor(started / 1000), model: a.deployment.id, system_fingerprint: a.served.checkpoint }
    res.setHeader('x-ledger-receipt', id)
    res.setHeader('x-ledger-checkpoint', a.served.checkpoint)
    res.setHeader(CONSENT_HEADER, consentHeader(a.consent))
    res.setHeader('x-ledger-seed', String(request.seed))
    const target = { deploymentId: a.deployment.id, served: a.served }
    const aborted = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort()
    })

    /** `answerHash`: of the text the client was sent, the text any attribution was computed over (the LM backend's deltas concatenate to it). */
    const meter = (g: Pick<Generation, 'inputTokens' | 'outputTokens' | 'attribution'>, answerHash: string): Promise<void> => {
      deps.observe?.answered(a.deployment.id, g.inputTokens, g.outputTokens)
      return deps.meter.record({
        requestId: id,
        deploymentId: a.deployment.id,
        grantId: a.grant.id,
        consumer: a.grant.consumer,
        inputTokens: g.inputTokens,
        outputTokens: g.outputTokens,
        at: new Date(started).toISOString(),
        // The consumer's accepted prices, not the deployment's now: a price change never reaches an accepted grant.
        fee: feeOf(a.terms.pricing, g.inputTokens, g.outputTokens),
        ...(g.attribution === undefined || g.attribution.length === 0 ? {} : { attribution: g.attribution }),
        answerHash,
      })
    }

    if (body.stream !== true) {
      const g = await backend.generate(target, request, aborted.signal)
      const answerHash = answerHashOf(g.text)
      await meter(g, answerHash)
      res.setHeader(ANSWER_HASH_HEADER, answerHash)
      const usage = usageBody(g.inputTokens, g.outputTokens)
      sendJson(res, kind === 'chat' ? chatCompletion(envelope, g.text, g.finishReason, usage) : textCompletion(envelope, g.text, g.finishReason, usage))
      return
    }

    const parts = backend.stream(target, request, aborted.signal)[Symbol.asyncIterator]()
    // Fail before the first byte where possible, so the client sees a problem, not a broken stream.
    const first = await parts.next()
    res.statusCode = 200
    res.setHeader('content-type', 'text/event-stream; charset=utf-8')
    res.setHeader('cache-control', 'no-cache')
    res.setHeader('x-accel-buffering', 'no')
    res.flushHeaders()
    const send = (data: unknown): void => void res.write(`data: ${JSON.stringify(data)}\n\n`)
    if (kind === 'chat') send(chatChunk(envelope, { role: 'assistant', content: '' }, null))
    let text = ''
    let done: Generation | undefined
    try {
      for (let step = first; step.done !== true; step = await parts.next()) {
        const part = step.value
        if ('done' in part) {
          done = part.done
          continue
        }
        text += part.delta
        send(kind === 'chat' ? chatChunk(envelope, { content: part.delta }, null) : textChunk(envelope, part.delta, null))
      }
    } catch (error) {
      // Whatever was produced before the failure was used: it is metered all the same.
      await meter({ inputTokens: estimatedInput, outputTokens: countTokens(text) }, answerHashOf(text))
      if (!aborted.signal.aborted) deps.onError?.(error)
      res.end()
      return
    }
    const g = done ?? { text, inputTokens: estimatedInput, outputTokens: countTokens(text), finishReason: 'stop' as const }
    // The headers are gone with the first byte: the answer hash rides in the last chunk before [DONE].
    const answerHash = answerHashOf(text)
    const bound = { [ANSWER_HASH_MEMBER]: answerHash }
    const finish = kind === 'chat' ? chatChunk(envelope, {}, g.finishReason) : textChunk(envelope, '', g.finishReason)
    if (body.stream_options?.include_usage === true) {
      send(finish)
      send({ ...usageChunk(envelope, kind, usageBody(g.inputTokens, g.outputTokens)), ...bound })
    } else send({ ...finish, ...bound })
    // An attribution is over the backend's whole text: claimed only when that is the text sent (the LM backend's deltas concatenate to it).
    await meter(g.text === text ? g : { ...g, attribution: [] }, answerHash)
    res.end('data: [DONE]\n\n')
  }

  /** The problem a failure answers; refusals and backend failures are counted, anything else reported. */
  function problemOf(error: unknown): HttpProblem {
    if (isProblem(error)) {
      deps.observe?.refused(error.kind)
      return error
    }
    if (error instanceof BackendError) {
      deps.observe?.refused(error.timedOut ? 'gateway-timeout' : 'bad-gateway')
      return new HttpProblem(error.timedOut ? 'gateway-timeout' : 'bad-gateway', error.message)
    }
    if (error instanceof JsonTooDeep) return new HttpProblem('malformed', error.message)
    const { status, type } = error as { status?: number; type?: string }
    if (status === 413) return new HttpProblem('too-large', 'the request body is too large')
    // The body parser's refusals of a compressed body or charset it cannot read were answered as 500s.
    if (status === 415 || type === 'encoding.unsupported' || type === 'charset.unsupported') return new HttpProblem('unsupported-media-type', 'unsupported body encoding or charset')
    if (status === 400) return new HttpProblem('malformed', 'the body is not valid JSON')
    deps.onError?.(error)
    return new HttpProblem('internal', 'the gateway failed; the request was not charged')
  }

  function fail(error: unknown, res: ServerResponse, instance: string, log?: Logger): void {
    if (res.headersSent) {
      // Too late for a problem document (a stream was under way): cut the connection.
      log?.error({ err: error }, 'error after the response started')
      res.destroy()
      return
    }
    sendGatewayProblem(res, problemOf(error), instance)
  }

  return { bodyBytes: deps.bodyBytes ?? DEFAULT_BODY_BYTES, completion, fail, access: async (authorization, model) => (await access(authorization, model)).access }
}

function modelObject(a: Access): GatewayModel {
  return { id: a.deployment.id, object: 'model' as const, created: Math.floor(a.served.sinceAt / 1000), owned_by: a.deployment.operator, checkpoint: a.served.checkpoint, job: a.served.jobId, endpoint: a.deployment.endpoint }
}

/** The gateway's routes on express; `handlers` shared with an edge over the same routes. */
export function gatewayRouter(deps: GatewayDeps, handlers = gatewayHandlers(deps)): Router {
  const router = Router()
  router.use(express.json({ limit: handlers.bodyBytes, strict: true, type: () => true, verify: limitDepth() }))
  router.get('/models', async (req, res) => {
    const a = await handlers.access(req.header('authorization'), undefined)
    res.setHeader(CONSENT_HEADER, consentHeader(a.consent))
    res.json({ object: 'list', data: [modelObject(a)] })
  })
  router.get('/models/:id', async (req, res) => {
    const a = await handlers.access(req.header('authorization'), String(req.params.id))
    res.setHeader(CONSENT_HEADER, consentHeader(a.consent))
    res.json(modelObject(a))
  })
  router.post('/chat/completions', (req, res) => handlers.completion('chat', req.body, req.header('authorization'), res))
  router.post('/completions', (req, res) => handlers.completion('completion', req.body, req.header('authorization'), res))
  router.use((req, _res, next) => next(new HttpProblem('not-found', `no gateway route ${req.method} ${req.path}`)))
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error)
    handlers.fail(error, res, req.originalUrl)
  })
  return router
}

/** `POST {path}/chat/completions` and `{path}/completions`, matched as express matches them: any case, an optional trailing slash, any query. */
const completionPath = (path: string): RegExp => new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(chat/)?completions/?(?:\\?|$)`, 'i')

/**
 * The completion routes on the bare listener (api/http/edge.ts), for the bodies the express
 * parser would take as they are: a body in another charset than UTF-8, a compressed one, or no
 * body at all goes on to the router, which inflates, decodes or refuses it as it always has.
 */
export function gatewayEdge(path: string, handlers: GatewayHandlers): Edge {
  const matcher = completionPath(path)
  const plain = ({ headers }: IncomingMessage): boolean => (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) && plainEncoding(headers)
  return {
    match(req) {
      if (req.method !== 'POST') return undefined
      const chat = matcher.exec(req.url ?? '')
      if (chat === null || !plain(req)) return undefined
      return `${path}/${chat[1] === undefined ? '' : 'chat/'}completions`
    },
    async handle(req, res, _requestId, log) {
      const url = req.url ?? path
      try {
        const body = parseJsonBody(await readBody(req, handlers.bodyBytes, 'the request body is too large'))
        const kind: CompletionKind = matcher.exec(url)?.[1] === undefined ? 'completion' : 'chat'
        await handlers.completion(kind, body, req.headers.authorization, res)
      } catch (error) {
        handlers.fail(error, res, url, log)
      }
    },
  }
}
