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

  it('anywhere in a value: refused, with the path to the first offending member', () => {
    const poison = fc.constantFrom<[string, unknown]>(['lone surrogate', '\ud800x'], ['non-finite number', Number.NaN], ['non-finite number', -Infinity], ['undefined', undefined], ['only plain objects', new Map()], ['bigint is not JSON', 5n])
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 0, 1)), poison, fc.jsonValue({ maxDepth: 2 }), (path, [what, bad], filler) => {
        // Built from the inside out: each step is a one-member object or a two-element array, the filler beside the poison.
        let value: unknown = bad
        let where = ''
        for (const step of [...path].reverse()) {
          value = typeof step === 'string' ? { [step]: value } : step === 0 ? [value, filler] : [filler, value]
          where = (typeof step === 'string' ? `.${step}` : `[${step}]`) + where
        }
        let thrown: unknown
        try {
          canonicalize(value as JsonValue)
        } catch (error) {
          thrown = error
        }
        expect(thrown).toBeInstanceOf(CanonicalizationError)
        expect((thrown as Error).message).toContain(what)
        if (what !== 'undefined') expect((thrown as Error).message).toContain(`$${where}`)
      }),
      { numRuns: 300 },
    )
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
  it('equals JSON.stringify of the value with its members sorted by UTF-16 code units, any string included', () => {
    const sorted = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v
    const wellFormed = (v: unknown): boolean => JSON.stringify(v) === JSON.stringify(JSON.parse(JSON.stringify(v) ?? 'null')) && !/\\ud[89a-f]/i.test(JSON.stringify(v) ?? '')
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        fc.pre(wellFormed(value))
        expect(canonicalize(value as JsonValue)).toBe(JSON.stringify(sorted(value)))
      }),
      { numRuns: 500 },
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

/**
 * RFC 8785 Appendix B: IEEE 754 doubles (as their 64 bits, big-endian hex) and the exact text
 * ECMAScript's Number::toString gives them, which is what a ledger line must hold for a number.
 */
const appendixB: readonly [string, string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
]

const doubleOf = (bits: string): number => Buffer.from(bits, 'hex').readDoubleBE(0)

describe('numbers: ECMAScript Number::toString, as RFC 8785 §3.2.2.3 asks', () => {
  it.each(appendixB)('the double %s is written %s', (bits, text) => {
    expect(canonicalize([doubleOf(bits)])).toBe(`[${text}]`)
  })

  it('the RFC author\'s float vectors are among those reproduced byte for byte', () => {
    const input = JSON.parse(readFileSync(join(dir, 'input', 'values.json'), 'utf8')) as { numbers: number[] }
    expect(canonicalize(input.numbers)).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27]')
  })

  it('any finite double is written so that reading the text gives the same double back', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = canonicalize(value)
        expect(Number(text)).toBe(value === 0 ? 0 : value)
        expect(text).toMatch(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?(e[+-][1-9][0-9]*)?$/)
      }),
      { numRuns: 2000 },
    )
  })

  it('integers beyond 2^53 are not exact in I-JSON: 9007199254740993 reads as ...992 and is written so', () => {
    expect(canonicalize(JSON.parse('[9007199254740993]') as JsonValue)).toBe('[9007199254740992]')
  })
})
