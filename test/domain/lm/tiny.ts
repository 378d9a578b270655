/**
 * A tiny random model in the `model-ledger/torch-lm@1` format, generated from a seed (a small
 * xorshift PRNG), and a straightforward reference forward pass (whole sequence, no cache, float64,
 * formulas written out as the spec states them) to hold the engine to.
 */
import { encodeLm, expectedTensors, loadLm, type LmConfig, type LmWeights } from '../../../domain/lm/format.js'

export const TINY: LmConfig = { vocab: 257, context: 24, dModel: 16, layers: 2, heads: 2, mlp: 64, layerNormEps: 1e-5 }

export function randomTensors(config: LmConfig, seed: number, scale = 0.3): Map<string, Float32Array> {
  let x = seed >>> 0 || 1
  const next = (): number => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 2 ** 32 - 0.5
  }
  const out = new Map<string, Float32Array>()
  for (const { name, shape } of expectedTensors(config)) {
    const n = shape.reduce((a, b) => a * b, 1)
    const a = new Float32Array(n)
    const isLnWeight = /ln[12f]?\.weight$|lnf\.weight$/.test(name)
    for (let i = 0; i < n; i++) a[i] = isLnWeight ? 1 + next() * 0.2 : next() * 2 * scale
    out.set(name, a)
  }
  return out
}

export function tinyFiles(seed = 1, config = TINY, scale = 0.3): { modelJson: string; weights: Uint8Array } {
  return encodeLm(config, randomTensors(config, seed, scale), { training: { note: 'random test weights' } })
}

export function tinyModel(seed = 1, config = TINY, scale = 0.3): LmWeights {
  const f = tinyFiles(seed, config, scale)
  return loadLm(JSON.parse(f.modelJson), f.weights)
}

/** Logits at every position of `tokens` (T ≤ C), by the spec's formulas on whole matrices. */
export function referenceLogits(m: LmWeights, tokens: readonly number[]): number[][] {
  const { dModel: D, heads: H, vocab: V, layerNormEps: eps, mlp: F } = m.config
  const T = tokens.length
  const hd = D / H
  const row = (W: Float32Array, r: number, n: number): number[] => Array.from(W.subarray(r * n, (r + 1) * n))
  const linear = (x: number[], W: Float32Array, b: Float32Array | null, out: number, inn: number): number[] =>
    Array.from({ length: out }, (_, o) => row(W, o, inn).reduce((s, w, i) => s + w * (x[i] as number), b === null ? 0 : (b[o] as number)))
  const ln = (x: number[], w: Float32Array, b: Float32Array): number[] => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * (w[i] as number) + (b[i] as number))
  }
  const gelu = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))
  let h = tokens.map((tok, t) => row(m.wte, tok, D).map((v, i) => v + (m.wpe[t * D + i] as number)))
  for (const L of m.layers) {
    const qkv = h.map((x) => linear(ln(x, L.ln1w, L.ln1b), L.attnW, L.attnB, 3 * D, D))
    const out = h.map(() => new Array<number>(D).fill(0))
    for (let head = 0; head < H; head++) {
      for (let t = 0; t < T; t++) {
        const q = (qkv[t] as number[]).slice(head * hd, (head + 1) * hd)
        const s = Array.from({ length: t + 1 }, (_, j) => q.reduce((acc, v, i) => acc + v * ((qkv[j] as number[])[D + head * hd + i] as number), 0) / Math.sqrt(hd))
        const mx = Math.max(...s)
        const e = s.map((v) => Math.exp(v - mx))
        const z = e.reduce((a, b) => a + b, 0)
        for (let i = 0; i < hd; i++) (out[t] as number[])[head * hd + i] = e.reduce((acc, w, j) => acc + (w / z) * ((qkv[j] as number[])[2 * D + head * hd + i] as number), 0)
      }
    }
    h = h.map((x, t) => {
      const p = linear(out[t] as number[], L.projW, L.projB, D, D)
      return x.map((v, i) => v + (p[i] as number))
    })
    h = h.map((x) => {
      const f = linear(ln(x, L.ln2w, L.ln2b), L.fcW, L.fcB, F, D).map(gelu)
      const p = linear(f, L.fc2W, L.fc2B, D, F)
      return x.map((v, i) => v + (p[i] as number))
    })
  }
  return h.map((x) => linear(ln(x, m.lnfw, m.lnfb), m.wte, null, V, D))
}
