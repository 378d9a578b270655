/** The request pipeline around the routes: ids and logs, headers, limits, and turning errors into problems. */
import { JsonTooDeep } from './json-depth.js'
import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import type { Metrics } from './metrics.js'
import { HttpProblem, isProblem, sendProblem } from './problem.js'
import type { RateLimiter } from './rate-limit.js'
import { serverSpan, SpanStatusCode, traceFields } from '../../infrastructure/tracing.js'

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id: the client's X-Request-Id when well formed, else a new UUID. */
    id: string
    log: Logger
  }
}

/** The client's X-Request-Id when well formed, else a new UUID. */
function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id']
  return typeof given === 'string' && CLIENT_ID.test(given) ? given : randomUUID()
}

/** What `traceRequest` needs to know of a request besides its headers. */
export interface RequestTraceContext {
  readonly logger: Logger
  readonly metrics: Metrics
  readonly method: string
  /** The path without the query (the span's first name and its url.path). */
  readonly path: string
  /** The URL as asked, query included (the log line's url). */
  readonly url: string
  /** The route that answered, read once the answer is done (the metric's label and the span's final name). */
  readonly route: () => string
}

/**
 * One request's id (echoed in X-Request-Id), server span (docs/operations.md, traces), child
 * logger whose lines carry the request id, and, once answered, its latency sample and log line.
 * The express pipeline and the command edge (command-edge.ts) both trace requests through here.
 */
export function traceRequest(req: IncomingMessage, res: ServerResponse, context: RequestTraceContext, run: (requestId: string, log: Logger) => void): void {
  const { logger, metrics, method, path, url } = context
  const requestId = requestIdOf(req.headers)
  res.setHeader('x-request-id', requestId)
  const started = performance.now()
  serverSpan(`${method} ${path}`, req.headers, { 'http.request.method': method, 'url.path': path, 'http.request.id': requestId }, (span) => {
    const log = logger.child({ requestId })
    let open = true
    const end = () => {
      if (open) span.end()
      open = false
    }
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000
      const route = context.route()
      metrics.observeRequest(method, route, res.statusCode, seconds)
      span.updateName(`${method} ${route}`)
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode })
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      end()
      const line = { method, url: url.slice(0, 300), status: res.statusCode, ms: Math.round(seconds * 1e4) / 10, ...traceFields(span) }
      if (res.statusCode >= 500) log.error(line, 'request failed')
      else log.info(line, 'request')
    })
    // A connection cut before the answer ends the span too.
    res.on('close', end)
    run(requestId, log)
  })
}

/** The express pipeline's first step: `traceRequest`, with the id and logger on the request for the handlers. */
export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const route = () => (req.route === undefined ? 'unmatched' : `${req.baseUrl}${String(req.route.path)}`)
    traceRequest(req, res, { logger, metrics, method: req.method, path: req.path, url: req.originalUrl, route }, (requestId, log) => {
      req.id = requestId
      req.log = log
      next()
    })
  }
}

/**
 * A request's `Cache-Control: no-cache` is addressed to caches on the way (RFC 9111 §5.2.1.4), not
 * to the origin; fetch adds it to every conditional request, and express would then never answer
 * 304. The origin revalidating an ETag is exactly what no-cache asks for, so it is dropped here.
 */
export const originRevalidation: RequestHandler = (req, _res, next) => {
  if (req.headers['if-none-match'] !== undefined) delete req.headers['cache-control']
  next()
}

/** Conservative defaults for an API that serves JSON and one self-contained HTML page. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"],
]

export const securityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value)
  next()
}

/** The CORS headers of an answer to `origin` (none unless it is allowed); true when they were set. */
export function corsHeaders(allowed: ReadonlySet<string>, origin: string | undefined, res: ServerResponse): boolean {
  if (origin === undefined || !(allowed.has(origin) || allowed.has('*'))) return false
  res.setHeader('access-control-allow-origin', allowed.has('*') ? '*' : origin)
  res.setHeader('vary', 'Origin')
  res.setHeader('access-control-expose-headers', 'x-request-id, etag, location, retry-after, x-ledger-checkpoint')
  return true
}

/** CORS is off unless origins are listed: then those origins may call, with preflight answered here. */
export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins)
  return (req, res, next) => {
    if (!corsHeaders(allowed, req.header('origin'), res) || req.method !== 'OPTIONS') return next()
    res.setHeader('access-control-allow-methods', 'GET, HEAD, POST, PUT')
    res.setHeader('access-control-allow-headers', 'content-type, if-none-match, last-event-id, x-request-id')
    res.setHeader('access-control-max-age', '600')
    res.status(204).end()
  }
}

export function ipRateLimit(limiter: RateLimiter): RequestHandler {
  return (req, _res, next) => {
    const wait = limiter.take(req.ip ?? 'unknown')
    next(wait > 0 ? new HttpProblem('too-many-requests', 'this address sends requests faster than allowed', { retryAfter: wait }) : undefined)
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpProblem('not-found', `no route for ${req.method} ${req.path}`))
}

interface BodyParserError {
  readonly type: string
  readonly status: number
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error && typeof (error as { type: unknown }).type === 'string'
}

/** The body parser's errors as problems; anything unexpected is logged, and a 500 whose detail names only the request id. */
export function toProblem(error: unknown, log: Logger, requestId: string): HttpProblem {
  if (isProblem(error)) return error
  if (error instanceof JsonTooDeep) return new HttpProblem('malformed', error.message)
  if (isBodyParserError(error)) {
    if (error.type === 'entity.too.large') return new HttpProblem('too-large', 'the body exceeds the size limit')
    if (error.type === 'entity.parse.failed') return new HttpProblem('malformed', 'the body is not valid JSON')
    if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') return new HttpProblem('unsupported-media-type', 'unsupported body encoding or charset')
    if (error.status >= 400 && error.status < 500) return new HttpProblem('malformed', 'the body could not be read')
  }
  log.error({ err: error }, 'unhandled error')
  return new HttpProblem('internal', `an internal error occurred; quote request id ${requestId}`)
}

export const problemHandler: ErrorRequestHandler = (error: unknown, req: Request, res: Response, next: NextFunction) => {
  if (res.headersSent) {
    // Too late for a problem document (a stream was under way): log it and cut the connection.
    req.log.error({ err: error }, 'error after the response started')
    res.destroy()
    return
  }
  void next
  sendProblem(res, toProblem(error, req.log, req.id))
}
