/**
 * C2SP tlog-cosignature, the Ed25519 `cosignature/v1` type (signature type 0x04): a witness's
 * statement that, at `timestamp`, the checkpoint is the largest consistent tree head it has seen
 * for the origin. The note signature is timestamp (8 bytes, big-endian) ‖ Ed25519 signature (64
 * bytes) over
 *
 *   "cosignature/v1\n" ‖ "time " ‖ decimal(timestamp) ‖ "\n" ‖ the checkpoint's whole note text
 *
 * The note text includes any extension lines (the spec says they MUST be signed when present) yet
 * the statement is about the first three lines only. The key ID commits to the name; the signed
 * message does not, so one key must never serve two cosigners.
 */
import { concatBytes } from '../crypto/bytes.js'
import type { CryptoSuite, Signer } from '../ports/crypto.js'
import { ALGORITHM, keyIdOf, noteVerifier, requireKeyName, type NoteSignature, type NoteSigner, type NoteVerifier } from './note.js'

/** The spec caps the timestamp at 2^63 - 1; a JavaScript caller passes whole seconds as a safe integer. */
export const MAX_TIMESTAMP = (1n << 63n) - 1n
const SIGNATURE_BYTES = 8 + 64

const utf8 = new TextEncoder()

/** The bytes an Ed25519 cosignature signs. */
export function cosignatureMessage(text: Uint8Array | string, timestamp: bigint): Uint8Array {
  const body = typeof text === 'string' ? utf8.encode(text) : text
  return concatBytes([utf8.encode(`cosignature/v1\ntime ${timestamp.toString()}\n`), body])
}

function timestampBytes(timestamp: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, timestamp, false)
  return out
}

function checkTimestamp(timestamp: number): bigint {
  if (!Number.isSafeInteger(timestamp) || timestamp <= 0) throw new RangeError(`a cosignature timestamp is a positive whole number of seconds, not ${timestamp}`)
  return BigInt(timestamp)
}

/**
 * A NoteSigner that cosigns at `timestamp` (POSIX seconds, never zero: a witness response must
 * carry one). Make one per cosignature: the time is part of what is signed.
 */
export function cosignatureSigner(name: string, signer: Signer, crypto: CryptoSuite, timestamp: number): NoteSigner {
  requireKeyName(name)
  const time = checkTimestamp(timestamp)
  return {
    name,
    keyId: keyIdOf(name, ALGORITHM.cosignatureV1, signer.publicKey, crypto.sha256),
    sign: (text) => concatBytes([timestampBytes(time), signer.sign(cosignatureMessage(text, time))]),
  }
}

/** The timestamp a cosignature carries, or undefined when the signature is not 72 bytes. */
export function cosignatureTimestamp(signature: NoteSignature | Uint8Array): bigint | undefined {
  const bytes = signature instanceof Uint8Array ? signature : signature.signature
  if (bytes.length !== SIGNATURE_BYTES) return undefined
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, false)
}

export function cosignatureVerifier(name: string, publicKey: Uint8Array, crypto: CryptoSuite): NoteVerifier {
  return noteVerifier(name, ALGORITHM.cosignatureV1, publicKey, crypto.sha256, (key, text, signature) => {
    const timestamp = cosignatureTimestamp(signature)
    if (timestamp === undefined || timestamp > MAX_TIMESTAMP) return false
    return crypto.ed25519.verify(key, cosignatureMessage(text, timestamp), signature.subarray(8))
  })
}
