import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DenseTree } from '../../../domain/tlog/dense-tree.js'
import { leafHash } from '../../../domain/tlog/hash.js'

const leaf = (n: number): Uint8Array => leafHash(new TextEncoder().encode(`leaf ${n}`), sha256)

function built(leaves: readonly Uint8Array[]): DenseTree {
  const tree = new DenseTree(sha256)
  for (const l of leaves) tree.append(l)
  return tree
}

describe('DenseTree, nodes packed one buffer per level', () => {
  it('replacing leaves gives the root of a tree built from the final leaves, at any size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }), (size, changes) => {
        const leaves = Array.from({ length: size }, (_, i) => leaf(i))
        const tree = built(leaves)
        for (const [at, value] of changes) {
          const index = at % size
          leaves[index] = leaf(1_000_000 + value)
          tree.replace(index, leaves[index] as Uint8Array)
        }
        expect(tree.root()).toEqual(built(leaves).root())
      }),
      { numRuns: 60 },
    )
  })

  it('built at once from packed leaves, it is node for node the tree the same leaves appended give, and grows alike (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }), (size, more, changes) => {
        const leaves = Array.from({ length: size }, (_, i) => leaf(i))
        const packed = new Uint8Array(size * 32)
        leaves.forEach((l, i) => packed.set(l, i * 32))
        const bulk = DenseTree.fromLeaves(packed, sha256)
        const oneByOne = built(leaves)
        expect(bulk.size).toBe(size)
        for (let level = 0; size >> level > 0; level++) {
          for (let index = 0; index < size >> level; index++) expect(bulk.node(level, index)).toEqual(oneByOne.node(level, index))
        }
        for (let i = 0; i < more; i++) for (const tree of [bulk, oneByOne]) tree.append(leaf(size + i))
        for (const [at, value] of changes) if (size + more > 0) for (const tree of [bulk, oneByOne]) tree.replace(at % (size + more), leaf(2_000_000 + value))
        if (size + more > 0) expect(bulk.root()).toEqual(oneByOne.root())
      }),
      { numRuns: 60 },
    )
    expect(() => DenseTree.fromLeaves(new Uint8Array(33), sha256)).toThrow(RangeError)
  })

  it('a node read earlier keeps its bytes when the tree changes under it', () => {
    const tree = built([leaf(0), leaf(1), leaf(2), leaf(3)])
    const before = tree.node(1, 0)
    const copy = Uint8Array.from(before)
    tree.replace(0, leaf(9))
    for (let i = 4; i < 200; i++) tree.append(leaf(i))
    expect(before).toEqual(copy)
    expect(tree.node(1, 0)).not.toEqual(copy)
  })

  it('refuses a node that is not 32 bytes, and a node that does not exist', () => {
    const tree = built([leaf(0)])
    expect(() => tree.append(new Uint8Array(31))).toThrow(RangeError)
    expect(() => tree.node(0, 1)).toThrow(RangeError)
    expect(() => tree.node(3, 0)).toThrow(RangeError)
    expect(() => tree.replace(1, leaf(1))).toThrow(RangeError)
  })
})
