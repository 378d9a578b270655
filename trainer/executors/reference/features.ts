/**
 * Hashed bag-of-words features: lower-cased word tokens hashed (FNV-1a, 32-bit) into a fixed
 * number of buckets, L2-normalized, plus a constant bias feature. Integer hashing and a fixed
 * operation order keep the vectors identical on every machine.
 */
export const DEFAULT_DIMS = 512

function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** A dense vector of `dims + 1` entries; the last is the bias, always 1. */
export function featurize(text: string, dims: number): Float64Array {
  const x = new Float64Array(dims + 1)
  for (const token of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (token.length === 0) continue
    const bucket = fnv1a(token) % dims
    x[bucket] = (x[bucket] as number) + 1
  }
  let norm = 0
  for (let i = 0; i < dims; i++) norm += (x[i] as number) ** 2
  if (norm > 0) for (let i = 0; i < dims; i++) x[i] = (x[i] as number) / Math.sqrt(norm)
  x[dims] = 1
  return x
}
