/** OPEN amounts for people: exact, from base units, with bigint only. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatOpen, formatOpenAmount, sumBaseUnits } from '../../../api/console/browser/amounts.js'

describe('formatOpenAmount', () => {
  it('writes whole tokens with every significant decimal and grouped thousands', () => {
    expect(formatOpenAmount('116000000000000000')).toBe('0.116')
    expect(formatOpenAmount('20000000000000000000000')).toBe('20,000')
    expect(formatOpenAmount('1')).toBe('0.000000000000000001')
    expect(formatOpenAmount('0')).toBe('0')
    expect(formatOpenAmount(-1500000000000000000n)).toBe('-1.5')
    expect(formatOpenAmount('123456789012345678901234567890')).toBe('123,456,789,012.34567890123456789')
    expect(formatOpen('116000000000000000')).toBe('0.116 OPEN')
    expect(formatOpen('5000000000000000000', 'gOPEN')).toBe('5 gOPEN')
  })

  it('refuses what is not base units', () => {
    for (const bad of ['1.5', '', '1e18', ' 1', '0x10']) expect(formatOpenAmount(bad)).toBeUndefined()
    expect(formatOpen('1.5')).toBe('1.5')
  })

  it('loses nothing: the text reads back to the same base units, beyond what a float holds', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), (units) => {
        const text = formatOpenAmount(units) as string
        const [whole = '', fraction = ''] = text.replace(/,/g, '').split('.')
        expect(BigInt(whole) * 10n ** 18n + BigInt(fraction.padEnd(18, '0'))).toBe(units)
      }),
    )
    expect(sumBaseUnits(['9007199254740993', '1'])).toBe(9007199254740994n)
  })
})
