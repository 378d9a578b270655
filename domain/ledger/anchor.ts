/**
 * Anchors: a ledger-signed Merkle root over the hashes of every event since the previous anchor.
 * An anchor is itself an event (stream `ledger-anchors`, type `LedgerAnchored`), so it is hashed,
 * signed and chained like any other; its data links it to the anchor before it.
 */
import * as t from 'io-ts'
import { closed, Hex32, integer } from '../codec.js'
import { decodeWith } from '../codec.js'
import type { Envelope } from './envelope.js'
import { ZERO_HASH } from './envelope.js'
import { ANCHOR_STREAM, ANCHOR_TYPE } from './names.js'

export const TREE_ALGORITHM = 'rfc6962-sha256'

export const AnchorDataC = closed(
  {
    fromSequence: integer('fromSequence', 1),
    toSequence: integer('toSequence', 1),
    root: Hex32,
    prevAnchorSequence: integer('prevAnchorSequence', 0),
    prevAnchorHash: Hex32,
    tree: t.literal(TREE_ALGORITHM),
  },
  'AnchorData',
)
export type AnchorData = t.TypeOf<typeof AnchorDataC>

export interface AnchorRef {
  readonly sequence: number
  readonly hash: string
}

export const NO_ANCHOR: AnchorRef = { sequence: 0, hash: ZERO_HASH }

export function isAnchor(envelope: Pick<Envelope, 'stream' | 'type'>): boolean {
  return envelope.stream === ANCHOR_STREAM && envelope.type === ANCHOR_TYPE
}

export function anchorData(envelope: Envelope): AnchorData | undefined {
  const decoded = decodeWith(AnchorDataC, envelope.data)
  return decoded.ok ? decoded.value : undefined
}
