/**
 * Sampling and generation: the PRNG's defined values, greedy and seeded determinism, the
 * temperature and top_p edges, stop strings (never streamed, never in the answer), the context
 * window sliding, and the spans that attribute an answer.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { END } from '../../../domain/lm/format.js'
import { generate, generateAll, type GenerateOptions } from '../../../domain/lm/generate.js'
import { createSession } from '../../../domain/lm/model.js'
import { argmax, nucleus, pick, uniform } from '../../../domain/lm/sample.js'
import { attributeAnswer, buildSpanIndex } from '../../../domain/lm/spans.js'
import { MAX_ATTRIBUTED } from '../../../domain/deployment/values.js'
import { AnswerText, bytesOf, ChatMappingError, promptOf, questionOf } from '../../../domain/lm/text.js'
import { TINY, tinyModel } from './tiny.js'

const m = tinyModel(3, TINY, 0.6)
const opts = (o: Partial<GenerateOptions> = {}): GenerateOptions => ({ temperature: 1, topP: 1, maxTokens: 30, stop: [], seed: 0, ...o })

describe('the sampling PRNG', () => {
  it('is the documented SHA-256 counter', () => {
    const d = sha256(new TextEncoder().encode('model-ledger/lm-sample@1:42:7'))
    const h = new DataView(d.buffer, d.byteOffset).getBigUint64(0, false)
    expect(uniform(42, 7)).toBe(Number(h >> 11n) / 2 ** 53)
  })

  it('draws in [0, 1) and refuses bad seeds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.nat(1e6), (seed, step) => {
      const u = uniform(seed, step)
      return u >= 0 && u < 1
    }))
    expect(() => uniform(-1, 0)).toThrow(RangeError)
    expect(() => uniform(1.5, 0)).toThrow(RangeError)
  })

  it('looks uniform (mean and spread of 4,000 draws)', () => {
    const us = Array.from({ length: 4000 }, (_, i) => uniform(9, i))
    const mean = us.reduce((a, b) => a + b, 0) / us.length
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02)
    expect(us.filter((u) => u < 0.1).length).toBeGreaterThan(320)
    expect(us.filter((u) => u < 0.1).length).toBeLessThan(480)
  })
})

describe('picking a token', () => {
  const logits = [1, 3, 3, 0.5, -2]
  it('greedy takes the lowest id among the largest', () => {
    expect(argmax(logits)).toBe(1)
    expect(pick(logits, { temperature: 0, topP: 0.1 }, 0.99)).toBe(1)
  })

  it('orders the nucleus by probability, then id, and stops at top_p', () => {
    const n = nucleus(logits, { temperature: 1, topP: 0.5 })
    expect(n.ids).toEqual([1, 2])
    expect(n.mass).toBeGreaterThanOrEqual(0.5)
    expect(nucleus(logits, { temperature: 1, topP: 1 }).ids).toEqual([1, 2, 0, 3, 4])
    // A tiny top_p keeps one token: sampling becomes greedy whatever the draw.
    for (const u of [0, 0.5, 0.999999]) expect(pick(logits, { temperature: 1, topP: 1e-9 }, u)).toBe(1)
  })

  it('picks by cumulative mass within the nucleus', () => {
    const o = { temperature: 1, topP: 0.5 }
    expect(pick(logits, o, 0)).toBe(1)
    expect(pick(logits, o, 0.49)).toBe(1)
    expect(pick(logits, o, 0.51)).toBe(2)
    expect(pick(logits, { temperature: 1, topP: 1 }, 0.999999999)).toBe(4)
  })

  it('a tiny temperature is greedy, a huge one near uniform', () => {
    // Ids 1 and 2 tie: a tiny temperature splits the mass between them alone.
    expect(pick(logits, { temperature: 1e-6, topP: 1 }, 0.4)).toBe(1)
    expect(pick(logits, { temperature: 1e-6, topP: 1 }, 0.6)).toBe(2)
    expect(pick([1, 3, 2.9], { temperature: 1e-6, topP: 1 }, 0.999)).toBe(1)
    const flat = nucleus(logits, { temperature: 1e9, topP: 1 })
    for (const p of flat.probs) expect(p).toBeCloseTo(0.2, 6)
  })

  it('always returns a nucleus member for any logits and draw (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.double({ min: 0.01, max: 5, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (l, temperature, topP, u) => {
        const n = nucleus(l, { temperature, topP })
        return n.ids.includes(pick(l, { temperature, topP }, u))
      }),
    )
  })
})

describe('generation', () => {
  it('greedy generation is deterministic and matches feeding argmax by hand', () => {
    const a = generateAll(m, 'hello', opts({ temperature: 0, maxTokens: 12 }))
    const b = generateAll(m, 'hello', opts({ temperature: 0, maxTokens: 12, seed: 99 }))
    expect(b).toEqual(a)
    const s = createSession(m)
    const prompt = bytesOf(promptOf('hello'))
    expect(prompt.length).toBeGreaterThan(TINY.context) // the prompt is cut to the window
    const window = prompt.slice(-TINY.context)
    const logits = window.map((t, i) => (i === window.length - 1 ? s.feed(t, true) : s.feed(t))).at(-1) as Float32Array
    const first = argmax(logits)
    expect(a.tokens[0]).toBe(first)
    expect(a.promptTokens).toBe(prompt.length)
    expect(a.completionTokens).toBe(a.tokens.length)
  })

  it('the same seed gives the same text, other seeds other texts', () => {
    const texts = new Set<string>()
    for (let seed = 0; seed < 6; seed++) {
      const x = generateAll(m, 'hi', opts({ seed }))
      expect(generateAll(m, 'hi', opts({ seed }))).toEqual(x)
      texts.add(x.tokens.join(','))
    }
    expect(texts.size).toBeGreaterThan(1)
  })

  it('stops at max_tokens with finish length, and at END with finish stop', () => {
    const r = generateAll(m, 'hi', opts({ maxTokens: 5, seed: 1 }))
    if (!r.tokens.includes(END)) {
      expect(r.completionTokens).toBe(5)
      expect(r.finishReason).toBe('length')
    }
    // Find a seed whose answer ends with END, to see END ends it and is counted.
    for (let seed = 0; seed < 400; seed++) {
      const g = generateAll(m, 'hi', opts({ seed, maxTokens: 30 }))
      if (g.tokens.at(-1) === END) {
        expect(g.finishReason).toBe('stop')
        expect(g.completionTokens).toBe(g.tokens.length)
        return
      }
    }
    throw new Error('no seed ended with END in 400 tries')
  })

  it('slides the context window past C tokens', () => {
    const r = generateAll(m, 'a', opts({ temperature: 0, maxTokens: 3 * TINY.context }))
    expect(r.completionTokens).toBe(r.tokens.includes(END) ? r.tokens.indexOf(END) + 1 : 3 * TINY.context)
  })

  it('a stop string ends the answer, is not in it, and is never streamed', () => {
    // The unstopped answer, then a stop taken from its middle.
    const free = generateAll(m, 'stop test', opts({ seed: 5, temperature: 0.7, maxTokens: 40 }))
    const at = Array.from({ length: free.text.length }, (_, i) => i).find((i) => i >= 4 && /^[\x20-\x7e]{2}$/.test(free.text.slice(i, i + 2))) as number
    const stop = free.text.slice(at, at + 2)
    expect(stop.length).toBe(2)
    const it2 = generate(m, 'stop test', opts({ seed: 5, temperature: 0.7, maxTokens: 40, stop: [stop, 'never-there'] }))
    let streamed = ''
    let r
    while ((r = it2.next()).done !== true) streamed += r.value.delta
    const result = r.value
    expect(result.text).toBe(free.text.slice(0, free.text.indexOf(stop)))
    expect(streamed).toBe(result.text)
    expect(result.finishReason).toBe('stop')
    expect(result.tokens.length).toBeLessThan(free.tokens.length)
  })

  it('streamed deltas always concatenate to the answer (property over seeds, stops, limits)', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 3 }), fc.integer({ min: 1, max: 30 }), (seed, stop, maxTokens) => {
        const g = generate(m, 'q', opts({ seed, stop, maxTokens }))
        let streamed = ''
        let r
        while ((r = g.next()).done !== true) streamed += r.value.delta
        return streamed === r.value.text && stop.every((s) => !r.value.text.includes(s))
      }),
      { numRuns: 40 },
    )
  })
})

describe('answer text', () => {
  it('holds back a possible stop and decodes multi-byte characters whole', () => {
    const a = new AnswerText(['END!'])
    for (const b of bytesOf('né E')) a.push(b)
    expect(a.text).toBe('né E')
    expect(a.safe).toBe(3)
    for (const b of bytesOf('ND!x')) a.push(b)
    expect(a.stopped).toBe(true)
    expect(a.text).toBe('né ')
    const half = new AnswerText([])
    half.push(0xc3)
    expect(half.text).toBe('')
    half.finish()
    expect(half.text).toBe('\uFFFD')
  })

  it('maps a chat to the question, refusing assistant and tool turns', () => {
    expect(questionOf([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'a' }, { role: 'user', content: 'b' }])).toBe('[system] be brief\na\nb')
    expect(() => questionOf([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }])).toThrow(ChatMappingError)
    try {
      questionOf([{ role: 'tool', content: 'x' }, { role: 'user', content: 'a' }])
    } catch (e) {
      expect((e as ChatMappingError).param).toBe('messages[0].role')
    }
    expect(() => questionOf([{ role: 'system', content: 'a' }])).toThrow(/a user turn/)
  })
})

describe('span attribution', () => {
  const items = [
    { contributionId: 'a'.repeat(64), texts: ['How do I reset the router?', 'Hold the reset button for ten seconds, then wait for the light.'] },
    { contributionId: 'b'.repeat(64), texts: ['What is the capital of France?', 'Paris is the capital of France.'] },
  ]
  const index = buildSpanIndex(items, 8)

  it('credits the contribution whose text the answer reuses, by bytes covered', () => {
    const w = attributeAnswer(index, 'Sure: hold the reset button for ten seconds, then wait.')
    expect(w).toEqual([{ contribution: 'a'.repeat(64), weight: 'old the reset button for ten seconds, then wait'.length }])
  })

  it('keeps the 256 heaviest contributions when more share the answer (the receipt cap), lower ids first on ties', () => {
    const shared = 'the follow-up clinic in two weeks'
    const many = Array.from({ length: 300 }, (_, i) => ({ contributionId: i.toString(16).padStart(64, '0'), texts: [shared] }))
    // One contribution, with a high id, covers more of the answer than the 300 others.
    const heavy = { contributionId: 'f'.repeat(64), texts: [`${shared}, then discharge home`] }
    const w = attributeAnswer(buildSpanIndex([...many, heavy], 8), `${shared}, then discharge home.`)
    expect(w).toHaveLength(MAX_ATTRIBUTED)
    expect(w.at(-1)).toEqual({ contribution: heavy.contributionId, weight: `${shared}, then discharge home`.length })
    expect(w.slice(0, -1).map((x) => x.contribution)).toEqual(many.slice(0, MAX_ATTRIBUTED - 1).map((x) => x.contributionId))
    expect(w.slice(0, -1).every((x) => x.weight === shared.length)).toBe(true)
    expect(attributeAnswer(buildSpanIndex(many, 8), shared, 300)).toHaveLength(300)
  })

  it('credits nothing for text shorter than k or not in the data', () => {
    expect(attributeAnswer(index, 'Paris.')).toEqual([])
    expect(attributeAnswer(index, 'Something else entirely, nothing shared here.')).toEqual([])
  })

  it('covered bytes equal a brute-force check of common substrings of at least k bytes (property)', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c')
    fc.assert(
      fc.property(fc.array(fc.array(alphabet, { maxLength: 30 }).map((a) => a.join('')), { minLength: 1, maxLength: 3 }), fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')), fc.integer({ min: 1, max: 5 }), (texts, answer, k) => {
        const its = texts.map((t, i) => ({ contributionId: String(i), texts: [t] }))
        const got = new Map(attributeAnswer(buildSpanIndex(its, k), answer).map((w) => [w.contribution, w.weight]))
        for (const it of its) {
          let covered = 0
          for (let p = 0; p < answer.length; p++) {
            let hit = false
            for (let s = Math.max(0, p - k + 1); s <= p && !hit; s++) if (s + k <= answer.length && (it.texts[0] as string).includes(answer.slice(s, s + k))) hit = true
            if (hit) covered++
          }
          if ((got.get(it.contributionId) ?? 0) !== covered) return false
        }
        return true
      }),
    )
  })
})
