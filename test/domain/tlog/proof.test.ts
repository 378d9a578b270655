import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { MerkleTree } from 'merkletreejs'
import { describe, expect, it } from 'vitest'
import { DenseTree } from '../../../domain/tlog/dense-tree.js'
import { leafHash, nodeHash } from '../../../domain/tlog/hash.js'
import {
  checkConsistency,
  checkInclusion,
  consistencyProof,
  consistencyProofLength,
  inclusionProof,
  inclusionProofLength,
} from '../../../domain/tlog/proof.js'
import { vectorsDir } from '../../support/vectors.js'

const b64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'))

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : []
  })
}

/** merkletreejs (another implementation) over RFC 9162 leaf hashes: unpaired nodes are carried up, as RFC 9162 splits. */
function reference(leaves: readonly Uint8Array[]): MerkleTree {
  const hashed = leaves.map((leaf) => Buffer.from(leafHash(leaf)))
  return new MerkleTree(hashed, (d: Buffer) => Buffer.from(sha256(d)), {
    hashLeaves: false,
    concatenator: (parts: Buffer[]) => Buffer.concat([Buffer.from([1]), ...parts]),
  })
}

function dense(leaves: readonly Uint8Array[]): DenseTree {
  const tree = new DenseTree(sha256)
  for (const leaf of leaves) tree.append(leafHash(leaf))
  return tree
}

function flipBit(hashes: Uint8Array[], bit: number): void {
  const hash = hashes[Math.floor(bit / 256)] as Uint8Array
  const byte = Math.floor((bit % 256) / 8)
  hash[byte] = (hash[byte] ?? 0) ^ (1 << (bit % 8))
}

const entries = (n: number) => Array.from({ length: n }, () => new Uint8Array(randomBytes(32)))

describe('RFC 9162 proofs against transparency-dev/merkle test data', () => {
  const root = join(vectorsDir(), 'rfc9162')
  const inclusion = jsonFiles(join(root, 'inclusion'))
  const consistency = jsonFiles(join(root, 'consistency'))

  it('has the vendored cases', () => {
    expect(inclusion.length + consistency.length).toBe(196)
  })

  it.each(inclusion.map((file) => [file.slice(root.length + 1), file]))('inclusion %s', (_name, file) => {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; wantErr: boolean }
    const result = checkInclusion(sha256, v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root))
    expect(result.ok).toBe(!v.wantErr)
  })

  it.each(consistency.map((file) => [file.slice(root.length + 1), file]))('consistency %s', (_name, file) => {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; wantErr: boolean }
    const result = checkConsistency(sha256, v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2))
    expect(result.ok).toBe(!v.wantErr)
  })
})

describe('RFC 9162 trees and proofs against merkletreejs', () => {
  const leaves = entries(1000)
  const tree = dense(leaves)

  it('the root of every prefix from 1 to 1,000 entries equals merkletreejs', () => {
    for (let n = 1; n <= 1000; n++) {
      const expected = reference(leaves.slice(0, n)).getRoot()
      expect(Buffer.from(tree.root(n)).equals(expected), `size ${n}`).toBe(true)
    }
  })

  it('inclusion proofs equal merkletreejs paths and verify, for every index of sizes up to 64 and of 255, 256, 257, 1000', () => {
    const sizes = [...Array.from({ length: 64 }, (_, i) => i + 1), 255, 256, 257, 1000]
    for (const n of sizes) {
      const ref = reference(leaves.slice(0, n))
      const root = tree.root(n)
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(tree, i, n, sha256)
        const leaf = leafHash(leaves[i] as Uint8Array)
        expect(proof.map((p) => Buffer.from(p).toString('hex'))).toEqual(ref.getProof(Buffer.from(leaf), i).map((step) => step.data.toString('hex')))
        expect(proof.length).toBe(inclusionProofLength(i, n))
        expect(checkInclusion(sha256, i, n, leaf, proof, root)).toEqual({ ok: true })
      }
    }
  })

  it('consistency proofs between every pair of sizes up to 64 rebuild both merkletreejs roots', () => {
    for (let n = 1; n <= 64; n++) {
      const newRoot = reference(leaves.slice(0, n)).getRoot()
      expect(checkConsistency(sha256, 0, n, [], sha256(new Uint8Array()), newRoot).ok, 'from the empty tree').toBe(false)
      for (let m = 1; m <= n; m++) {
        const oldRoot = reference(leaves.slice(0, m)).getRoot()
        const proof = consistencyProof(tree, m, n, sha256)
        if (m < n) expect(proof.length).toBe(consistencyProofLength(m, n))
        expect(checkConsistency(sha256, m, n, proof, oldRoot, newRoot), `${m} -> ${n}`).toEqual({ ok: true })
      }
    }
  })

  it('consistency proofs hold between far-apart sizes up to 1,000', () => {
    for (const [m, n] of [[1, 1000], [255, 256], [256, 257], [257, 1000], [500, 999], [511, 512], [512, 1000]] as const) {
      const proof = consistencyProof(tree, m, n, sha256)
      expect(checkConsistency(sha256, m, n, proof, tree.root(m), tree.root(n))).toEqual({ ok: true })
    }
  })
})

describe('a proof for anything else fails', () => {
  const leaves = entries(300)
  const tree = dense(leaves)

  it('inclusion: a wrong index, size, leaf, root, a flipped bit, or a hash added or dropped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), fc.nat(), (n, rawIndex, rawOther, bit) => {
        const index = rawIndex % n
        const proof = inclusionProof(tree, index, n, sha256)
        const leaf = leafHash(leaves[index] as Uint8Array)
        const root = tree.root(n)
        const other = (index + 1 + (rawOther % (n - 1))) % n
        expect(checkInclusion(sha256, other, n, leaf, proof, root).ok).toBe(false)
        expect(checkInclusion(sha256, index, n, leafHash(leaves[other] as Uint8Array), proof, root).ok).toBe(false)
        // A proof is for one (size, root) pair: presented against another checkpoint of the same log, it fails.
        if (n < 300) expect(checkInclusion(sha256, index, n + 1, leaf, proof, tree.root(n + 1)).ok).toBe(false)
        expect(checkInclusion(sha256, index, n, leaf, proof, tree.root(n - 1)).ok).toBe(false)
        expect(checkInclusion(sha256, index, n, leaf, [...proof, root], root).ok).toBe(false)
        if (proof.length > 0) {
          expect(checkInclusion(sha256, index, n, leaf, proof.slice(1), root).ok).toBe(false)
          const flipped = proof.map((p) => new Uint8Array(p))
          const at = bit % (flipped.length * 256)
          flipBit(flipped, at)
          expect(checkInclusion(sha256, index, n, leaf, flipped, root).ok).toBe(false)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('consistency: a wrong size on either side, a root of another history, or a flipped bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), (n, rawM, bit) => {
        const m = 1 + (rawM % (n - 1))
        const proof = consistencyProof(tree, m, n, sha256)
        const oldRoot = tree.root(m)
        const newRoot = tree.root(n)
        expect(checkConsistency(sha256, m, n, proof, oldRoot, newRoot).ok).toBe(true)
        if (m > 1) expect(checkConsistency(sha256, m - 1, n, proof, tree.root(m - 1), newRoot).ok).toBe(false)
        const otherNew = n - 1 === m ? n + 1 : n - 1
        if (otherNew <= 300) expect(checkConsistency(sha256, m, otherNew, proof, oldRoot, tree.root(otherNew)).ok).toBe(false)
        const forked = dense([...leaves.slice(0, m - 1), new Uint8Array(32)])
        expect(checkConsistency(sha256, m, n, proof, forked.root(m), newRoot).ok).toBe(false)
        if (proof.length > 0) {
          const flipped = proof.map((p) => new Uint8Array(p))
          const at = bit % (flipped.length * 256)
          flipBit(flipped, at)
          expect(checkConsistency(sha256, m, n, flipped, oldRoot, newRoot).ok).toBe(false)
        }
      }),
      { numRuns: 200 },
    )
  })
})

describe('the dense tree', () => {
  it('replacing a leaf gives the root of the tree built with the new leaf', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.nat(), (n, raw) => {
        const leaves = entries(n)
        const tree = dense(leaves)
        const at = raw % n
        const replacement = new Uint8Array(randomBytes(32))
        tree.replace(at, leafHash(replacement))
        leaves[at] = replacement
        expect(Buffer.from(tree.root()).equals(Buffer.from(dense(leaves).root()))).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  it('an interior node is SHA-256(0x01 ‖ left ‖ right)', () => {
    const [a, b] = entries(2) as [Uint8Array, Uint8Array]
    expect(Buffer.from(dense([a, b]).root()).equals(Buffer.from(sha256(new Uint8Array([1, ...leafHash(a), ...leafHash(b)]))))).toBe(true)
    expect(Buffer.from(nodeHash(a, b)).equals(Buffer.from(sha256(new Uint8Array([1, ...a, ...b]))))).toBe(true)
  })
})
