/**
 * What one bundle line says, checked on its own: canonical bytes, shape, hash and signature.
 * Pure and independent of other lines, so verification can spread lines over threads; the
 * chain-level checks that need order live in chain-check.ts.
 */
import { canonicalize, CanonicalizationError } from '../canonical/jcs.js'
import { decodeWith } from '../codec.js'
import type { JsonValue } from '../json.js'
import type { CryptoSuite } from '../ports/crypto.js'
import { anchorData, checkpointText, isAnchor, type AnchorData } from './anchor.js'
import { BUNDLE_VERSION, BundleHeaderC, type BundleHeader } from './bundle.js'
import { nonceKey, SignedCommandC, verifyCommand } from './command.js'
import { canonicalPieces, EnvelopeC, envelopeText, formatFault } from './envelope.js'
import { fromHex, toHex } from '../crypto/hex.js'

const encoder = new TextEncoder()
import { ANCHOR_STREAM, ANCHOR_TYPE } from './names.js'

export interface EventFacts {
  readonly kind: 'event'
  readonly sequence: number
  readonly stream: string
  readonly streamVersion: number
  readonly type: string
  readonly recordedAt: string
  readonly prevHash: string
  readonly hash: string
  readonly commandHash: string | null
  /** The actor and actor signature the event's cause cites, for matching against the command. */
  readonly causeActor: string | null
  readonly causeSignature: string | null
  readonly anchor: AnchorData | null
}

export type LineFacts =
  | { readonly kind: 'header'; readonly header: BundleHeader }
  | {
      readonly kind: 'command'
      readonly hash: string
      readonly actor: string
      readonly signature: string
      /** SHA-256 of the command's nonce key (actor/nonce): unique in the ledger. */
      readonly nonceHash: string
      readonly nonce: string
    }
  | EventFacts
  | { readonly kind: 'bad'; readonly reason: string; readonly sequence: number | null }

function bad(reason: string, sequence: number | null = null): LineFacts {
  return { kind: 'bad', reason, sequence }
}

function isCanonical(value: unknown, text: string): { ok: true } | { ok: false; reason: string } {
  try {
    return canonicalize(value as JsonValue) === text ? { ok: true } : { ok: false, reason: 'not in RFC 8785 canonical form' }
  } catch (error) {
    if (error instanceof CanonicalizationError) return { ok: false, reason: `not I-JSON: ${error.message}` }
    throw error
  }
}

function sequenceOf(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null
  const event = (value as { event?: { sequence?: unknown } }).event
  return typeof event?.sequence === 'number' && Number.isSafeInteger(event.sequence) ? event.sequence : null
}

/** Checks one line. `ledgerKey` is the key every event must be signed by. */
export function checkLine(line: string, ledgerKey: string, crypto: CryptoSuite): LineFacts {
  // Lines end in LF alone; a CR before it would otherwise surface only as "not canonical".
  if (line.endsWith('\r')) return bad('the line ends in CR LF: bundle lines end in LF (0x0a) alone')
  if (line.startsWith('\ufeff')) return bad('the line starts with a byte-order mark: bundles are UTF-8 without one')
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return bad('not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length !== 1) {
    return bad('a line is an object with exactly one member: header, command or event')
  }
  const record = value as Record<string, unknown>
  // An event line is checked for canonical form by rebuilding it (checkEvent); the rest here.
  if ('event' in record) return checkEvent(line, record.event, ledgerKey, crypto, sequenceOf(value))
  const canonical = isCanonical(value, line)
  if (!canonical.ok) return bad(canonical.reason)
  if ('command' in record) return checkCommand(record.command, ledgerKey, crypto)
  if ('header' in record) {
    const version = (record.header as { version?: unknown } | null)?.version
    if (typeof version === 'number' && version !== BUNDLE_VERSION) return bad(`bundle version ${version} is not one this verifier knows: it reads version ${BUNDLE_VERSION} only`)
    const header = decodeWith(BundleHeaderC, record.header)
    return header.ok ? { kind: 'header', header: header.value } : bad(`malformed header: ${header.error}`)
  }
  return bad(`unknown line kind ${JSON.stringify(Object.keys(record)[0])}`)
}

function checkCommand(value: unknown, ledgerKey: string, crypto: CryptoSuite): LineFacts {
  const decoded = decodeWith(SignedCommandC, value)
  if (!decoded.ok) return bad(`malformed command: ${decoded.error}`)
  const { command, signature } = decoded.value
  const hash = verifyCommand(decoded.value, crypto)
  if (hash === undefined) return bad(`command signature does not verify under its actor ${command.actor}`)
  if (command.ledger !== ledgerKey) return bad(`command ${hash} names ledger ${command.ledger}, not this ledger ${ledgerKey}: it was signed for another ledger`)
  const nonceHash = toHex(crypto.sha256(encoder.encode(nonceKey(command))))
  return { kind: 'command', hash, actor: command.actor, signature, nonceHash, nonce: command.nonce }
}

function checkEvent(line: string, value: unknown, ledgerKey: string, crypto: CryptoSuite, sequence: number | null): LineFacts {
  const versionFault = formatFault(value)
  if (versionFault !== undefined) return bad(versionFault, sequence)
  // The type guard allocates nothing; the full decode runs only to explain a malformed envelope.
  if (!EnvelopeC.is(value)) {
    const decoded = decodeWith(EnvelopeC, value)
    return bad(`malformed envelope: ${decoded.ok ? 'unknown member' : decoded.error}`, sequence)
  }
  const envelope = value
  if (envelope.signer !== ledgerKey) return bad(`signed by ${envelope.signer}, which is not the ledger key ${ledgerKey}`, sequence)
  // Rebuilding the line from the decoded values and comparing it byte for byte proves the line is
  // canonical (no duplicate members, no odd escapes, nothing a parser could read two ways), and
  // gives the body's canonical text without a second full canonicalization.
  let pieces: readonly [string, string, string]
  try {
    pieces = canonicalPieces(envelope, canonicalize(envelope.data))
  } catch (error) {
    if (error instanceof CanonicalizationError) return bad(`not I-JSON: ${error.message}`, sequence)
    throw error
  }
  if (`{"event":${envelopeText(pieces, envelope.hash, envelope.signature)}}` !== line) return bad('not in RFC 8785 canonical form', sequence)
  const hash = crypto.sha256(encoder.encode(pieces[0] + pieces[1] + pieces[2]))
  if (toHex(hash) !== envelope.hash) return bad('hash does not match the envelope contents', sequence)
  if (!crypto.ed25519.verify(fromHex(envelope.signer), hash, fromHex(envelope.signature))) {
    return bad('signature does not verify under the signer key', sequence)
  }
  let anchor: AnchorData | null = null
  if (isAnchor(envelope)) {
    anchor = anchorData(envelope) ?? null
    if (anchor === null) return bad('malformed anchor data', sequence)
    if (envelope.cause.kind !== 'system' || envelope.cause.reason !== 'anchor') return bad('an anchor must have the system cause "anchor"', sequence)
    const noteFault = checkNoteSignatures(anchor, envelope.signer, crypto)
    if (noteFault !== undefined) return bad(noteFault, sequence)
  } else if (envelope.stream === ANCHOR_STREAM || envelope.type === ANCHOR_TYPE) {
    return bad(`${ANCHOR_TYPE} events belong to ${ANCHOR_STREAM} and nothing else does`, sequence)
  }
  return {
    kind: 'event',
    sequence: envelope.sequence,
    stream: envelope.stream,
    streamVersion: envelope.streamVersion,
    type: envelope.type,
    recordedAt: envelope.recordedAt,
    prevHash: envelope.prevHash,
    hash: envelope.hash,
    commandHash: envelope.cause.kind === 'command' ? envelope.cause.commandHash : null,
    causeActor: envelope.cause.kind === 'command' ? envelope.cause.actor : null,
    causeSignature: envelope.cause.kind === 'command' ? envelope.cause.actorSignature : null,
    anchor,
  }
}

/** A checkpoint's note signatures: at least one, by distinct keys, one of them the event's signer, every one valid. */
export function checkNoteSignatures(anchor: AnchorData, signer: string, crypto: CryptoSuite): string | undefined {
  if (!anchor.signatures.some((entry) => entry.key === signer)) return `the checkpoint note is not signed by the event's signer ${signer}`
  if (new Set(anchor.signatures.map((entry) => entry.key)).size !== anchor.signatures.length) return 'the checkpoint note names a key twice'
  const text = encoder.encode(checkpointText(anchor.origin, anchor.treeSize, anchor.root))
  const bad = anchor.signatures.find((entry) => !crypto.ed25519.verify(fromHex(entry.key), text, fromHex(entry.signature)))
  return bad === undefined ? undefined : `the checkpoint note signature by ${bad.key} does not verify`
}
