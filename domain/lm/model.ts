/**
 * The forward pass of `model-ledger/torch-lm@1` with a key/value cache: a session feeds one token
 * at a time at the next position and returns the next-token logits when asked. Weights are
 * float32; activations are float32 arrays and every sum is accumulated in float64 (JavaScript
 * numbers), in index order, so a given machine and engine always compute the same logits.
 */
import type { LmWeights } from './format.js'

export interface LmSession {
  /** Tokens in the cache: the position the next token is fed at. */
  readonly length: number
  /** Feeds `token` at position `length`; with `logits`, returns the next-token logits (V floats, a fresh array). */
  feed(token: number, logits: true): Float32Array
  feed(token: number, logits?: false): undefined
  /** Empties the cache (a new context window). */
  reset(): void
}

/** y[o] = b[o] + Σ_i W[o, i] x[i], W row-major [out, in]. */
export function matVec(W: Float32Array, b: Float32Array | null, x: Float32Array, y: Float32Array, out: number, inn: number): void {
  for (let o = 0; o < out; o++) {
    let s = 0
    const row = o * inn
    for (let i = 0; i < inn; i++) s += (W[row + i] as number) * (x[i] as number)
    y[o] = b === null ? s : s + (b[o] as number)
  }
}

export function layerNorm(x: Float32Array, w: Float32Array, b: Float32Array, eps: number, y: Float32Array): void {
  const n = x.length
  let mean = 0
  for (let i = 0; i < n; i++) mean += x[i] as number
  mean /= n
  let v = 0
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - mean
    v += d * d
  }
  const inv = 1 / Math.sqrt(v / n + eps)
  for (let i = 0; i < n; i++) y[i] = ((x[i] as number) - mean) * inv * (w[i] as number) + (b[i] as number)
}

const GELU_K = Math.sqrt(2 / Math.PI)
export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(GELU_K * (x + 0.044715 * x * x * x)))

export function createSession(m: LmWeights): LmSession {
  const { context: C, dModel: D, heads: H, mlp: F, vocab: V, layerNormEps: eps } = m.config
  const hd = D / H
  const scale = 1 / Math.sqrt(hd)
  const keys = m.layers.map(() => new Float32Array(C * D))
  const values = m.layers.map(() => new Float32Array(C * D))
  const h = new Float32Array(D)
  const a = new Float32Array(D)
  const qkv = new Float32Array(3 * D)
  const att = new Float32Array(D)
  const proj = new Float32Array(D)
  const hid = new Float32Array(F)
  const scores = new Float64Array(C)
  let length = 0

  function feed(token: number, wantLogits?: boolean): Float32Array | undefined {
    if (!Number.isInteger(token) || token < 0 || token >= V) throw new RangeError(`token ${token} is outside the vocabulary 0..${V - 1}`)
    if (length >= C) throw new RangeError(`the context of ${C} tokens is full`)
    const t = length
    for (let i = 0; i < D; i++) h[i] = (m.wte[token * D + i] as number) + (m.wpe[t * D + i] as number)
    m.layers.forEach((L, l) => {
      layerNorm(h, L.ln1w, L.ln1b, eps, a)
      matVec(L.attnW, L.attnB, a, qkv, 3 * D, D)
      const K = keys[l] as Float32Array
      const Vc = values[l] as Float32Array
      K.set(qkv.subarray(D, 2 * D), t * D)
      Vc.set(qkv.subarray(2 * D, 3 * D), t * D)
      for (let head = 0; head < H; head++) {
        const off = head * hd
        let max = -Infinity
        for (let j = 0; j <= t; j++) {
          let s = 0
          for (let i = 0; i < hd; i++) s += (qkv[off + i] as number) * (K[j * D + off + i] as number)
          s *= scale
          scores[j] = s
          if (s > max) max = s
        }
        let sum = 0
        for (let j = 0; j <= t; j++) {
          const e = Math.exp((scores[j] as number) - max)
          scores[j] = e
          sum += e
        }
        for (let i = 0; i < hd; i++) {
          let s = 0
          for (let j = 0; j <= t; j++) s += (scores[j] as number) * (Vc[j * D + off + i] as number)
          att[off + i] = s / sum
        }
      }
      matVec(L.projW, L.projB, att, proj, D, D)
      for (let i = 0; i < D; i++) h[i] = (h[i] as number) + (proj[i] as number)
      layerNorm(h, L.ln2w, L.ln2b, eps, a)
      matVec(L.fcW, L.fcB, a, hid, F, D)
      for (let i = 0; i < F; i++) hid[i] = geluTanh(hid[i] as number)
      matVec(L.fc2W, L.fc2B, hid, proj, D, F)
      for (let i = 0; i < D; i++) h[i] = (h[i] as number) + (proj[i] as number)
    })
    length = t + 1
    if (wantLogits !== true) return undefined
    layerNorm(h, m.lnfw, m.lnfb, eps, a)
    const logits = new Float32Array(V)
    matVec(m.wte, null, a, logits, V, D)
    return logits
  }

  return {
    get length() {
      return length
    },
    feed: feed as LmSession['feed'],
    reset() {
      length = 0
    },
  }
}
