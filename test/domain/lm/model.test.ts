/**
 * The TS engine against the spec: a tiny random model's logits from the cached forward pass equal
 * a whole-sequence reference computed from the formulas (and, where torch is importable, torch's
 * own layers reading the same files); the format refuses a table that does not fit its config.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeLm, LmFormatError, loadLm, parseModelJson } from '../../../domain/lm/format.js'
import { createSession } from '../../../domain/lm/model.js'
import { randomTensors, referenceLogits, TINY, tinyFiles, tinyModel } from './tiny.js'

const PYTHON = '/usr/bin/python3'
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0
if (!hasTorch) console.warn(`skipping the torch cross-check of the LM engine: ${PYTHON} cannot import torch and numpy`)

const TOKENS = [35, 35, 35, 32, 81, 117, 101, 115, 116, 105, 111, 110, 58, 10, 104, 105, 256, 7, 200]

function cachedLogits(seed: number, tokens: readonly number[]): Float32Array[] {
  const s = createSession(tinyModel(seed))
  return tokens.map((t) => s.feed(t, true))
}

describe('LM forward pass', () => {
  it('matches the whole-sequence reference at every position', () => {
    for (const seed of [1, 2, 3]) {
      const m = tinyModel(seed)
      const want = referenceLogits(m, TOKENS)
      const got = cachedLogits(seed, TOKENS)
      let worst = 0
      for (let t = 0; t < TOKENS.length; t++) for (let v = 0; v < 257; v++) worst = Math.max(worst, Math.abs(((got[t] as Float32Array)[v] as number) - ((want[t] as number[])[v] as number)))
      expect(worst).toBeLessThan(1e-4)
      // Not trivially equal: the logits vary across the vocabulary.
      expect(Math.max(...(got[5] as Float32Array)) - Math.min(...(got[5] as Float32Array))).toBeGreaterThan(0.1)
    }
  })

  it('is deterministic and the cache is emptied by reset', () => {
    const m = tinyModel(4)
    const s = createSession(m)
    const first = TOKENS.slice(0, 6).map((t) => s.feed(t, true))
    s.reset()
    const again = TOKENS.slice(0, 6).map((t) => s.feed(t, true))
    expect(again).toEqual(first)
    expect(s.length).toBe(6)
  })

  it('refuses tokens outside the vocabulary and a full context', () => {
    const s = createSession(tinyModel(1))
    expect(() => s.feed(257)).toThrow(RangeError)
    for (let i = 0; i < TINY.context; i++) s.feed(1)
    expect(() => s.feed(1)).toThrow(/context of 24 tokens is full/)
  })

  it.skipIf(!hasTorch)('agrees with torch reading the same files (1e-4)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lm-torch-'))
    try {
      const f = tinyFiles(5)
      writeFileSync(join(dir, 'model.json'), f.modelJson)
      writeFileSync(join(dir, 'weights.bin'), f.weights)
      const r = spawnSync(PYTHON, [join(import.meta.dirname, 'torch_reference.py'), dir, JSON.stringify(TOKENS)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } })
      expect(r.status, r.stderr).toBe(0)
      const torchLogits = JSON.parse(r.stdout) as number[][]
      const got = cachedLogits(5, TOKENS)
      let worst = 0
      for (let t = 0; t < TOKENS.length; t++) for (let v = 0; v < 257; v++) worst = Math.max(worst, Math.abs(((got[t] as Float32Array)[v] as number) - ((torchLogits[t] as number[])[v] as number)))
      expect(worst).toBeLessThan(1e-4)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('LM checkpoint format', () => {
  const f = tinyFiles(1)
  const json = (): Record<string, unknown> => JSON.parse(f.modelJson) as Record<string, unknown>

  it('round-trips the tensors bit for bit', () => {
    const t = randomTensors(TINY, 1)
    const m = loadLm(json(), f.weights)
    expect(Array.from(m.wte)).toEqual(Array.from(t.get('wte') as Float32Array))
    expect(Array.from(m.layers[1]?.fc2W ?? [])).toEqual(Array.from(t.get('h.1.fc2.weight') as Float32Array))
  })

  it('reads an unaligned weights buffer by copying', () => {
    const shifted = new Uint8Array(f.weights.length + 1)
    shifted.set(f.weights, 1)
    const m = loadLm(json(), shifted.subarray(1))
    expect(Array.from(m.lnfb)).toEqual(Array.from(randomTensors(TINY, 1).get('lnf.bias') as Float32Array))
  })

  it.each([
    ['another format', (j: Record<string, unknown>) => ({ ...j, format: 'model-ledger/torch@1' }), /format must be/],
    ['a wrong vocabulary', (j: Record<string, unknown>) => ({ ...j, vocab: 256 }), /vocab must be 257/],
    ['heads not dividing dModel', (j: Record<string, unknown>) => ({ ...j, heads: 3 }), /not a multiple of heads/],
    ['a tensor missing', (j: Record<string, unknown>) => ({ ...j, tensors: (j.tensors as unknown[]).slice(1) }), /tensors expected/],
    ['a tensor renamed', (j: Record<string, unknown>) => ({ ...j, tensors: (j.tensors as { name: string }[]).map((t, i) => (i === 2 ? { ...t, name: 'h.0.ln1.w' } : t)) }), /tensors\[2\] must be h\.0\.ln1\.weight/],
    ['a wrong shape', (j: Record<string, unknown>) => ({ ...j, tensors: (j.tensors as object[]).map((t, i) => (i === 4 ? { ...t, shape: [16, 48] } : t)) }), /shape \[48, 16\]/],
    ['overlapping tensors', (j: Record<string, unknown>) => ({ ...j, tensors: (j.tensors as { offset: number }[]).map((t, i) => (i === 1 ? { ...t, offset: 0 } : t)) }), /offset must be/],
  ])('refuses %s', (_name, change, message) => {
    expect(() => loadLm(change(json()), f.weights)).toThrow(LmFormatError)
    expect(() => loadLm(change(json()), f.weights)).toThrow(message)
  })

  it('refuses a weights file shorter than its table', () => {
    expect(() => parseModelJson(json(), f.weights.length - 4)).toThrow(/weights\.bin: lnf\.bias ends at byte/)
  })

  it('keeps extra fields but not over the format', () => {
    const e = encodeLm(TINY, randomTensors(TINY, 1), { format: 'other', step: 3 })
    expect(JSON.parse(e.modelJson)).toMatchObject({ format: 'model-ledger/torch-lm@1', step: 3 })
  })
})
