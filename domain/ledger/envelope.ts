/**
 * The envelope: one stored event and everything an auditor needs to check it.
 *
 * hash      = SHA-256(JCS(envelope without `hash` and `signature`))
 * signature = Ed25519(ledger key, the 32 raw bytes of `hash`)
 * prevHash  = the previous envelope's `hash`; 64 zeros for sequence 1.
 * format    = the ledger format version the event is written in (LEDGER_FORMAT), hashed with it,
 *             so an event read alone (in a proof, a report) says which rules it follows.
 */
import * as t from 'io-ts'
import { canonicalBytes, canonicalize } from '../canonical/jcs.js'
import { closed, Hex32, Hex64, integer, JsonValueC, pattern, Timestamp } from '../codec.js'
import { fromHex, toHex } from '../crypto/hex.js'
import type { JsonValue } from '../json.js'
import type { CryptoSuite, Signer } from '../ports/crypto.js'
import { STREAM_NAME, TYPE_NAME } from './names.js'

export const ZERO_HASH = '0'.repeat(64)

/**
 * The ledger format version (docs/ledger-format.md): every envelope's `format`, and a bundle's
 * header `version`. A verifier refuses an event of any other version rather than guess its rules.
 */
export const LEDGER_FORMAT = 3

export const CommandCauseC = closed(
  { kind: t.literal('command'), commandHash: Hex32, actor: Hex32, actorSignature: Hex64 },
  'CommandCause',
)
export const SystemCauseC = closed(
  { kind: t.literal('system'), reason: pattern('system reason', /^[a-z][a-z0-9-]{0,63}$/) },
  'SystemCause',
)
export const CauseC = t.union([CommandCauseC, SystemCauseC], 'Cause')
export type CommandCause = t.TypeOf<typeof CommandCauseC>
export type SystemCause = t.TypeOf<typeof SystemCauseC>
export type Cause = t.TypeOf<typeof CauseC>

export const StreamNameC = pattern('stream name (area-id)', STREAM_NAME)
export const TypeNameC = pattern('event type (PascalCase)', TYPE_NAME)

const bodyProps = {
  format: t.literal(LEDGER_FORMAT),
  sequence: integer('sequence (>= 1)', 1),
  stream: StreamNameC,
  streamVersion: integer('stream version (>= 1)', 1),
  type: TypeNameC,
  data: JsonValueC,
  recordedAt: Timestamp,
  cause: CauseC,
  prevHash: Hex32,
  signer: Hex32,
}

/**
 * Why a value is not an envelope of this format version, when that is the reason; else undefined.
 * An event of another version is refused by name, never checked under rules it was not written to.
 */
export function formatFault(value: unknown): string | undefined {
  const format = typeof value === 'object' && value !== null ? (value as { format?: unknown }).format : undefined
  if (format === LEDGER_FORMAT) return undefined
  if (format === undefined) return `the envelope has no format member (this verifier reads format ${LEDGER_FORMAT})`
  return `envelope format ${JSON.stringify(format)?.slice(0, 20) ?? typeof format} is not one this verifier knows: it reads format ${LEDGER_FORMAT} only`
}

export const EnvelopeBodyC = closed(bodyProps, 'EnvelopeBody')
export type EnvelopeBody = t.TypeOf<typeof EnvelopeBodyC>

export const EnvelopeC = closed({ ...bodyProps, hash: Hex32, signature: Hex64 }, 'Envelope')
export type Envelope = t.TypeOf<typeof EnvelopeC>

/** The members that are hashed, in a fresh object (never the envelope itself). */
export function envelopeBody(envelope: Envelope): EnvelopeBody {
  return {
    format: envelope.format,
    sequence: envelope.sequence,
    stream: envelope.stream,
    streamVersion: envelope.streamVersion,
    type: envelope.type,
    data: envelope.data,
    recordedAt: envelope.recordedAt,
    cause: envelope.cause,
    prevHash: envelope.prevHash,
    signer: envelope.signer,
  }
}

export function hashBody(body: EnvelopeBody, crypto: CryptoSuite): Uint8Array {
  return crypto.sha256(canonicalBytes(body as unknown as JsonValue))
}

/**
 * The canonical text of a body, in three pieces around the places where `hash` and `signature`
 * sort in. Members are written in RFC 8785 order by hand, so the data's canonical text (already
 * computed when the append was validated) is reused instead of canonicalizing it again; the
 * other members are validated hex, timestamps, safe integers and ASCII names. Tests hold the
 * result equal to canonicalize().
 */
export function canonicalPieces(body: EnvelopeBody, dataText: string): readonly [string, string, string] {
  return [
    `{"cause":${canonicalize(body.cause as unknown as JsonValue)},"data":${dataText},"format":${body.format},`,
    `"prevHash":"${body.prevHash}","recordedAt":"${body.recordedAt}","sequence":${body.sequence},`,
    `"signer":"${body.signer}","stream":${JSON.stringify(body.stream)},"streamVersion":${body.streamVersion},"type":${JSON.stringify(body.type)}}`,
  ]
}

const encoder = new TextEncoder()

/** An envelope with its own canonical JSON text, as stores keep it and bundles carry it. */
export interface SealedEnvelope {
  readonly envelope: Envelope
  readonly text: string
}

/**
 * Hashes and signs a body with the ledger key: the only way an envelope comes into being.
 * `dataText`, when given, must be canonicalize(body.data).
 */
export function sealEnvelopeText(body: EnvelopeBody, signer: Signer, crypto: CryptoSuite, dataText?: string): SealedEnvelope {
  const [head, middle, tail] = canonicalPieces(body, dataText ?? canonicalize(body.data))
  const hashBytes = crypto.sha256(encoder.encode(head + middle + tail))
  const hash = toHex(hashBytes)
  const signature = toHex(signer.sign(hashBytes))
  return { envelope: { ...body, hash, signature }, text: envelopeText([head, middle, tail], hash, signature) }
}

/** The canonical envelope text from its body's pieces, with hash and signature sorted in. */
export function envelopeText(pieces: readonly [string, string, string], hash: string, signature: string): string {
  return `${pieces[0]}"hash":"${hash}",${pieces[1]}"signature":"${signature}",${pieces[2]}`
}

export function sealEnvelope(body: EnvelopeBody, signer: Signer, crypto: CryptoSuite): Envelope {
  return sealEnvelopeText(body, signer, crypto).envelope
}

export type EnvelopeCheck = { ok: true } | { ok: false; reason: string }

/** Checks an envelope's own hash and signature (not its place in the chain). */
export function checkEnvelopeSeal(envelope: Envelope, crypto: CryptoSuite): EnvelopeCheck {
  const hash = hashBody(envelopeBody(envelope), crypto)
  if (toHex(hash) !== envelope.hash) return { ok: false, reason: 'hash does not match the envelope contents' }
  if (!crypto.ed25519.verify(fromHex(envelope.signer), hash, fromHex(envelope.signature))) {
    return { ok: false, reason: 'signature does not verify under the signer key' }
  }
  return { ok: true }
}
