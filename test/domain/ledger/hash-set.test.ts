import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HashMap128 } from '../../../domain/ledger/hash-set.js'

const hex32 = fc.integer({ min: 0, max: 0xffffffff }).map((n) => n.toString(16).padStart(8, '0'))
/**
 * Hashes chosen as an attacker would: few distinct words, so that first words are often zero
 * (the empty-slot marker), probe sequences collide (the slot index is the second word xor the
 * third) and keys differ only past the first 128 bits (which the map does not keep).
 */
const word = fc.oneof(fc.constantFrom('00000000', '00000001', '80000000', 'ffffffff'), hex32)
const hash = fc.tuple(word, word, word, word, fc.constantFrom('', 'ab'.repeat(16), 'cd'.repeat(16))).map(([a, b, c, d, tail]) => (a + b + c + d + tail).padEnd(64, '0'))
const value = fc.integer({ min: 0, max: 0xffffffff })

describe('HashMap128', () => {
  it('behaves as a map of the first 128 bits of each hash, whatever the keys and through every growth (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hash, value), { maxLength: 400 }), fc.integer({ min: 1, max: 64 }), (entries, initial) => {
        const map = new HashMap128(initial)
        const model = new Map<string, number>()
        for (const [key, v] of entries) {
          const prefix = key.slice(0, 32)
          expect(map.putIfAbsent(key, v)).toBe(model.get(prefix))
          if (!model.has(prefix)) model.set(prefix, v)
          expect(map.size).toBe(model.size)
        }
        for (const [key] of entries) expect(map.get(key)).toBe(model.get(key.slice(0, 32)))
      }),
      { numRuns: 300, seed: 15 },
    )
  })

  it('keeps a hash whose first word is zero apart from the one it is stored beside', () => {
    const map = new HashMap128()
    const zero = `00000000${'11'.repeat(12)}`.padEnd(64, '0')
    const one = `00000001${'11'.repeat(12)}`.padEnd(64, '0')
    expect(map.putIfAbsent(zero, 7)).toBeUndefined()
    expect(map.putIfAbsent(one, 8)).toBeUndefined()
    expect(map.get(zero)).toBe(7)
    expect(map.get(one)).toBe(8)
    expect(map.size).toBe(2)
  })

  it('stores a million keys in 2^21 slots of 20 bytes: more than three eighths and at most three quarters full', () => {
    const map = new HashMap128()
    const keyOf = (i: number): string => createHash('sha256').update(String(i)).digest('hex')
    let added = 0
    for (let i = 0; i < 1_000_000; i++) if (map.putIfAbsent(keyOf(i), i) === undefined) added++
    expect(added).toBe(1_000_000)
    expect(map.size).toBe(1_000_000)
    expect(map.bytes).toBe(2 ** 21 * 20)
    expect(map.get(keyOf(999_999))).toBe(999_999)
    expect(map.putIfAbsent(keyOf(0), 5)).toBe(0)
  })
})
