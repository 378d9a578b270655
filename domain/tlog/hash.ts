/**
 * RFC 9162 §2.1.1 hashing: a leaf is SHA-256(0x00 ‖ entry), an interior node SHA-256(0x01 ‖ left ‖ right),
 * and the empty tree's root is SHA-256 of nothing. The two prefixes keep a leaf from passing for a node.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'

export type Sha256 = (data: Uint8Array) => Uint8Array

export const HASH_SIZE = 32

export function leafHash(entry: Uint8Array, sha256: Sha256 = nobleSha256): Uint8Array {
  const input = new Uint8Array(1 + entry.length)
  input.set(entry, 1)
  return sha256(input)
}

export function nodeHash(left: Uint8Array, right: Uint8Array, sha256: Sha256 = nobleSha256): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length)
  input[0] = 1
  input.set(left, 1)
  input.set(right, 1 + left.length)
  return sha256(input)
}

export function emptyRoot(sha256: Sha256 = nobleSha256): Uint8Array {
  return sha256(new Uint8Array(0))
}

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}
