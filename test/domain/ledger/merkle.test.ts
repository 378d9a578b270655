import { randomBytes } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import { leafHash, merkleRoot, nodeHash, StreamingRoot } from '../../../domain/ledger/merkle.js'

const h = (data: Uint8Array) => sha256(data)

/** RFC 9162 §2.1.1 MTH, written from the definition: split at the largest power of two below n. */
function rfc9162(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return h(new Uint8Array([0, ...(leaves[0] as Uint8Array)]))
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return h(new Uint8Array([1, ...rfc9162(leaves.slice(0, k)), ...rfc9162(leaves.slice(k))]))
}

const hashes = (n: number) => Array.from({ length: n }, () => new Uint8Array(randomBytes(32)))

describe('Merkle roots', () => {
  it('match the RFC definition for every size from 1 to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = hashes(n)
      expect(merkleRoot(leaves), `n=${n}`).toBe(toHex(rfc9162(leaves)))
    }
  })

  it('separate leaves from nodes (a node can never pass as a leaf)', () => {
    const [a, b] = hashes(2) as [Uint8Array, Uint8Array]
    expect(toHex(leafHash(a))).not.toBe(toHex(h(a)))
    expect(toHex(nodeHash(a, b))).toBe(toHex(h(new Uint8Array([1, ...a, ...b]))))
    expect(merkleRoot([a, b])).not.toBe(toHex(leafHash(new Uint8Array([...leafHash(a), ...leafHash(b)]))))
  })

  it('a streaming root resumed from its right edge goes on exactly as the original', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 50 }), (n, more) => {
        const leaves = hashes(n + more)
        const whole = new StreamingRoot()
        for (const leaf of leaves.slice(0, n)) whole.push(leaf)
        const resumed = StreamingRoot.resume(n, whole.rightEdge())
        expect(resumed).toBeDefined()
        const copy = whole.clone()
        for (const leaf of leaves.slice(n)) { whole.push(leaf); resumed?.push(leaf) }
        expect(resumed?.root()).toBe(merkleRoot(leaves))
        expect(whole.root()).toBe(merkleRoot(leaves))
        expect(copy.size).toBe(n)
        expect(copy.root()).toBe(merkleRoot(leaves.slice(0, n)))
      }),
      { numRuns: 60 },
    )
  })

  it('a right edge of the wrong length for its size is refused', () => {
    const root = new StreamingRoot()
    for (const leaf of hashes(5)) root.push(leaf)
    expect(StreamingRoot.resume(7, root.rightEdge())).toBeUndefined()
    expect(StreamingRoot.resume(5, root.rightEdge())?.root()).toBe(root.root())
  })
})
