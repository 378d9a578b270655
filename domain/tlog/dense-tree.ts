/**
 * An RFC 9162 tree held in memory as the roots of its perfect subtrees, level by level: appending
 * a leaf costs O(1) amortized hashes, replacing a leaf O(log n), reading any node O(1). It is a
 * NodeSource, so proofs and roots come from proof.ts. Its nodes are kept packed (32 bytes each,
 * one buffer per level). The ledger uses it for the stream-heads map
 * (leaves replaced as streams grow) and for the upper levels of the log's tree.
 */
import { nodeHash, type Sha256 } from './hash.js'
import { treeRoot, type NodeSource } from './proof.js'

/** The bytes of one node: a SHA-256 hash. */
const HASH = 32

export class DenseTree implements NodeSource {
  /**
   * rows[l] holds the roots of the perfect subtrees over leaves [i·2^l, (i+1)·2^l), 32 bytes
   * each, packed one after another (counts[l] of them): one buffer per level, not an object per
   * node, so a map of S streams costs about 64·S bytes.
   */
  private readonly rows: Uint8Array[] = [new Uint8Array(0)]
  private readonly counts: number[] = [0]

  constructor(private readonly sha256: Sha256) {}

  /**
   * The tree over `leaves` (leaf hashes packed one after another), built level by level: the same
   * nodes as appending each leaf in turn, in one pass per level and one buffer per level. The
   * buffer becomes the tree's bottom row: the caller gives it up.
   */
  static fromLeaves(leaves: Uint8Array, sha256: Sha256): DenseTree {
    if (leaves.length % HASH !== 0) throw new RangeError(`packed leaves are a multiple of ${HASH} bytes, not ${leaves.length}`)
    const tree = new DenseTree(sha256)
    const pair = new Uint8Array(1 + 2 * HASH)
    pair[0] = 1
    let row = leaves
    let count = leaves.length / HASH
    for (let level = 0; count > 0; level++) {
      tree.rows[level] = row
      tree.counts[level] = count
      const above = Math.floor(count / 2)
      if (above === 0) break
      const next = new Uint8Array(above * HASH)
      for (let i = 0; i < above; i++) {
        pair.set(row.subarray(2 * i * HASH, (2 * i + 2) * HASH), 1)
        next.set(sha256(pair), i * HASH)
      }
      row = next
      count = above
    }
    return tree
  }

  get size(): number {
    return this.counts[0] ?? 0
  }

  /** A copy of the node: later appends and replacements never change what a caller holds. */
  node(level: number, index: number): Uint8Array {
    const count = this.counts[level] ?? 0
    if (!Number.isSafeInteger(index) || index < 0 || index >= count) throw new RangeError(`no complete subtree at level ${level}, index ${index}`)
    return (this.rows[level] as Uint8Array).slice(index * HASH, (index + 1) * HASH)
  }

  /** Appends a leaf hash, completing every subtree it closes. */
  append(leaf: Uint8Array): void {
    let level = 0
    let index = this.size
    let hash = leaf
    for (;;) {
      const row = this.put(level, index, hash)
      if (index % 2 === 0) return
      hash = nodeHash(row.subarray((index - 1) * HASH, index * HASH), hash, this.sha256)
      level++
      index = (index - 1) / 2
    }
  }

  /** Replaces leaf `index` and the complete subtrees above it. */
  replace(index: number, leaf: Uint8Array): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) throw new RangeError(`no leaf ${index}`)
    let level = 0
    let at = index
    let hash = leaf
    for (;;) {
      const row = this.put(level, at, hash)
      const sibling = at % 2 === 0 ? at + 1 : at - 1
      if (sibling >= (this.counts[level] as number)) return
      const other = row.subarray(sibling * HASH, (sibling + 1) * HASH)
      hash = at % 2 === 0 ? nodeHash(hash, other, this.sha256) : nodeHash(other, hash, this.sha256)
      level++
      at = Math.floor(at / 2)
    }
  }

  root(size: number = this.size): Uint8Array {
    if (size > this.size) throw new RangeError(`the tree has ${this.size} leaves, not ${size}`)
    return treeRoot(this, size, this.sha256)
  }

  /**
   * Writes node `index` of `level` (an existing one, or the next), growing the row by half again
   * (a third of a large row's bytes unused on average, where doubling leaves half); returns the row.
   */
  private put(level: number, index: number, hash: Uint8Array): Uint8Array {
    if (hash.length !== HASH) throw new RangeError(`a node is ${HASH} bytes, not ${hash.length}`)
    const count = this.counts[level] ?? 0
    let row = this.rows[level] ?? new Uint8Array(0)
    if (index > count) throw new RangeError(`level ${level} has ${count} nodes: node ${index} cannot be written yet`)
    if ((index + 1) * HASH > row.length) {
      const grown = new Uint8Array(Math.max(64 * HASH, Math.ceil((row.length * 1.5) / HASH) * HASH))
      grown.set(row)
      row = grown
    }
    row.set(hash, index * HASH)
    this.rows[level] = row
    if (index === count) this.counts[level] = count + 1
    return row
  }
}
