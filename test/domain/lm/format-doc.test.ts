/**
 * docs/lm-format.md's test vectors, recomputed by the code: every `name = value` line of the doc's
 * fenced `lm-vectors` block must equal what domain/lm computes now, and the block must hold every
 * vector this test computes (none missing, none extra). So the spec cannot drift from the engine:
 * a change to the PRNG, the sampler, the forward pass, the text rules, the checkpoint root or the
 * span matching fails here until the doc says the same. On a mismatch the message carries the
 * whole block as the code computes it. And where Python runs, lm_format_independent.py (written
 * from the document alone, no torch) must print lines that are all in the block: the document is
 * enough for another language to reproduce the root, the logits' bits, the tokens and the hashes.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { END, encodeLm, expectedTensors, LM_FORMAT, loadLmFiles, VOCAB, type LmConfig } from '../../../domain/lm/format.js'
import { generateAll } from '../../../domain/lm/generate.js'
import { createSession } from '../../../domain/lm/model.js'
import { regenerate } from '../../../domain/lm/regenerate.js'
import { nucleus, pick, SAMPLE_DOMAIN, uniform } from '../../../domain/lm/sample.js'
import { attributeAnswer, buildSpanIndex, DEFAULT_SPAN_BYTES } from '../../../domain/lm/spans.js'
import { AnswerText, bytesOf, promptOf } from '../../../domain/lm/text.js'
import { checkpointRoot } from '../../../domain/training/checkpoint.js'

const DOC = join(import.meta.dirname, '../../../docs/lm-format.md')
const PYTHON = '/usr/bin/python3'
const hasPython = spawnSync(PYTHON, ['-c', 'import math; math.prod'], { stdio: 'ignore' }).status === 0
if (!hasPython) console.warn(`skipping the independent Python check of docs/lm-format.md: ${PYTHON} (3.8 or later) is not available`)

/** The doc's example model: every value a function of (tensor number, element index), exact in float32. */
const EXAMPLE_CONFIG: LmConfig = { vocab: VOCAB, context: 16, dModel: 8, layers: 2, heads: 2, mlp: 32, layerNormEps: 1e-5 }
function exampleTensors(config: LmConfig): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>()
  expectedTensors(config).forEach(({ name, shape }, t) => {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1))
    for (let j = 0; j < a.length; j++) a[j] = (((37 * (j + 1) + 101 * (t + 1)) % 199) - 99) / 64
    out.set(name, a)
  })
  return out
}

const utf8 = new TextEncoder()
const hex = (b: Uint8Array): string => toHex(b)
const f32hex = (v: number): string => {
  const b = new DataView(new ArrayBuffer(4))
  b.setFloat32(0, v, false)
  return b.getUint32(0, false).toString(16).padStart(8, '0')
}
/** JSON with every non-ASCII character escaped, so the doc shows U+FFFD and U+FEFF unambiguously. */
const quoted = (text: string): string => JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
const decodeAll = (bytes: readonly number[]): string => {
  const a = new AnswerText([])
  for (const b of bytes) a.push(b)
  a.finish()
  return a.text
}

/** Every vector the doc states, as the code computes it. */
function computed(): Map<string, string> {
  const v = new Map<string, string>()
  const put = (k: string, x: string | number): void => void v.set(k, String(x))

  put('format', LM_FORMAT)
  put('vocab', VOCAB)
  put('end', END)
  put('sample.domain', SAMPLE_DOMAIN)
  put('span.k.default', DEFAULT_SPAN_BYTES)

  // The PRNG.
  for (const [seed, step] of [
    [42, 0],
    [42, 1],
    [42, 2],
    [0, 0],
    [Number.MAX_SAFE_INTEGER, 5],
  ] as const) {
    const d = sha256(utf8.encode(`${SAMPLE_DOMAIN}:${seed}:${step}`))
    const h = new DataView(d.buffer, d.byteOffset).getBigUint64(0, false)
    put(`prng.${seed}.${step}.first8`, hex(d.subarray(0, 8)))
    put(`prng.${seed}.${step}.numerator`, (h >> 11n).toString())
    put(`prng.${seed}.${step}.u`, uniform(seed, step))
  }

  // The sampler on fixed logits.
  const logits = [1, 3, 3, 0.5, -2]
  const n = nucleus(logits, { temperature: 1, topP: 0.5 })
  put('sampler.t1.p0.5.ids', n.ids.join(','))
  put('sampler.t1.p0.5.probs', n.probs.join(','))
  put('sampler.t1.p0.5.mass', n.mass)
  put('sampler.t1.p0.5.pick.u0.49', pick(logits, { temperature: 1, topP: 0.5 }, 0.49))
  put('sampler.t1.p0.5.pick.u0.51', pick(logits, { temperature: 1, topP: 0.5 }, 0.51))
  put('sampler.t0.7.p1.ids', nucleus(logits, { temperature: 0.7, topP: 1 }).ids.join(','))
  put('sampler.t0.7.p1.pick.u0.97', pick(logits, { temperature: 0.7, topP: 1 }, 0.97))
  put('sampler.t0.pick', pick(logits, { temperature: 0, topP: 1 }, 0.99))

  // Prompt and text.
  const prompt = bytesOf(promptOf('hi'))
  put('prompt.hi.length', prompt.length)
  put('prompt.hi.hex', hex(Uint8Array.from(prompt)))
  put('decode.efbbbf41', quoted(decodeAll([0xef, 0xbb, 0xbf, 0x41])))
  put('decode.41efbbbf', quoted(decodeAll([0x41, 0xef, 0xbb, 0xbf])))
  put('decode.f09f41c3', quoted(decodeAll([0xf0, 0x9f, 0x41, 0xc3])))
  const stopped = new AnswerText(['wor', 'lo w'])
  for (const b of bytesOf('hello world')) if (stopped.push(b)) break
  put('stop.hello_world.text', quoted(stopped.text))

  // The example checkpoint: its files, their root, its logits and answers.
  const files = encodeLm(EXAMPLE_CONFIG, exampleTensors(EXAMPLE_CONFIG))
  const json = utf8.encode(files.modelJson)
  put('model.json.bytes', json.length)
  put('model.json.sha256', hex(sha256(json)))
  put('weights.bin.bytes', files.weights.length)
  put('weights.bin.sha256', hex(sha256(files.weights)))
  put(
    'checkpoint.root',
    checkpointRoot([
      { path: 'model.json', sha256: hex(sha256(json)), bytes: json.length },
      { path: 'weights.bin', sha256: hex(sha256(files.weights)), bytes: files.weights.length },
    ]),
  )
  const model = loadLmFiles(
    new Map([
      ['model.json', json],
      ['weights.bin', files.weights],
    ]),
  )
  const s = createSession(model)
  const window = prompt.slice(-EXAMPLE_CONFIG.context)
  put('logits.hi.window', window.join(','))
  for (const t of window.slice(0, -1)) s.feed(t)
  const l = s.feed(window.at(-1) as number, true)
  put('logits.hi.first4', Array.from(l.subarray(0, 4)).map(f32hex).join(','))
  put('logits.hi.first4.decimal', Array.from(l.subarray(0, 4)).join(','))
  put('logits.hi.sha256', hex(sha256(new Uint8Array(l.buffer, l.byteOffset, l.byteLength))))
  let best = 0
  for (let i = 1; i < l.length; i++) if ((l[i] as number) > (l[best] as number)) best = i
  put('logits.hi.argmax', best)

  const greedy = generateAll(model, 'hi', { temperature: 0, topP: 1, maxTokens: 24, stop: [], seed: 0 })
  put('greedy.hi.tokens', greedy.tokens.join(','))
  put('greedy.hi.finish', greedy.finishReason)
  put('greedy.hi.text', quoted(greedy.text))
  const sampled = generateAll(model, 'hi', { temperature: 0.8, topP: 0.9, maxTokens: 24, stop: [], seed: 42 })
  put('sampled.hi.s42.t0.8.p0.9.tokens', sampled.tokens.join(','))
  put('sampled.hi.s42.t0.8.p0.9.finish', sampled.finishReason)
  put('sampled.hi.s42.t0.8.p0.9.usage', `${sampled.promptTokens},${sampled.completionTokens}`)
  put('sampled.hi.s42.t0.8.p0.9.text', quoted(sampled.text))
  const cut = generateAll(model, 'hi', { temperature: 0.8, topP: 0.9, maxTokens: 24, stop: ['G'], seed: 42 })
  put('stopped.hi.s42.t0.8.p0.9.stopG.finish', cut.finishReason)
  put('stopped.hi.s42.t0.8.p0.9.stopG.usage', `${cut.promptTokens},${cut.completionTokens}`)
  put('stopped.hi.s42.t0.8.p0.9.stopG.text', quoted(cut.text))
  const rlhf = regenerate(model, 'hi', { seed: 7, temperature: 1000, topP: 950, maxTokens: 12 })
  put('regenerate.hi.s7.t1000.p950.m12.text', quoted(rlhf.text))
  put('regenerate.hi.s7.t1000.p950.m12.hash', rlhf.hash)

  // Span attribution.
  const A = 'a'.repeat(64)
  const B = 'b'.repeat(64)
  const index = buildSpanIndex(
    [
      { contributionId: B, texts: ['the quick brown fox', 'jumps'] },
      { contributionId: A, texts: ['a quick brown dog', 'naps'] },
    ],
    4,
  )
  put(
    'spans.k4.weights',
    attributeAnswer(index, 'my quick brown fox naps')
      .map((w) => `${w.contribution.slice(0, 1)}:${w.weight}`)
      .join(','),
  )
  return v
}

function documented(): Map<string, string> {
  const text = readFileSync(DOC, 'utf8')
  const block = /^```lm-vectors\n([\s\S]*?)^```$/m.exec(text)
  if (block === null) throw new Error('docs/lm-format.md has no ```lm-vectors block')
  const out = new Map<string, string>()
  for (const line of (block[1] as string).split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const at = line.indexOf(' = ')
    if (at < 0) throw new Error(`not a "name = value" line in the lm-vectors block: ${line}`)
    const key = line.slice(0, at).trim()
    if (out.has(key)) throw new Error(`vector ${key} is stated twice`)
    out.set(key, line.slice(at + 3))
  }
  return out
}

describe('docs/lm-format.md test vectors', () => {
  it('are exactly what the code computes', () => {
    const want = computed()
    const got = documented()
    const block = [...want].map(([k, x]) => `${k} = ${x}`).join('\n')
    expect(Object.fromEntries(got), `the block as the code computes it:\n${block}\n`).toEqual(Object.fromEntries(want))
  })

  it('cover every part of the spec', () => {
    const keys = [...documented().keys()]
    for (const part of ['prng.', 'sampler.', 'prompt.', 'decode.', 'stop.', 'checkpoint.root', 'logits.', 'greedy.', 'sampled.', 'stopped.', 'regenerate.', 'spans.']) {
      expect(keys.some((k) => k.startsWith(part)), part).toBe(true)
    }
  })

  it.skipIf(!hasPython)('are reproduced by an implementation written from the document alone (Python)', () => {
    const r = spawnSync(PYTHON, [join(import.meta.dirname, 'lm_format_independent.py')], { encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    const doc = documented()
    const lines = r.stdout.split('\n').filter((l) => l !== '')
    expect(lines.length).toBeGreaterThanOrEqual(20)
    for (const line of lines) {
      const at = line.indexOf(' = ')
      const key = line.slice(0, at)
      expect(doc.get(key), key).toBe(line.slice(at + 3))
    }
  }, 60_000)
})
