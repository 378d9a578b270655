/**
 * An RFC 9162 tree held in memory as the roots of its perfect subtrees, level by level: appending
 * a leaf costs O(1) amortized hashes, replacing a leaf O(log n), reading any node O(1). It is a
 * NodeSource, so proofs and roots come from proof.ts. The ledger uses it for the stream-heads map
 * (leaves replaced as streams grow) and for the upper levels of the log's tree.
 */
import { nodeHash, type Sha256 } from './hash.js'
import { treeRoot, type NodeSource } from './proof.js'

export class DenseTree implements NodeSource {
  /** levels[l][i] = root of the perfect subtree over leaves [i·2^l, (i+1)·2^l). */
  private readonly levels: Uint8Array[][] = [[]]

  constructor(private readonly sha256: Sha256) {}

  get size(): number {
    return this.levels[0]?.length ?? 0
  }

  node(level: number, index: number): Uint8Array {
    const hash = this.levels[level]?.[index]
    if (hash === undefined) throw new RangeError(`no complete subtree at level ${level}, index ${index}`)
    return hash
  }

  /** Appends a leaf hash, completing every subtree it closes. */
  append(leaf: Uint8Array): void {
    let level = 0
    let index = this.size
    let hash = leaf
    for (;;) {
      const row = this.levels[level] ?? (this.levels[level] = [])
      row[index] = hash
      if (index % 2 === 0) return
      hash = nodeHash(row[index - 1] as Uint8Array, hash, this.sha256)
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
      const row = this.levels[level] as Uint8Array[]
      row[at] = hash
      const sibling = at % 2 === 0 ? row[at + 1] : row[at - 1]
      if (sibling === undefined) return
      hash = at % 2 === 0 ? nodeHash(hash, sibling, this.sha256) : nodeHash(sibling, hash, this.sha256)
      level++
      at = Math.floor(at / 2)
    }
  }

  root(size: number = this.size): Uint8Array {
    if (size > this.size) throw new RangeError(`the tree has ${this.size} leaves, not ${size}`)
    return treeRoot(this, size, this.sha256)
  }
}
