/**
 * Sampling, defined exactly so that anyone can regenerate an answer from (checkpoint, prompt,
 * temperature, top_p, max_tokens, stop, seed):
 *
 * - The uniform draw for the token at generated position `step` (0 for the first answer token)
 *   is `u = floor(H / 2^11) / 2^53` where H is the first 8 bytes, big-endian, of
 *   SHA-256(ASCII("model-ledger/lm-sample@1:" + seed + ":" + step)), seed and step in decimal.
 *   Counter-based: a draw depends only on (seed, step), not on how many draws came before.
 * - temperature 0: greedy, the largest logit, the lowest id on ties; no draw is used.
 * - otherwise p_i = exp((l_i − max l)/T) / Σ_j exp((l_j − max l)/T) in float64, sums in id order;
 *   the ids sorted by p descending, id ascending on ties; the nucleus is the shortest prefix whose
 *   cumulative mass (summed in that order) reaches top_p (the whole list when top_p ≥ 1; at least
 *   one token); target = u × (mass of the nucleus); the token is the first in the nucleus whose
 *   cumulative mass exceeds target (the last one when rounding leaves none).
 */
import { sha256 } from '@noble/hashes/sha2.js'

export const SAMPLE_DOMAIN = 'model-ledger/lm-sample@1'

/** The largest seed accepted: seeds are non-negative safe integers, written in decimal. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER

const ascii = new TextEncoder()

/** The uniform draw in [0, 1) for generated position `step` under `seed`. */
export function uniform(seed: number, step: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer (got ${seed})`)
  const d = sha256(ascii.encode(`${SAMPLE_DOMAIN}:${seed}:${step}`))
  // 53 bits: the high 32 of the first word and the high 21 of the second.
  const hi = ((d[0] as number) << 24) | ((d[1] as number) << 16) | ((d[2] as number) << 8) | (d[3] as number)
  const lo = ((d[4] as number) << 24) | ((d[5] as number) << 16) | ((d[6] as number) << 8) | (d[7] as number)
  return ((hi >>> 0) * 2 ** 21 + ((lo >>> 0) >>> 11)) / 2 ** 53
}

export interface SamplingOptions {
  /** 0 = greedy; otherwise > 0. */
  readonly temperature: number
  /** In (0, 1]. */
  readonly topP: number
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i
  return best
}

/** The nucleus after temperature: ids in order (p desc, id asc) and their probabilities. */
export function nucleus(logits: ArrayLike<number>, o: SamplingOptions): { ids: number[]; probs: number[]; mass: number } {
  const n = logits.length
  let max = -Infinity
  for (let i = 0; i < n; i++) if ((logits[i] as number) > max) max = logits[i] as number
  const p = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) {
    const e = Math.exp(((logits[i] as number) - max) / o.temperature)
    p[i] = e
    sum += e
  }
  for (let i = 0; i < n; i++) p[i] = (p[i] as number) / sum
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (p[b] as number) - (p[a] as number) || a - b)
  const ids: number[] = []
  const probs: number[] = []
  let mass = 0
  for (const id of order) {
    ids.push(id)
    probs.push(p[id] as number)
    mass += p[id] as number
    if (o.topP < 1 && mass >= o.topP) break
  }
  return { ids, probs, mass }
}

/** The next token from `logits` with draw `u` (unused when greedy). */
export function pick(logits: ArrayLike<number>, o: SamplingOptions, u: number): number {
  if (o.temperature === 0) return argmax(logits)
  const { ids, probs, mass } = nucleus(logits, o)
  const target = u * mass
  let cumulative = 0
  for (let i = 0; i < ids.length; i++) {
    cumulative += probs[i] as number
    if (cumulative > target) return ids[i] as number
  }
  return ids[ids.length - 1] as number
}
