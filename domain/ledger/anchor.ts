/**
 * Checkpoints (anchor events): the ledger's signed statement of its whole RFC 9162 tree. The
 * checkpoint at sequence s commits to the tree of the s-1 events before it (entry i is the
 * 32-byte hash of the event at sequence i+1), to the stream-heads map at that point, and carries
 * the ledger key's signature over the C2SP checkpoint note, so the note and its signature line
 * can be rebuilt from the log alone. It is itself an event (stream `ledger-anchors`, type
 * `LedgerAnchored`), hashed, signed, chained, and the next checkpoint's tree holds it.
 */
import * as t from 'io-ts'
import { closed, decodeWith, Hex32, Hex64, integer, pattern } from '../codec.js'
import { concatBytes } from '../crypto/bytes.js'
import { fromHex } from '../crypto/hex.js'
import { encodeBase64 } from '../tlog/base64.js'
import { formatCheckpoint } from '../tlog/checkpoint.js'
import type { Sha256 } from '../tlog/hash.js'
import { ALGORITHM, encodeVkey, keyIdOf, uint32Bytes } from '../tlog/note.js'
import type { Envelope } from './envelope.js'
import { ZERO_HASH } from './envelope.js'
import { ANCHOR_STREAM, ANCHOR_TYPE } from './names.js'

export const TREE_ALGORITHM = 'rfc9162-sha256'

/** A signed-note key name and checkpoint origin: printable ASCII without spaces or '+'. */
export const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/
export const OriginC = pattern('checkpoint origin (printable ASCII, no space or +)', ORIGIN)

export const NoteSignatureC = closed({ key: Hex32, signature: Hex64 }, 'NoteSignature')
export type NoteSignature = t.TypeOf<typeof NoteSignatureC>

export const AnchorDataC = closed(
  {
    tree: t.literal(TREE_ALGORITHM),
    origin: OriginC,
    treeSize: integer('treeSize', 1),
    root: Hex32,
    /** The roots of the perfect subtrees along the tree's right edge, largest first. */
    rightEdge: t.array(Hex32),
    streams: closed({ count: integer('streams.count', 0), root: Hex32 }, 'StreamHeadsRoot'),
    /** Ed25519 signatures over the checkpoint note's text, by the ledger key (two across a key rotation). */
    signatures: t.array(NoteSignatureC),
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

export function anchorData(envelope: Pick<Envelope, 'data'>): AnchorData | undefined {
  const decoded = decodeWith(AnchorDataC, envelope.data)
  return decoded.ok ? decoded.value : undefined
}

export { defaultOrigin } from '../tlog/checkpoint.js'

/** The C2SP tlog-checkpoint note text: origin, decimal size, base64 root, each ending in a newline. */
export function checkpointText(origin: string, treeSize: number, root: string): string {
  return formatCheckpoint({ origin, size: treeSize, root: fromHex(root), extensions: [] })
}

/** The checkpoint as a C2SP signed note: its text, a blank line, one signature line per recorded ledger signature. */
export function checkpointNote(data: AnchorData, sha256: Sha256): string {
  const text = checkpointText(data.origin, data.treeSize, data.root)
  const lines = data.signatures.map((entry) => {
    const keyId = keyIdOf(data.origin, ALGORITHM.ed25519, fromHex(entry.key), sha256)
    return `\u2014 ${data.origin} ${encodeBase64(concatBytes([uint32Bytes(keyId), fromHex(entry.signature)]))}\n`
  })
  return `${text}\n${lines.join('')}`
}

/** The C2SP verifier key of a ledger key under an origin: `origin+keyid+base64(0x01 ‖ key)`. */
export function noteVerifierKey(origin: string, ledgerKey: string, sha256: Sha256): string {
  return encodeVkey({ name: origin, keyId: keyIdOf(origin, ALGORITHM.ed25519, fromHex(ledgerKey), sha256), algorithm: ALGORITHM.ed25519, publicKey: fromHex(ledgerKey) })
}
