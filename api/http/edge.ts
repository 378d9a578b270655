/**
 * Routes taken on the bare node:http listener before express: the hot paths (POST /v1/commands,
 * the gateway's completions), where express's share of a request (its router walk, request and
 * response decoration, the body parser's stream and charset machinery, an ETag nobody
 * revalidates) cost more CPU than the route's own work (docs/performance.md).
 *
 * The listener gives an edge route what the express pipeline gives a route: the request id, the
 * server span, the child logger, the log line and latency metric (`traceRequest`), the security
 * headers and CORS. Each edge keeps the rest of its route's contract itself (limits, problems).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Metrics } from './metrics.js'
import { corsHeaders, SECURITY_HEADERS, traceRequest } from './middleware.js'

export interface Edge {
  /** The route this request is for, named as express names it (the metric's label, the span's name); undefined leaves it to express. */
  match(req: IncomingMessage): string | undefined
  /** Answers the request, every refusal as a problem; it does not reject. */
  handle(req: IncomingMessage, res: ServerResponse, requestId: string, log: Logger): void | Promise<void>
}

export interface EdgeContext {
  readonly logger: Logger
  readonly metrics: Metrics
  readonly corsOrigins: readonly string[]
}

/** Offers a request to each edge in turn: true when one took it, false when express is to. */
export function edgeDispatcher(edges: readonly Edge[], context: EdgeContext): (req: IncomingMessage, res: ServerResponse) => boolean {
  const allowed = new Set(context.corsOrigins)
  return (req, res) => {
    for (const edge of edges) {
      const route = edge.match(req)
      if (route === undefined) continue
      const url = req.url ?? route
      const path = url.split('?', 1)[0] ?? url
      const method = req.method ?? 'POST'
      traceRequest(req, res, { logger: context.logger, metrics: context.metrics, method, path, url, route: () => route }, (requestId, log) => {
        for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value)
        const origin = req.headers.origin
        corsHeaders(allowed, typeof origin === 'string' ? origin : undefined, res)
        // An edge answers its own failures; one that escapes is logged and the connection cut, never left hanging.
        const escaped = (error: unknown): void => {
          log.error({ err: error }, 'unhandled error at the edge')
          res.destroy()
        }
        try {
          edge.handle(req, res, requestId, log)?.catch(escaped)
        } catch (error) {
          escaped(error)
        }
      })
      return true
    }
    return false
  }
}
