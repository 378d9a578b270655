/** The shared codecs: real instants only, and error reports that hostile input cannot blow up. */
import fc from 'fast-check'
import * as t from 'io-ts'
import { describe, expect, it } from 'vitest'
import { closed, decodeWith, isInstant, JsonValueC, Timestamp } from '../../domain/codec.js'
import { SignedCommandC } from '../../domain/ledger/command.js'

describe('Timestamp', () => {
  it('accepts exactly what toISOString writes for an instant in years 0001-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: new Date('0001-01-01T00:00:00.000Z').getTime(), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const text = new Date(ms).toISOString()
        expect(Timestamp.is(text)).toBe(true)
      }),
    )
  })

  it('refuses dates and times that do not exist, and other shapes', () => {
    for (const text of [
      '2099-02-30T00:00:00.000Z',
      '2026-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T23:60:00.000Z',
      '2026-06-30T23:59:60.000Z',
      '0000-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00.000+00:00',
      '+002026-01-01T00:00:00.000Z',
    ]) {
      expect(isInstant(text), text).toBe(false)
      expect(decodeWith(Timestamp, text).ok, text).toBe(false)
    }
    expect(isInstant('2028-02-29T12:00:00.000Z')).toBe(true)
  })
})

describe('decodeWith', () => {
  it('reports on input nested 100,000 deep without recursing or serializing it', () => {
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = [deep]
    const result = decodeWith(SignedCommandC, { command: { type: 'A', payload: deep, actor: 'x', nonce: 'n', issuedAt: 'x', ledger: 'x' }, signature: 'x' })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.length).toBeLessThan(1000)
    expect(JsonValueC.is(deep)).toBe(false)
  })

  it('keeps every report short, whatever the value and the codec', () => {
    const Big = closed({ a: t.union([t.string, t.number, t.boolean, t.null, closed({ b: t.string })]) }, 'Big')
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = decodeWith(Big, { a: value })
        if (!result.ok) expect(result.error.length).toBeLessThan(1000)
      }),
    )
    const result = decodeWith(Big, { a: 'x'.repeat(100_000).split('') })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toMatch(/^a(\.\d)?: .*\(got an array of 100000\)/)
  })
})
