import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeBase64 } from '../../../domain/tlog/base64.js'
import { leafHash } from '../../../domain/tlog/hash.js'
import { decodeEntryBundle, encodeEntryBundle, parseTilePath, tileIndexPath, tilePath, type TileRef } from '../../../domain/tlog/tiles.js'
import { examples } from './c2sp-vectors.js'

const tileArb: fc.Arbitrary<TileRef> = fc.record({
  level: fc.oneof(fc.integer({ min: 0, max: 63 }), fc.constant('entries' as const)),
  index: fc.oneof(fc.nat(2000), fc.maxSafeNat()),
  width: fc.integer({ min: 1, max: 256 }),
})

describe('tile paths', () => {
  it('writes the published indexes as the specs do', () => {
    for (const [index, path] of Object.entries({ ...examples['tlog-tiles'].tilePath, ...examples['go-sumdb-tlog'].tilePath })) {
      expect(tileIndexPath(Number(index))).toBe(path)
      expect(parseTilePath(`tile/0/${path}`)).toEqual({ level: 0, index: Number(index), width: 256 })
    }
  })

  it('names full and partial hash tiles and entry bundles', () => {
    expect(tilePath({ level: 0, index: 0, width: 256 })).toBe('tile/0/000')
    expect(tilePath({ level: 2, index: 1000, width: 17 })).toBe('tile/2/x001/000.p/17')
    expect(tilePath({ level: 'entries', index: 1234067, width: 1 })).toBe('tile/entries/x001/x234/067.p/1')
    expect(tilePath({ level: 63, index: Number.MAX_SAFE_INTEGER, width: 256 })).toBe('tile/63/x009/x007/x199/x254/x740/991')
  })

  it('every tile parses back from its path', () => {
    fc.assert(
      fc.property(tileArb, (tile) => {
        expect(parseTilePath(tilePath(tile))).toEqual(tile)
      }),
    )
  })

  it.each([
    'tile/0/x000/001',
    'tile/0/x000/000',
    'tile/00/000',
    'tile/01/000',
    'tile/64/000',
    'tile/0/1',
    'tile/0/0001',
    'tile/0/001/234',
    'tile/0/x1/234',
    'tile/0/X001/234',
    'tile/0/000.p/0',
    'tile/0/000.p/007',
    'tile/0/000.p/256',
    'tile/0/000.p/',
    'tile/0/000/',
    '/tile/0/000',
    'tile/entry/000',
    'tile/entries/x009/x007/x199/x254/x740/992',
    'tile/0/x001/x234/x567/x890/x123/x456/789',
  ])('refuses the non-canonical or foreign path %s', (path) => {
    expect(parseTilePath(path)).toBeUndefined()
  })

  it('a path that parses is the one canonical name of its tile, whatever a cheater tries', () => {
    const chars = fc.constantFrom(...'0123456789x/.ptile'.split(''))
    const mutated = fc.tuple(tileArb, fc.nat(40), chars, fc.boolean()).map(([tile, at, char, insert]) => {
      const path = tilePath(tile)
      const i = at % (path.length + 1)
      return insert ? path.slice(0, i) + char + path.slice(i) : path.slice(0, i) + char + path.slice(i + 1)
    })
    fc.assert(
      fc.property(mutated, (path) => {
        const tile = parseTilePath(path)
        if (tile !== undefined) expect(tilePath(tile)).toBe(path)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('entry bundles', () => {
  const hashes = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array(32).fill(i))

  it('prefixes each 32-byte entry with 0x00 0x20', () => {
    const bundle = encodeEntryBundle(hashes(2))
    expect(bundle.length).toBe(68)
    expect([bundle[0], bundle[1], bundle[34], bundle[35]]).toEqual([0, 32, 0, 32])
    expect(decodeEntryBundle(bundle, { width: 2, entryBytes: 32 })).toEqual({ ok: true, entries: hashes(2) })
  })

  it('round-trips any bundle of up to 256 entries', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 }), (entries) => {
        expect(decodeEntryBundle(encodeEntryBundle(entries), { width: entries.length })).toEqual({ ok: true, entries })
      }),
      { numRuns: 50 },
    )
  })

  it('refuses a cut-off bundle, a wrong width, a wrong entry size, an empty or over-full bundle', () => {
    const bundle = encodeEntryBundle(hashes(3))
    for (let cut = 1; cut < bundle.length; cut++) {
      if (cut % 34 !== 0) expect(decodeEntryBundle(bundle.subarray(0, cut)).ok).toBe(false)
    }
    expect(decodeEntryBundle(bundle, { width: 4 }).ok).toBe(false)
    expect(decodeEntryBundle(encodeEntryBundle([new Uint8Array(31)]), { entryBytes: 32 }).ok).toBe(false)
    expect(decodeEntryBundle(new Uint8Array(0)).ok).toBe(false)
    expect(decodeEntryBundle(new Uint8Array(257 * 2)).ok).toBe(false)
    expect(() => encodeEntryBundle(hashes(257))).toThrow(RangeError)
    expect(() => encodeEntryBundle([new Uint8Array(65536)])).toThrow(RangeError)
  })

  it('hashes an entry as the Go sumdb test does: SHA-256(0x00 ‖ entry)', () => {
    const v = examples['go-sumdb-tlog']
    expect(encodeBase64(leafHash(new TextEncoder().encode(v.leafInput)))).toBe(v.leafHashBase64)
  })
})
