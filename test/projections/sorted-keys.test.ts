/** The incremental key index behind a read model's pages, against sorting the live keys afresh. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SortedKeys } from '../../projections/sorted-keys.js'

const naive = (keys: ReadonlySet<string>, prefix: string, after: string | undefined, limit: number) => {
  const all = [...keys].filter((k) => k.startsWith(prefix) && (after === undefined || after < prefix || k > after)).sort()
  return { keys: all.slice(0, limit), more: all.length > limit }
}

const key = fc.stringMatching(/^[ab][ab:]{0,4}$/)
const page = fc.tuple(fc.constantFrom('', 'a', 'b', 'a:', 'ab'), fc.option(key, { nil: undefined }), fc.integer({ min: 1, max: 6 }))

describe('SortedKeys', () => {
  it('pages exactly as a fresh sort of the live keys, through any adds and removals and however often it merges', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { maxLength: 20 }),
        fc.array(fc.tuple(fc.boolean(), key), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(page, { minLength: 1, maxLength: 4 }),
        (initial, operations, mergeAt, pages) => {
          const live = new Set(initial)
          const index = new SortedKeys(initial, mergeAt)
          for (const [add, k] of operations) {
            // The index is told only of real changes, as `patch` tells it.
            if (add && !live.has(k)) {
              live.add(k)
              index.add(k)
            } else if (!add && live.has(k)) {
              live.delete(k)
              index.remove(k)
            }
            for (const [prefix, after, limit] of pages) expect(index.page(prefix, after, limit)).toEqual(naive(live, prefix, after, limit))
          }
        },
      ),
      { numRuns: 300, seed: 20261201 },
    )
  })
})
