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
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { jsonDepth, JsonTooDeep, MAX_JSON_DEPTH } from './json-depth.js'
import type { Metrics } from './metrics.js'
import { HttpProblem } from './problem.js'
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

/*
 * What the edges read of a body themselves. They read JSON in UTF-8 only: a body in another
 * charset or compressed is refused (the command edge) or left to express (the gateway's).
 */

/** Whether the body is declared in UTF-8 (or no charset) and not compressed (no content coding but `identity`). */
export function plainEncoding(headers: IncomingHttpHeaders): boolean {
  const [, ...params] = (headers['content-type'] ?? '').split(';')
  for (const param of params) {
    const [name = '', value = ''] = param.split('=')
    if (name.trim().toLowerCase() === 'charset' && value.trim().replace(/^"|"$/g, '').toLowerCase() !== 'utf-8') return false
  }
  const encoding = headers['content-encoding']
  return encoding === undefined || encoding.trim().toLowerCase() === 'identity'
}

/** The body's bytes, refusing it (413, `tooLarge`) as soon as it outgrows `limit`. */
export function readBody(req: IncomingMessage, limit: number, tooLarge = 'the body exceeds the size limit'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        req.resume()
        reject(new HttpProblem('too-large', tooLarge))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size))
    }
    const onError = () => {
      cleanup()
      reject(new HttpProblem('malformed', 'the body could not be read'))
    }
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onError)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onError)
  })
}

/** The body as JSON: nesting bounded before parsing, an object or array at the top (an empty body is `{}`). */
export function parseJsonBody(bytes: Buffer): unknown {
  const depth = jsonDepth(bytes)
  if (depth > MAX_JSON_DEPTH) throw new JsonTooDeep(depth, MAX_JSON_DEPTH)
  const decoded = bytes.toString('utf8')
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded
  const first = /\S/.exec(text)?.[0]
  if (first === undefined) return {}
  if (first !== '{' && first !== '[') throw new HttpProblem('malformed', 'the body is not valid JSON')
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpProblem('malformed', 'the body is not valid JSON')
  }
}
