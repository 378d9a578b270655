/**
 * TracIn (Pruthi et al., 2020) for the softmax model: a training example's influence on the
 * held-out loss is Σ over checkpoints of lr × ∇loss(example) · ∇loss(eval set), where the eval
 * set's gradient is the mean of its examples'. Positive means a step on the example lowers the
 * held-out loss. Negative influences are clipped to zero (the ledger pays, it never charges) and
 * the rest normalized by largest remainder to exactly ATTRIBUTION_TOTAL.
 */
import { ATTRIBUTION_TOTAL } from '../../../domain/training/values.js'
import { residual, type Encoded, type Model } from './model.js'

export const TRACIN_METHOD = 'tracin-softmax@1'

/** The mean held-out gradient, classes × features. */
function evalGradient(model: Model, held: readonly Encoded[]): Float64Array {
  const g = new Float64Array(model.weights.length)
  for (const e of held) {
    const r = residual(model, e)
    for (let c = 0; c < r.length; c++) {
      const row = c * model.features
      for (let i = 0; i < model.features; i++) g[row + i] = (g[row + i] as number) + ((r[c] as number) * (e.x[i] as number)) / held.length
    }
  }
  return g
}

/** lr × ∇loss(e) · G, where ∇loss(e) = (p − y) ⊗ x. */
function influence(model: Model, e: Encoded, g: Float64Array, lr: number): number {
  const r = residual(model, e)
  let dot = 0
  for (let c = 0; c < r.length; c++) {
    const row = c * model.features
    let gx = 0
    for (let i = 0; i < model.features; i++) gx += (g[row + i] as number) * (e.x[i] as number)
    dot += (r[c] as number) * gx
  }
  return lr * dot
}

export function tracin(checkpoints: readonly Model[], train: readonly (Encoded & { id: string })[], held: readonly Encoded[], lr: number): Map<string, number> {
  const raw = new Map<string, number>(train.map((e) => [e.id, 0]))
  for (const model of checkpoints) {
    const g = evalGradient(model, held)
    for (const e of train) raw.set(e.id, (raw.get(e.id) as number) + influence(model, e, g, lr))
  }
  return raw
}

/** Clips at zero and splits ATTRIBUTION_TOTAL in proportion, remainders to the largest fractions (ties by id). */
export function normalize(raw: ReadonlyMap<string, number>): Map<string, number> {
  const positive = [...raw].map(([id, v]) => [id, Math.max(0, v)] as const).sort(([a], [b]) => (a < b ? -1 : 1))
  const total = positive.reduce((s, [, v]) => s + v, 0)
  const out = new Map<string, number>(positive.map(([id]) => [id, 0]))
  if (total <= 0) return out
  const shares = positive.map(([id, v]) => ({ id, exact: (v / total) * ATTRIBUTION_TOTAL }))
  let given = 0
  for (const s of shares) {
    out.set(s.id, Math.floor(s.exact))
    given += Math.floor(s.exact)
  }
  const byFraction = [...shares].sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)))
  for (let i = 0; i < ATTRIBUTION_TOTAL - given; i++) {
    const s = byFraction[i % byFraction.length] as { id: string }
    out.set(s.id, (out.get(s.id) as number) + 1)
  }
  return out
}
