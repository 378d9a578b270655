import { randomBytes } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { MerkleTree } from 'merkletreejs'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../domain/crypto/hex.js'
import { buildTree, inclusionPath, leafHash, merkleOptions, merkleRoot, nodeHash, StreamingRoot, verifyInclusionPath } from '../../../domain/ledger/merkle.js'

const h = (data: Uint8Array) => sha256(data)

/** RFC 6962 §2.1 MTH, written from the definition: split at the largest power of two below n. */
function rfc6962(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return h(new Uint8Array([0, ...(leaves[0] as Uint8Array)]))
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return h(new Uint8Array([1, ...rfc6962(leaves.slice(0, k)), ...rfc6962(leaves.slice(k))]))
}

const hashes = (n: number) => Array.from({ length: n }, () => new Uint8Array(randomBytes(32)))

describe('RFC 6962 trees with merkletreejs', () => {
  it('matches the RFC definition for every size from 1 to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = hashes(n)
      expect(merkleRoot(leaves), `n=${n}`).toBe(toHex(rfc6962(leaves)))
    }
  })

  it('separates leaves from nodes (a node can never pass as a leaf)', () => {
    const [a, b] = hashes(2) as [Uint8Array, Uint8Array]
    expect(toHex(leafHash(a))).not.toBe(toHex(h(a)))
    expect(toHex(nodeHash(a, b))).toBe(toHex(h(new Uint8Array([1, ...a, ...b]))))
    // A two-leaf tree's root is not the leaf hash of the concatenation of its children.
    expect(merkleRoot([a, b])).not.toBe(toHex(leafHash(new Uint8Array([...leafHash(a), ...leafHash(b)]))))
  })

  it('the streaming root equals merkletreejs for any number of leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), (n) => {
        const leaves = hashes(n)
        const streaming = new StreamingRoot()
        for (const leaf of leaves) streaming.push(leaf)
        expect(streaming.root()).toBe(merkleRoot(leaves))
      }),
      { numRuns: 60 },
    )
  })

  it('every inclusion path verifies with merkletreejs\'s own MerkleTree.verify, and a wrong leaf does not', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 33]) {
      const leaves = hashes(n)
      const tree = buildTree(leaves)
      const root = tree.getRoot()
      for (let i = 0; i < n; i++) {
        const path = inclusionPath(tree, i)
        const proof = path.map((step) => ({ position: step.position, data: Buffer.from(fromHex(step.data)) }))
        const leaf = Buffer.from(leafHash(leaves[i] as Uint8Array))
        expect(MerkleTree.verify(proof, leaf, root, (d: Buffer) => Buffer.from(sha256(d)), merkleOptions())).toBe(true)
        expect(verifyInclusionPath(path, toHex(leaves[i] as Uint8Array), toHex(root))).toBe(true)
        const other = leaves[(i + 1) % n] as Uint8Array
        if (n > 1) expect(verifyInclusionPath(path, toHex(other), toHex(root))).toBe(false)
      }
    }
  })
})
