/**
 * POST /v1/commands on the bare node:http listener; every other request goes on to express.
 *
 * The command route is the API's hot path, and express's share of it (the router walk through
 * every router mounted before /v1, request and response decoration, the body parser's stream and
 * charset machinery, response helpers hashing an ETag nobody revalidates) cost about as much CPU
 * per command as deciding and committing it (docs/performance.md, "HTTP"). The edge keeps the
 * route's whole contract: the listener (api/http/edge.ts) gives it the same request id, server
 * span, log line and latency metric as the express pipeline, and the security and CORS headers;
 * the edge applies the per-IP rate limit, then the media type, size and nesting limits on the
 * body, and answers the same problems (RFC 9457) for every refusal. What it does not do that express's parser did: inflate a
 * compressed body, or decode one declared in a charset other than UTF-8; both answer 415.
 */
import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import { parseJsonBody, plainEncoding, readBody, type Edge } from './edge.js'
import { toProblem } from './middleware.js'
import { HttpProblem, writeProblem } from './problem.js'
import type { RateLimiter } from './rate-limit.js'
import { acceptCommand, type CommandDeps } from './routes/commands.js'
import { storageProblem, type StorageHealth } from './storage-health.js'

export interface CommandEdgeDeps extends CommandDeps {
  readonly logger: Logger
  readonly ipLimit: RateLimiter
  readonly commandBytes: number
  readonly trustProxy: boolean
  readonly storage: StorageHealth
}

export const COMMAND_ROUTE = '/v1/commands'
const ROUTE = COMMAND_ROUTE
/** Matched as express matches routes: any case, an optional trailing slash, any query. */
const PATH = /^\/v1\/commands\/?(?:\?|$)/i

/** The client's address for the per-IP limit: the left-most X-Forwarded-For entry behind a trusted proxy (as express's `trust proxy: true`), else the socket's peer. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for']
    const first = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined
    if (first !== undefined && first !== '') return first
  }
  return req.socket.remoteAddress ?? 'unknown'
}

function unsupported(detail: string): HttpProblem {
  return new HttpProblem('unsupported-media-type', detail)
}

/** Refuses, before reading a byte, a body that is not declared as JSON in UTF-8, is compressed, or says it is too large. */
function checkHeaders(req: IncomingMessage, limit: number): void {
  const { headers } = req
  const hasBody = headers['transfer-encoding'] !== undefined || headers['content-length'] !== undefined
  const [type = ''] = (headers['content-type'] ?? '').split(';')
  if (!hasBody || type.trim().toLowerCase() !== 'application/json') throw unsupported('send the body as application/json')
  if (!plainEncoding(headers)) throw unsupported('unsupported body encoding or charset')
  const length = Number(headers['content-length'])
  if (Number.isFinite(length) && length > limit) throw new HttpProblem('too-large', 'the body exceeds the size limit')
}

export function commandEdge(deps: CommandEdgeDeps): Edge {
  return {
    match: (req) => (req.method === 'POST' && PATH.test(req.url ?? '') ? ROUTE : undefined),
    async handle(req, res, requestId, log) {
      try {
        const wait = deps.ipLimit.take(clientIp(req, deps.trustProxy))
        if (wait > 0) throw new HttpProblem('too-many-requests', 'this address sends requests faster than allowed', { retryAfter: wait })
        checkHeaders(req, deps.commandBytes)
        const body = parseJsonBody(await readBody(req, deps.commandBytes))
        const answer = await acceptCommand(deps, body)
        const text = JSON.stringify(answer.body)
        res.statusCode = answer.status
        res.setHeader('location', answer.location)
        res.setHeader('content-type', 'application/json; charset=utf-8')
        res.setHeader('content-length', Buffer.byteLength(text))
        res.end(text)
      } catch (error) {
        const problem = storageProblem(error, deps.storage) ?? toProblem(error, log, requestId)
        if (res.headersSent) {
          res.destroy()
          return
        }
        writeProblem(res, problem, req.url ?? ROUTE, requestId)
      }
    },
  }
}
