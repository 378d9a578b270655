/**
 * A server-sent events subscription to /v1/events/stream that resumes by itself: on a dropped
 * connection it reconnects with `Last-Event-ID` (the last sequence seen, events or position
 * markers alike), so the caller sees every matching envelope once, in order, with no gap.
 */
import type { Envelope } from '../../domain/ledger/envelope.js'
import { errorOf } from './errors.js'

export interface SubscribeOptions {
  /** First sequence wanted (default 1). */
  readonly from?: number
  readonly types?: readonly string[]
  /** Stream name prefix, such as `proposal-`. */
  readonly stream?: string
  /** Wait before reconnecting (ms, default the server's `retry`, else 1000). */
  readonly retryMs?: number
  /** Called when a connection fails and a reconnect is scheduled. */
  readonly onReconnect?: (error: unknown, position: number) => void
}

export interface EventSubscription extends AsyncIterable<Envelope> {
  /** The last sequence delivered or passed over by the filter. */
  readonly position: number
  close(): void
}

interface Frame {
  id?: string
  event?: string
  data: string[]
  retry?: number
}

/** Splits an SSE byte stream into frames (the WHATWG parsing rules for the fields used here). */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const decoder = new TextDecoder()
  let buffer = ''
  let frame: Frame = { data: [] }
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let newline: number
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1))
      if (line === '') {
        if (frame.data.length > 0 || frame.id !== undefined) yield frame
        frame = { data: [] }
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'data') frame.data.push(value)
      else if (field === 'id') frame.id = value
      else if (field === 'event') frame.event = value
      else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value)
    }
  }
}

export function subscribeEvents(baseUrl: string, fetchImpl: typeof fetch, options: SubscribeOptions = {}): EventSubscription {
  let position = Math.max(1, options.from ?? 1) - 1
  let retryMs = options.retryMs ?? 1000
  const abort = new AbortController()

  function url(): string {
    const query = new URLSearchParams({ from: String(position + 1) })
    if (options.types !== undefined && options.types.length > 0) query.set('types', options.types.join(','))
    if (options.stream !== undefined) query.set('stream', options.stream)
    return `${baseUrl}/v1/events/stream?${query.toString()}`
  }

  async function* connectOnce(): AsyncGenerator<Envelope> {
    const headers: Record<string, string> = { accept: 'text/event-stream' }
    if (position > 0) headers['last-event-id'] = String(position)
    const response = await fetchImpl(url(), { headers, signal: abort.signal })
    if (!response.ok || response.body === null) throw await errorOf(response)
    for await (const frame of frames(response.body)) {
      if (frame.retry !== undefined && options.retryMs === undefined) retryMs = frame.retry
      const id = frame.id === undefined ? undefined : Number(frame.id)
      if (frame.event === 'position' || frame.data.length === 0) {
        if (id !== undefined && id > position) position = id
        continue
      }
      const envelope = JSON.parse(frame.data.join('\n')) as Envelope
      // Never hand out an event twice, whatever a server or proxy replays.
      if (envelope.sequence <= position) continue
      position = envelope.sequence
      yield envelope
    }
  }

  async function* run(): AsyncGenerator<Envelope> {
    while (!abort.signal.aborted) {
      try {
        yield* connectOnce()
      } catch (error) {
        if (abort.signal.aborted) return
        if (error instanceof Error && 'status' in error && (error as { status: number }).status < 500 && (error as { status: number }).status !== 429) throw error
        options.onReconnect?.(error, position)
      }
      if (abort.signal.aborted) return
      await new Promise((resolve) => setTimeout(resolve, retryMs))
    }
  }

  const iterator = run()
  return {
    get position() {
      return position
    },
    [Symbol.asyncIterator]: () => iterator,
    close() {
      abort.abort()
    },
  }
}
