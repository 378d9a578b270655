/**
 * A checkpoint in the LM format whose greedy answer is a given text, built by hand (no training):
 * block A of the embedding is the token, block C the position, and one MLP unit per position
 * writes the next answer byte into block B, which alone reaches the (tied) logits. So an answer
 * copied from a contribution's text can be served, to see that contribution paid. The margin is
 * about 24 logits, so sampling at temperature 1 copies too.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { END, encodeLm, expectedTensors, type LmConfig } from '../../../domain/lm/format.js'
import { bytesOf, promptOf } from '../../../domain/lm/text.js'

export function copyModel(question: string, answer: string, context = 112): { config: LmConfig; modelJson: string; weights: Uint8Array } {
  const V = 257
  const D = 2 * V + context
  const config: LmConfig = { vocab: V, context, dModel: D, layers: 1, heads: 2, mlp: 4 * D, layerNormEps: 1e-5 }
  const P = bytesOf(promptOf(question)).length
  const out = bytesOf(answer)
  if (P + out.length + 1 > context) throw new Error('answer too long for the context')
  const t = new Map<string, Float32Array>()
  for (const { name, shape } of expectedTensors(config)) t.set(name, new Float32Array(shape.reduce((a, b) => a * b, 1)))
  const set = (name: string, i: number, v: number) => ((t.get(name) as Float32Array)[i] = v)
  for (let v = 0; v < V; v++) {
    set('wte', v * D + v, 1) // block A: the token
    set('wte', v * D + V + v, 1) // block B: what the logits read
  }
  for (let p = 0; p < context; p++) set('wpe', p * D + 2 * V + p, 1) // block C: the position
  for (let i = 0; i < D; i++) {
    set('h.0.ln1.weight', i, 1)
    set('h.0.ln2.weight', i, 1)
    set('lnf.weight', i, i >= V && i < 2 * V ? 1 : 0)
  }
  // Unit p fires at position p and writes the byte that follows into block B.
  for (let p = 0; p < context; p++) {
    const i = p - (P - 1)
    const next = i >= 0 && i < out.length ? (out[i] as number) : END
    set('h.0.fc.weight', p * D + 2 * V + p, 1)
    set('h.0.fc.bias', p, -5)
    set('h.0.fc2.weight', (V + next) * config.mlp + p, 10)
  }
  return { config, ...encodeLm(config, t, { note: 'hand-built copy model for tests' }) }
}

export function writeCheckpoint(dir: string, files: { modelJson: string; weights: Uint8Array }): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'model.json'), files.modelJson)
  writeFileSync(join(dir, 'weights.bin'), files.weights)
}
