import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize, CanonicalizationError } from '../../../domain/canonical/jcs.js'
import type { JsonValue } from '../../../domain/json.js'
import { vectorsDir } from '../../support/vectors.js'

const dir = join(vectorsDir(), 'jcs')
const cases = readdirSync(join(dir, 'input')).filter((f) => f.endsWith('.json'))

describe('RFC 8785 canonicalization against the RFC author\'s vectors', () => {
  it('has the vector files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6)
  })
  for (const name of cases) {
    it(`reproduces output/${name} byte for byte`, () => {
      const input = JSON.parse(readFileSync(join(dir, 'input', name), 'utf8')) as JsonValue
      const expected = readFileSync(join(dir, 'output', name))
      expect(Buffer.from(canonicalize(input), 'utf8').equals(expected)).toBe(true)
    })
  }
})

describe('canonicalize refuses what is not I-JSON', () => {
  it.each([
    ['NaN', { a: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a lone high surrogate', { s: '\ud800' }],
    ['a lone low surrogate in a key', { '\udc00': 1 }],
    ['undefined', { a: undefined }],
    ['a Date', { d: new Date(0) }],
    ['a bigint', { n: 1n }],
  ])('%s', (_label, value) => {
    expect(() => canonicalize(value as unknown as JsonValue)).toThrow(CanonicalizationError)
  })
})

describe('canonicalize properties', () => {
  it('is a fixed point: parsing the canonical text and canonicalizing again changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalize(value as JsonValue)
        expect(canonicalize(JSON.parse(once) as JsonValue)).toBe(once)
      }),
      { numRuns: 300 },
    )
  })
  it('does not depend on member order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse())
        expect(canonicalize(reversed as JsonValue)).toBe(canonicalize(record as JsonValue))
      }),
      { numRuns: 200 },
    )
  })
})
