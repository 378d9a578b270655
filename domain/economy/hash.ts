/** Hashes the economy rules need to be reproducible: SHA-256, hex, over canonical bytes. */
import { sha256 } from '@noble/hashes/sha2.js'
import { canonicalBytes } from '../canonical/jcs.js'
import { toHex } from '../crypto/hex.js'
import type { JsonValue } from '../json.js'

const encoder = new TextEncoder()

export function sha256Hex(bytes: Uint8Array): string {
  return toHex(sha256(bytes))
}

/** SHA-256 of the RFC 8785 canonical JSON of a value: equal values, equal hashes, on any machine. */
export function jsonHash(value: JsonValue): string {
  return sha256Hex(canonicalBytes(value))
}

export function textHash(text: string): string {
  return sha256Hex(encoder.encode(text))
}
