/**
 * GET /v1/events/stream: server-sent events, one per envelope, `id` = its sequence.
 *
 * A client resumes with `Last-Event-ID` (sent by EventSource on reconnect) or `?from=`: delivery
 * restarts at the next sequence, so a reconnect neither repeats nor skips an event. Filters
 * (`types`, `stream` prefix) apply before sending; a `position` event carries the sequence reached
 * when filtered-out events move it, so a resume need not rescan them. Comments keep idle proxies
 * from closing the connection; `maxDurationMs` recycles long streams (the client resumes).
 */
import type { Request, Response } from 'express'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { subscribe } from '../../../projections/subscribe.js'
import type { Metrics } from '../metrics.js'
import { queryValue, wholeNumber } from '../params.js'
import { HttpProblem } from '../problem.js'

export interface StreamOptions {
  readonly heartbeatMs: number
  readonly maxDurationMs: number
  readonly maxStreams: number
  /** Milliseconds EventSource waits before reconnecting. */
  readonly retryMs: number
  /** Aborted when the server shuts down: open streams end so the server can drain. */
  readonly shutdown: AbortSignal
}

const TYPE_LIST = /^[A-Z][A-Za-z0-9]{0,99}(,[A-Z][A-Za-z0-9]{0,99}){0,49}$/
const STREAM_PREFIX = /^[a-z][A-Za-z0-9._:-]{0,199}$/

function startFrom(req: Request): number {
  const lastId = req.header('last-event-id')
  if (lastId !== undefined && lastId !== '') return wholeNumber(lastId, 'Last-Event-ID') + 1
  const from = queryValue(req, 'from')
  return from === undefined ? 1 : wholeNumber(from, 'from', { min: 1 })
}

function filters(req: Request): { types?: string[]; streamPrefix?: string } {
  const types = queryValue(req, 'types')
  const stream = queryValue(req, 'stream')
  if (types !== undefined && !TYPE_LIST.test(types)) throw new HttpProblem('malformed', 'types must be a comma-separated list of event types')
  if (stream !== undefined && !STREAM_PREFIX.test(stream)) throw new HttpProblem('malformed', 'stream must be a stream name prefix')
  return { ...(types === undefined ? {} : { types: types.split(',') }), ...(stream === undefined ? {} : { streamPrefix: stream }) }
}

/** Writes and waits for the socket to drain when its buffer is full: a slow client slows its own reads only. */
async function send(res: Response, text: string): Promise<void> {
  if (res.write(text)) return
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

export function streamHandler(store: EventStore, metrics: Metrics, options: StreamOptions) {
  let open = 0
  return async (req: Request, res: Response): Promise<void> => {
    const from = startFrom(req)
    const subscription = subscribe(store, { from, ...filters(req) })
    if (open >= options.maxStreams) {
      subscription.close()
      throw new HttpProblem('too-many-requests', 'too many open event streams', { retryAfter: 5 })
    }
    open++
    metrics.streams(1)
    res.status(200)
    res.setHeader('content-type', 'text/event-stream; charset=utf-8')
    res.setHeader('cache-control', 'no-store')
    res.setHeader('x-accel-buffering', 'no')
    res.flushHeaders()
    res.write(`retry: ${options.retryMs}\n\n`)
    let sent = from - 1
    const beat = setInterval(() => {
      // A heartbeat that also reports the position, so a filtered stream's resume point keeps moving.
      const position = subscription.position
      const text = position > sent ? `id: ${position}\nevent: position\ndata: ${position}\n\n` : ': heartbeat\n\n'
      sent = Math.max(sent, position)
      res.write(text)
    }, options.heartbeatMs)
    const end = (): void => subscription.close()
    const recycle = setTimeout(end, options.maxDurationMs)
    req.on('close', end)
    options.shutdown.addEventListener('abort', end, { once: true })
    try {
      for await (const delivered of subscription) {
        if (res.destroyed) break
        sent = delivered.sequence
        await send(res, `id: ${delivered.sequence}\nevent: ${delivered.envelope.type}\ndata: ${JSON.stringify(delivered.envelope)}\n\n`)
      }
    } finally {
      clearInterval(beat)
      clearTimeout(recycle)
      options.shutdown.removeEventListener('abort', end)
      subscription.close()
      open--
      metrics.streams(-1)
      res.end()
    }
  }
}
