/**
 * The few operations the ESDB backend needs, as an interface: the real client is adapted to it
 * (fromDbClient) and tests substitute a fake, so the mapping is tested without a server.
 */
import { binaryEvent, EventStoreDBClient, streamNameFilter, WrongExpectedVersionError, END, START, FORWARDS, BACKWARDS } from '@eventstore/db-client'
import type { EsdbEvent, ExpectedRevision } from './mapping.js'

export interface ReadOptions {
  readonly from: bigint | 'start' | 'end'
  readonly backwards?: boolean
  readonly maxCount: number
}

export interface EsdbClient {
  /** Appends atomically; throws RevisionConflict when the stream is not at `expected`. */
  append(stream: string, events: readonly EsdbEvent[], expected: ExpectedRevision): Promise<void>
  /** Events of a stream (links resolved to the events they point at); [] when it does not exist. */
  read(stream: string, options: ReadOptions): Promise<EsdbEvent[]>
  /** Calls `onEvent` for each new event in streams starting with `prefix`, from now on. */
  subscribe(prefix: string, onEvent: () => void): { stop(): Promise<void> }
  close(): Promise<void>
}

export class RevisionConflict extends Error {
  override readonly name = 'RevisionConflict'
}

export function fromDbClient(connectionString: string): EsdbClient {
  const client = EventStoreDBClient.connectionString(connectionString)
  return {
    async append(stream, events, expected) {
      try {
        await client.appendToStream(
          stream,
          events.map((e) => binaryEvent({ type: e.type, data: e.data, metadata: e.metadata })),
          { expectedRevision: expected },
        )
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) throw new RevisionConflict(error.message)
        throw error
      }
    },
    async read(stream, options) {
      const out: EsdbEvent[] = []
      try {
        const from = options.from === 'start' ? START : options.from === 'end' ? END : options.from
        for await (const resolved of client.readStream(stream, { fromRevision: from, direction: options.backwards === true ? BACKWARDS : FORWARDS, maxCount: options.maxCount, resolveLinkTos: true })) {
          const e = resolved.event
          if (e !== undefined) out.push({ type: e.type, data: e.data as Uint8Array, metadata: e.metadata as Uint8Array })
        }
      } catch (error) {
        if ((error as { type?: string }).type === 'stream-not-found') return []
        throw error
      }
      return out
    },
    subscribe(prefix, onEvent) {
      // The filter's checkpoints keep the server from scanning the whole log for us; we only need "something committed".
      const subscription = client.subscribeToAll({ fromPosition: END, filter: streamNameFilter({ prefixes: [prefix], checkpointInterval: 32 }) })
      subscription.on('data', () => onEvent())
      subscription.on('error', () => undefined)
      return { stop: () => subscription.unsubscribe() }
    },
    close: () => client.dispose(),
  }
}
