/**
 * The portable reference implementation of the ledger's cryptography, on @noble/curves and
 * @noble/hashes: pure JavaScript, runs anywhere, and is the yardstick the native path is tested
 * against.
 *
 * Verification rule (pinned in docs/ledger-format.md):
 *   1. the public key is 32 bytes and the signature 64 bytes;
 *   2. S (the signature's last 32 bytes, little-endian) is below the group order L;
 *   3. the public key A is a canonical encoding (y < p) of a curve point that is not of small order;
 *   4. encode([S]B - [k]A) equals the signature's first 32 bytes R, byte for byte,
 *      where k = SHA-512(R || A || message) mod L (the cofactorless equation).
 * Rule 4 compares encodings, so a non-canonical or off-curve R can never match.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha512 } from '@noble/hashes/sha2.js'
import type { CryptoSuite, Ed25519, Signer } from '../ports/crypto.js'
import { concatBytes } from './bytes.js'
import { bytesEqual } from './hex.js'

const Point = ed25519.Point
const L = Point.Fn.ORDER

function leToBigint(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0)
  return n
}

type EdPoint = ReturnType<typeof Point.fromBytes>

/** Decodes a public key under rule 3, or undefined when the key is not acceptable. */
export function decodePublicKey(publicKey: Uint8Array): EdPoint | undefined {
  if (publicKey.length !== 32) return undefined
  try {
    const point = Point.fromBytes(publicKey, false)
    return point.isSmallOrder() ? undefined : point
  } catch {
    return undefined
  }
}

/** True when the key is one the ledger accepts (canonical, on the curve, not of small order). */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  return decodePublicKey(publicKey) !== undefined
}

function verifyStrict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false
  const A = decodePublicKey(publicKey)
  if (A === undefined) return false
  const R = signature.subarray(0, 32)
  const S = leToBigint(signature.subarray(32, 64))
  if (S >= L) return false
  const k = leToBigint(sha512(concatBytes([R, publicKey, message]))) % L
  const check = Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k))
  return bytesEqual(check.toBytes(), R)
}


export const referenceEd25519: Ed25519 = {
  name: 'noble',
  signer(seed: Uint8Array): Signer {
    if (seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes')
    const secret = Uint8Array.from(seed)
    const publicKey = ed25519.getPublicKey(secret)
    return { publicKey, sign: (message) => ed25519.sign(message, secret) }
  },
  verify: verifyStrict,
}

export const referenceCrypto: CryptoSuite = {
  ed25519: referenceEd25519,
  sha256: (data) => sha256(data),
}
