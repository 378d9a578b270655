/** Little-endian scalars of Ed25519, for tests that build malleated (S + L) or crafted signatures. */
import { ed25519 } from '@noble/curves/ed25519.js'

/** The group order L. */
export const L = ed25519.Point.Fn.ORDER

/** `n` as 32 little-endian bytes. */
export function le(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}

/** Little-endian bytes as a number. */
export function leToBig(bytes: Uint8Array): bigint {
  return bytes.reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n)
}
