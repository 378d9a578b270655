/**
 * In-process subscriptions for backend services: typed, decoded events from a position on, then
 * live, filtered by type and stream prefix.
 *
 * Pull-based: the iterator reads a page of the log only when the consumer asks for more than it
 * has, so a slow consumer holds back reading instead of buffering the log in memory. To resume,
 * keep `position` (every envelope up to it was delivered or filtered out) and pass position + 1
 * as `from` next time: nothing is missed and nothing repeats.
 */
import type { Envelope } from '../domain/ledger/envelope.js'
import { decodeEvent, type EventOfType, type KnownEvent, type KnownType, type OtherEvent } from './catalogue.js'
import type { LiveLog } from './log-source.js'

export interface SubscribeOptions {
  /** The first sequence to deliver (default 1): a saved position + 1 resumes. */
  readonly from?: number
  readonly types?: readonly string[]
  readonly streamPrefix?: string
}

export interface Delivered<Ev> {
  readonly sequence: number
  readonly stream: string
  readonly streamVersion: number
  readonly recordedAt: string
  readonly event: Ev
  readonly envelope: Envelope
}

export interface EventSubscription<Ev> extends AsyncIterable<Delivered<Ev>> {
  /** The last sequence delivered or skipped by the filter (from - 1 before any). */
  readonly position: number
  close(): void
}

export function subscribe<T extends KnownType>(log: LiveLog, options: SubscribeOptions & { readonly types: readonly T[] }): EventSubscription<EventOfType<T>>
export function subscribe(log: LiveLog, options?: SubscribeOptions): EventSubscription<KnownEvent | OtherEvent>
export function subscribe(log: LiveLog, options: SubscribeOptions = {}): EventSubscription<KnownEvent | OtherEvent> {
  const from = Math.max(1, options.from ?? 1)
  const types = options.types === undefined ? undefined : new Set(options.types)
  const prefix = options.streamPrefix ?? ''
  const source = log.subscribe(from)
  let position = from - 1

  async function* deliver(): AsyncGenerator<Delivered<KnownEvent | OtherEvent>> {
    for await (const envelope of source) {
      // Filter before decoding: skipped envelopes cost a comparison, not a decode.
      const wanted = (types === undefined || types.has(envelope.type)) && envelope.stream.startsWith(prefix)
      if (wanted) {
        const { sequence, stream, streamVersion, recordedAt } = envelope
        const delivered = { sequence, stream, streamVersion, recordedAt, event: decodeEvent(envelope), envelope }
        position = sequence
        yield delivered
      } else {
        position = envelope.sequence
      }
    }
  }

  const iterator = deliver()
  return {
    get position() {
      return position
    },
    [Symbol.asyncIterator]: () => iterator,
    close: () => source.close(),
  }
}
