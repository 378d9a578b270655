/**
 * The persistent collections' layouts that snapshots depend on (domain/persistent.ts): a small
 * Immutable Map iterates in insertion order, a large one (or one that was large) in hash order,
 * and a restored map keeps its layout, so it goes on iterating as the original after updates.
 */
import fc from 'fast-check'
import { Map as IMap, Set as ISet } from 'immutable'
import { describe, expect, it } from 'vitest'
import { edit, hashOrdered, include, put, remove, restoreMap, restoreSet } from '../../domain/persistent.js'

type Op = { readonly kind: 'put' | 'remove'; readonly key: string }
const keyArb = fc.constantFrom(...Array.from({ length: 14 }, (_, i) => `k${i}`), 'a-long-key-over-sixteen-characters')
const opArb: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('put', 'put', 'remove' as const), key: keyArb })
/** Histories that grow past 8 entries and shrink again as often as not: both layouts at every size. */
const historyArb: fc.Arbitrary<Op[]> = fc
  .tuple(fc.array(keyArb, { maxLength: 20 }), fc.array(keyArb, { maxLength: 20 }), fc.array(opArb, { maxLength: 20 }))
  .map(([grow, shrink, mixed]) => [...grow.map((key): Op => ({ kind: 'put', key })), ...shrink.map((key): Op => ({ kind: 'remove', key })), ...mixed])

function applyMap(map: ReadonlyMap<string, number>, ops: readonly Op[]): ReadonlyMap<string, number> {
  let m = map
  ops.forEach((op, i) => (m = op.kind === 'put' ? put(m, op.key, i) : remove(m, op.key)))
  return m
}

function applySet(set: ReadonlySet<string>, ops: readonly Op[]): ReadonlySet<string> {
  let s = set
  for (const op of ops) s = op.kind === 'put' ? include(s, op.key) : ISet.isSet(s) ? ((s as unknown as ISet<string>).delete(op.key) as unknown as ReadonlySet<string>) : s
  return s
}

describe('persistent collections: the layouts a snapshot restores', () => {
  it('a small map keeps insertion order, the ninth key turns it into a hash trie, and shrinking keeps the trie', () => {
    let m: ReadonlyMap<string, number> = new Map()
    for (const k of ['z', 'y', 'x']) m = put(m, k, 1)
    expect(hashOrdered(m)).toBe(false)
    expect([...m.keys()]).toEqual(['z', 'y', 'x'])
    for (let i = 0; i < 6; i++) m = put(m, `k${i}`, i)
    expect(hashOrdered(m)).toBe(true)
    for (let i = 0; i < 6; i++) m = remove(m, `k${i}`)
    expect(m.size).toBe(3)
    expect(hashOrdered(m)).toBe(true)
    // The two layouts put the next key in different places: which one a restored map has matters.
    const asArray = restoreMap([...m], false)
    const asTrie = restoreMap([...m], true)
    expect([...asArray.keys()]).toEqual([...m.keys()])
    expect([...asTrie.keys()]).toEqual([...m.keys()])
    const next = (map: ReadonlyMap<string, number>) => [...put(put(map, 'a', 0), 'q', 0).keys()]
    expect(next(asTrie)).toEqual(next(m))
    expect(next(asArray)).not.toEqual(next(m))
  })

  it('an ordered map (edit with ordered) stays in insertion order; sets follow their map', () => {
    const m = edit(new Map<string, number>(), (d) => ['c', 'a', 'b'].forEach((k, i) => d.set(k, i)), { ordered: true })
    expect([...m.keys()]).toEqual(['c', 'a', 'b'])
    expect(hashOrdered(IMap())).toBe(false)
    let s: ReadonlySet<string> = new Set()
    for (let i = 0; i < 10; i++) s = include(s, `v${i}`)
    expect(hashOrdered(s)).toBe(true)
  })

  it('a map restored at any point of a random history iterates like the original after the rest of it', () => {
    fc.assert(
      fc.property(historyArb, fc.array(opArb, { maxLength: 30 }), (before, after) => {
        const original = applyMap(new Map(), before)
        const restored = restoreMap([...original], hashOrdered(original))
        expect([...restored]).toEqual([...original])
        expect([...applyMap(restored, after)]).toEqual([...applyMap(original, after)])
      }),
      { numRuns: 300 },
    )
  })

  it('a set restored at any point of a random history iterates like the original after the rest of it', () => {
    fc.assert(
      fc.property(historyArb, fc.array(opArb, { maxLength: 30 }), (before, after) => {
        const original = applySet(new Set(), before)
        const restored = restoreSet([...original], hashOrdered(original))
        expect([...restored]).toEqual([...original])
        expect([...applySet(restored, after)]).toEqual([...applySet(original, after)])
      }),
      { numRuns: 300 },
    )
  })
})
