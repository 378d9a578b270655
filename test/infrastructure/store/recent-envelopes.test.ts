import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../../domain/canonical/jcs.js'
import type { JsonValue } from '../../../domain/json.js'
import { RecentEnvelopes } from '../../../infrastructure/store/recent-envelopes.js'

const textOf = (sequence: number, tag = 'a'): string => canonicalize({ sequence, data: { tag, list: [sequence] } } as unknown as JsonValue)

describe('RecentEnvelopes', () => {
  it('answers exactly the consecutive sequences last added, at most `capacity` of them, whatever the batches and gaps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 })), { maxLength: 30 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), (capacity, batches, from, limit) => {
        const recent = new RecentEnvelopes(capacity)
        // The model: the texts of the run of consecutive sequences ending at the last one added.
        let run: number[] = []
        let next = 1
        for (const [gap, size] of batches) {
          const first = next + gap
          const sequences = Array.from({ length: size }, (_, i) => first + i)
          recent.add(first, sequences.map((s) => textOf(s)))
          if (size === 0) continue
          run = gap === 0 && run.length > 0 ? [...run, ...sequences] : sequences
          next = first + size
        }
        const held = run.slice(-capacity)
        const expected = held.filter((s) => s >= from).slice(0, limit)
        const answered = recent.slice(from, limit).map((e) => e.sequence)
        expect(answered).toEqual(held.includes(from) ? expected : [])
        expect(recent.lastSequence).toBe(held.at(-1) ?? 0)
      }),
      { numRuns: 300, seed: 20261201 },
    )
  })

  it('parses each envelope once and hands every reader the same frozen object, down to its data', () => {
    const recent = new RecentEnvelopes(8)
    recent.add(5, [textOf(5), textOf(6)])
    const [a] = recent.slice(5, 1)
    const [b] = recent.slice(5, 2)
    expect(a).toBe(b)
    const envelope = a as unknown as { data: { tag: string; list: number[] } }
    expect(() => (envelope.data.tag = 'changed')).toThrow(TypeError)
    expect(() => envelope.data.list.push(1)).toThrow(TypeError)
    expect(envelope.data).toEqual({ tag: 'a', list: [5] })
  })

  it('is emptied by clear and refuses a capacity below one', () => {
    const recent = new RecentEnvelopes(2)
    recent.add(1, [textOf(1)])
    recent.clear()
    expect(recent.slice(1, 1)).toEqual([])
    expect(recent.lastSequence).toBe(0)
    expect(() => new RecentEnvelopes(0)).toThrow(RangeError)
  })
})
