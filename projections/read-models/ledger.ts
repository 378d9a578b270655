/**
 * The ledger read model: the head and every anchor, so a service can answer "how far is the log"
 * and "which anchor covers sequence N" without scanning the log.
 *
 *   head               { sequence, hash, recordedAt, anchors }
 *   anchor:<seq16>     { sequence, hash, recordedAt, treeSize, root, origin }
 */
import * as t from 'io-ts'
import { Hex32, Timestamp } from '../../domain/codec.js'
import { anchorData, isAnchor } from '../../domain/ledger/anchor.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { allEnvelopes, type Projection, type RowChange } from '../projection.js'
import { rowCodec, seqKey } from '../row-codec.js'

const HeadRowC = t.type({ kind: t.literal('head'), sequence: t.number, hash: Hex32, recordedAt: Timestamp, anchors: t.number })
const AnchorRowC = t.type({
  kind: t.literal('anchor'),
  sequence: t.number,
  hash: Hex32,
  recordedAt: Timestamp,
  treeSize: t.number,
  root: Hex32,
  origin: t.string,
})
export const LedgerRowC = t.union([HeadRowC, AnchorRowC])
export type LedgerRow = t.TypeOf<typeof LedgerRowC>
export type HeadRow = t.TypeOf<typeof HeadRowC>

export const HEAD_KEY = 'head'
export const anchorKey = (sequence: number): string => `anchor:${seqKey(sequence)}`

function anchorRow(envelope: Envelope): RowChange<LedgerRow>[] {
  const data = anchorData(envelope)
  if (data === undefined) throw new TypeError(`sequence ${envelope.sequence}: anchor data does not decode`)
  const { sequence, hash, recordedAt } = envelope
  const row: LedgerRow = { kind: 'anchor', sequence, hash, recordedAt, treeSize: data.treeSize, root: data.root, origin: data.origin }
  return [{ key: anchorKey(sequence), value: row }]
}

export const ledgerProjection: Projection<LedgerRow, Envelope> = {
  name: 'ledger',
  version: 1,
  filter: allEnvelopes,
  init: [],
  apply(state, envelope) {
    const previous = state.get(HEAD_KEY)
    const anchors = (previous?.kind === 'head' ? previous.anchors : 0) + (isAnchor(envelope) ? 1 : 0)
    const head: LedgerRow = { kind: 'head', sequence: envelope.sequence, hash: envelope.hash, recordedAt: envelope.recordedAt, anchors }
    return [{ key: HEAD_KEY, value: head }, ...(isAnchor(envelope) ? anchorRow(envelope) : [])]
  },
  ...rowCodec('ledger', LedgerRowC),
}
