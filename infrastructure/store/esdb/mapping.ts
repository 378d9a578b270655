/**
 * How a ledger maps onto EventStoreDB / KurrentDB, as pure functions (unit-tested without a server).
 *
 * - The chain: every envelope, in sequence order, in one ESDB stream `<prefix>:chain`. Sequence N is
 *   stream revision N-1, so "append on top of head H" is "expected revision H-1" (no_stream for an
 *   empty ledger): the server refuses a batch sealed against a head that moved, and a batch is one
 *   append, so it lands whole or not at all. This is what keeps one chain with several writers.
 * - Each ledger stream `s` is the ESDB stream `<prefix>:s:<s>` of link events ($>) to the chain,
 *   stream version v at revision v-1, appended with expected revisions after the chain commit.
 * - `<prefix>:indexed` records the last sequence whose links are written, so a writer that died
 *   between the chain append and the links is repaired by the next one.
 * - Event data is the envelope's canonical JSON bytes unchanged (what was hashed); the metadata
 *   carries sequence, stream and version, and on the first event a command caused, the signed
 *   command and its result, so commands commit in the same atomic append as their events.
 *   `<prefix>:c:<hash>` links to that event: the dedupe index, repaired like the stream links.
 */
import { createHash } from 'node:crypto'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import type { StoredCommand } from '../backend.js'

export type ExpectedRevision = 'no_stream' | 'any' | bigint

export interface EsdbEvent {
  readonly type: string
  readonly data: Uint8Array
  readonly metadata: Uint8Array
}

export interface EsdbNames {
  readonly chain: string
  readonly indexed: string
  stream(name: string): string
  command(hash: string): string
  /** The link stream that holds the one command of a nonce key (hashed: nonces may hold any printable ASCII). */
  nonce(key: string): string
  readonly meta: string
}

export const LINK_TYPE = '$>'
export const INDEXED_TYPE = 'LinksWritten'

export function esdbNames(prefix: string): EsdbNames {
  return { chain: `${prefix}:chain`, indexed: `${prefix}:indexed`, meta: `${prefix}:meta`, stream: (name) => `${prefix}:s:${name}`, command: (hash) => `${prefix}:c:${hash}`, nonce: (key) => `${prefix}:n:${createHash('sha256').update(key).digest('hex')}` }
}

/** The revision an append must expect when the last item it builds on is number `count` (1-based). */
export function expectedAfter(count: number): ExpectedRevision {
  return count === 0 ? 'no_stream' : BigInt(count - 1)
}

export const sequenceToRevision = (sequence: number): bigint => BigInt(sequence - 1)
export const revisionToSequence = (revision: bigint): number => Number(revision) + 1

const utf8 = new TextEncoder()
const text = new TextDecoder()

export interface ChainMetadata {
  readonly sequence: number
  readonly stream: string
  readonly streamVersion: number
  readonly command?: StoredCommand
}

export function chainEvent(envelope: Envelope, canonical: string, command?: StoredCommand): EsdbEvent {
  const metadata: ChainMetadata = { sequence: envelope.sequence, stream: envelope.stream, streamVersion: envelope.streamVersion, ...(command === undefined ? {} : { command }) }
  return { type: envelope.type, data: utf8.encode(canonical), metadata: utf8.encode(JSON.stringify(metadata)) }
}

/** A link from a ledger stream to the chain event of `sequence`. */
export function linkEvent(chain: string, sequence: number): EsdbEvent {
  return { type: LINK_TYPE, data: utf8.encode(`${sequenceToRevision(sequence)}@${chain}`), metadata: new Uint8Array() }
}

export function indexedEvent(sequence: number): EsdbEvent {
  return { type: INDEXED_TYPE, data: utf8.encode(JSON.stringify({ sequence })), metadata: new Uint8Array() }
}

export function parseIndexed(event: EsdbEvent): number {
  return (JSON.parse(text.decode(event.data)) as { sequence: number }).sequence
}

export const chainMetadata = (event: EsdbEvent): ChainMetadata => JSON.parse(text.decode(event.metadata)) as ChainMetadata

/** The canonical JSON stored for an envelope: exactly the bytes its hash covers. */
export const envelopeText = (event: EsdbEvent): string => text.decode(event.data)

/** ESDB positions are (commit, prepare) pairs of 64-bit integers: kept as one string for checkpoints. */
export function positionToCheckpoint(position: { commit: bigint; prepare: bigint }): string {
  return `${position.commit}/${position.prepare}`
}

export function checkpointToPosition(checkpoint: string): { commit: bigint; prepare: bigint } {
  const match = /^(\d+)\/(\d+)$/.exec(checkpoint)
  if (match === null) throw new Error(`not an ESDB position: ${checkpoint}`)
  return { commit: BigInt(match[1] as string), prepare: BigInt(match[2] as string) }
}
