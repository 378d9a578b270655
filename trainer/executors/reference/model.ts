/**
 * A softmax (multinomial logistic) classifier: weights W (classes × features), p = softmax(Wx),
 * cross-entropy loss. Its per-example gradient is (p − y) ⊗ x, which is what makes TracIn cheap:
 * two gradients' dot product is ((p₁ − y₁)·(p₂ − y₂)) × (x₁·x₂).
 */
export interface Model {
  readonly classes: readonly string[]
  readonly features: number
  readonly weights: Float64Array
}

export interface Encoded {
  readonly x: Float64Array
  readonly y: number
}

export function emptyModel(classes: readonly string[], features: number): Model {
  return { classes, features, weights: new Float64Array(classes.length * features) }
}

export function probabilities(model: Model, x: Float64Array): Float64Array {
  const k = model.classes.length
  const logits = new Float64Array(k)
  for (let c = 0; c < k; c++) {
    let z = 0
    const row = c * model.features
    for (let i = 0; i < model.features; i++) z += (model.weights[row + i] as number) * (x[i] as number)
    logits[c] = z
  }
  let max = -Infinity
  for (const z of logits) max = Math.max(max, z)
  let sum = 0
  for (let c = 0; c < k; c++) {
    logits[c] = Math.exp((logits[c] as number) - max)
    sum += logits[c] as number
  }
  for (let c = 0; c < k; c++) logits[c] = (logits[c] as number) / sum
  return logits
}

/** p − y: the gradient of the loss with respect to the logits. */
export function residual(model: Model, e: Encoded): Float64Array {
  const r = probabilities(model, e.x)
  r[e.y] = (r[e.y] as number) - 1
  return r
}

/** One SGD step on one example: W ← W − lr (p − y) ⊗ x. */
export function sgdStep(model: Model, e: Encoded, lr: number): number {
  const r = residual(model, e)
  const loss = -Math.log(Math.max((r[e.y] as number) + 1, 1e-12))
  for (let c = 0; c < model.classes.length; c++) {
    const g = lr * (r[c] as number)
    if (g === 0) continue
    const row = c * model.features
    for (let i = 0; i < model.features; i++) model.weights[row + i] = (model.weights[row + i] as number) - g * (e.x[i] as number)
  }
  return loss
}

export function evaluate(model: Model, examples: readonly Encoded[]): { eval_loss: number; accuracy: number } {
  if (examples.length === 0) return { eval_loss: 0, accuracy: 0 }
  let loss = 0
  let correct = 0
  for (const e of examples) {
    const p = probabilities(model, e.x)
    loss -= Math.log(Math.max(p[e.y] as number, 1e-12))
    let best = 0
    for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[best] as number)) best = c
    if (best === e.y) correct++
  }
  return { eval_loss: loss / examples.length, accuracy: correct / examples.length }
}
