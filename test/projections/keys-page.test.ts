/** Paging a read model: a binary search over cached sorted keys gives exactly what filtering and sorting every key gives. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTable, keysPage, patch } from '../../projections/table.js'

const naive = (rows: ReadonlyMap<string, unknown>, prefix: string, after: string | undefined, limit: number) => {
  const all = [...rows.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || k > after)).sort()
  return { keys: all.slice(0, limit), more: all.length > limit }
}

const key = fc.stringMatching(/^[ab][ab:]{0,5}$/)

describe('keysPage', () => {
  it('equals the filter-and-sort of every key, after any adds, updates and removals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(key, fc.option(fc.nat(9), { nil: null })), { maxLength: 12 }), { maxLength: 6 }),
        fc.array(fc.tuple(fc.constantFrom('', 'a', 'b', 'a:', 'ab'), fc.option(key, { nil: undefined }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 5 }),
        (batches, pages) => {
          const table = createTable<number>()
          for (const batch of batches) {
            patch(table, batch.map(([k, value]) => ({ key: k, value })))
            for (const [prefix, after, limit] of pages) expect(keysPage(table.rows, prefix, after, limit)).toEqual(naive(table.rows, prefix, after, limit))
          }
        },
      ),
    )
  })

  it('walks 1,000,000 rows page by page by cursor, a changed value keeping its place', () => {
    const table = createTable<number>()
    patch(table, Array.from({ length: 1_000_000 }, (_, i) => ({ key: `account:${i.toString(16).padStart(8, '0')}`, value: i })))
    keysPage(table.rows, 'account:', undefined, 50)
    patch(table, [{ key: 'account:00000010', value: -1 }])
    let after: string | undefined
    for (let i = 0; i < 100; i++) {
      const page = keysPage(table.rows, 'account:', after, 50)
      after = page.keys[page.keys.length - 1]
    }
    expect(after).toBe(`account:${(4_999).toString(16).padStart(8, '0')}`)
  })

  it('keeps paging right while rows come and go between pages, across its merges', () => {
    const table = createTable<number>()
    const keyOf = (i: number) => `account:${i.toString(16).padStart(6, '0')}`
    patch(table, Array.from({ length: 20_000 }, (_, i) => ({ key: keyOf(2 * i), value: i })))
    keysPage(table.rows, 'account:', undefined, 50)
    for (let round = 0; round < 3_000; round++) {
      // An odd key arrives and an even one leaves: more than one merge's worth over the rounds.
      patch(table, [{ key: keyOf(2 * round + 1), value: round }, { key: keyOf(4 * round), value: null }])
      if (round % 250 === 0) {
        const after = keyOf(2 * round)
        expect(keysPage(table.rows, 'account:', after, 20)).toEqual(naive(table.rows, 'account:', after, 20))
      }
    }
    expect(keysPage(table.rows, '', undefined, 5)).toEqual(naive(table.rows, '', undefined, 5))
  })
})
