/**
 * The stream-heads map a checkpoint commits to: a head proven by `prove` checks against the
 * committed root with `checkStreamHead`, and a head with any field changed, at another index, with
 * a hash changed, or against the root of a later commit, does not. (The map's size is not the
 * prover's to choose: a verifier takes it from the signed checkpoint.)
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../../domain/canonical/jcs.js'
import { checkStreamHead, streamHeadEntry, StreamHeads, type StreamHead } from '../../../domain/ledger/stream-heads.js'
import { nativeSha256 } from '../../../infrastructure/crypto/native.js'

/** A log's events as (stream, sequence): each stream's version counts its events so far. */
const logArb = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 60 })

function replay(log: readonly number[]): StreamHeads {
  const heads = new StreamHeads(nativeSha256)
  log.forEach((s, i) => heads.record(`s-${s}`, heads.version(`s-${s}`) + 1, i + 1))
  return heads
}

describe('stream-heads proofs', () => {
  it('prove what a stream had at the commit, and nothing else (property)', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.constantFrom('version', 'lastSequence', 'stream', 'index', 'hash'), (log, pick, change) => {
        const heads = replay(log)
        const map = heads.commit()
        const streams = [...new Set(log)].map((s) => `s-${s}`)
        const stream = streams[pick % streams.length] as string
        const proof = heads.prove(stream)
        if (proof === undefined) throw new Error(`no proof for ${stream}`)
        expect(proof.head).toEqual({ stream, version: log.filter((s) => `s-${s}` === stream).length, lastSequence: log.map((s) => `s-${s}`).lastIndexOf(stream) + 1 })
        expect(checkStreamHead(proof.head, proof.index, proof.proof, map, nativeSha256)).toEqual({ ok: true })
        const head: StreamHead = { ...proof.head, ...(change === 'version' ? { version: proof.head.version + 1 } : change === 'lastSequence' ? { lastSequence: proof.head.lastSequence + 1 } : change === 'stream' ? { stream: `${stream}x` } : {}) }
        const index = change === 'index' ? (proof.index + 1) % Math.max(2, map.count) : proof.index
        const hashes = change === 'hash' && proof.proof.length > 0 ? [`${proof.proof[0]?.startsWith('0') === true ? '1' : '0'}${proof.proof[0]?.slice(1) ?? ''}`, ...proof.proof.slice(1)] : proof.proof
        const changed = change !== 'hash' || proof.proof.length > 0
        if (changed && !(change === 'index' && map.count === 1)) expect(checkStreamHead(head, index, hashes, map, nativeSha256).ok).toBe(false)
      }),
      { numRuns: 200 },
    )
  })

  it('an old head does not check against a later commit where the stream moved on', () => {
    const heads = replay([0, 1, 0, 2])
    heads.commit()
    const old = heads.prove('s-0')
    heads.record('s-0', 3, 5)
    const later = heads.commit()
    if (old === undefined) throw new Error('no proof')
    expect(checkStreamHead(old.head, old.index, old.proof, later, nativeSha256)).toMatchObject({ ok: false, code: 'root-mismatch' })
    const fresh = heads.prove('s-0')
    expect(fresh?.head).toEqual({ stream: 's-0', version: 3, lastSequence: 5 })
    expect(fresh === undefined ? undefined : checkStreamHead(fresh.head, fresh.index, fresh.proof, later, nativeSha256)).toEqual({ ok: true })
  })

  it('keeps the copy of a name that intern gives, asked once per new stream; the root does not depend on it (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 7 }), { minLength: 1, maxLength: 40 }), (streams) => {
        const asked: string[] = []
        const shared = new Map<string, string>()
        const interned = new StreamHeads(nativeSha256, (stream) => {
          asked.push(stream)
          const copy = shared.get(stream) ?? `${stream}`
          shared.set(stream, copy)
          return copy
        })
        const plain = new StreamHeads(nativeSha256)
        streams.forEach((n, i) => {
          interned.record(`s-${n}`, i + 1, i + 1)
          plain.record(`s-${n}`, i + 1, i + 1)
        })
        const distinct = [...new Set(streams.map((n) => `s-${n}`))]
        expect(asked).toEqual(distinct)
        for (const stream of distinct) expect(interned.name(stream)).toBe(stream)
        expect(interned.name('s-unknown')).toBeUndefined()
        expect(interned.commit()).toEqual(plain.commit())
      }),
    )
  })

  it('a leaf entry is the canonical JSON of the head, byte for byte, whatever the name and numbers (property)', () => {
    const name = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9]*(?:-[A-Za-z0-9][A-Za-z0-9._:-]{0,40})?$/),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('a"b', 'a\\b', 'tab\there', '\u007f', 'é', '\u2028', ''),
    )
    const number = fc.oneof(fc.nat(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0), fc.constant(2 ** 53))
    fc.assert(
      fc.property(name, number, number, (stream, version, lastSequence) => {
        let canonical: string | undefined
        try {
          canonical = canonicalize({ lastSequence, stream, version })
        } catch {
          canonical = undefined // a lone surrogate: no canonical form, so no entry either
        }
        if (canonical === undefined) expect(() => streamHeadEntry({ stream, version, lastSequence })).toThrow()
        else expect(new TextDecoder().decode(streamHeadEntry({ stream, version, lastSequence }))).toBe(canonical)
      }),
      { numRuns: 500 },
    )
  })

  it('a loaded map is the map the same heads recorded one by one give: same root, proofs at once, later changes alike (property)', () => {
    fc.assert(
      fc.property(logArb, fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 20 }), (log, later) => {
        const recorded = replay(log)
        const order = [...new Set(log)].map((s) => `s-${s}`)
        const loaded = StreamHeads.from(order.map((stream) => recorded.head(stream) as StreamHead), nativeSha256)
        expect(loaded.commit()).toEqual(recorded.commit())
        // Nothing is left to fold: a loaded map proves a head before any commit.
        const fresh = StreamHeads.from(order.map((stream) => recorded.head(stream) as StreamHead), nativeSha256)
        const first = order[0] as string
        expect(fresh.prove(first)).toEqual(recorded.prove(first))
        later.forEach((s, i) => {
          for (const heads of [recorded, loaded]) heads.record(`s-${s}`, heads.version(`s-${s}`) + 1, log.length + i + 1)
        })
        expect(loaded.commit()).toEqual(recorded.commit())
      }),
      { numRuns: 200 },
    )
  })

  it('refuses to load one stream twice', () => {
    const head = { stream: 's-0', version: 1, lastSequence: 1 }
    expect(() => StreamHeads.from([head, { ...head, lastSequence: 2 }], nativeSha256)).toThrow(/loaded twice/)
  })
})
