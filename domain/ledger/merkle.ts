/**
 * The ledger's Merkle roots: RFC 9162 trees over 32-byte entries (event hashes, contribution
 * hashes, sample hashes), with the hashing of domain/tlog/hash.ts. Proofs live in domain/tlog/proof.ts.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { fromHex, toHex } from '../crypto/hex.js'
import { leafHash, nodeHash, type Sha256 } from '../tlog/hash.js'

export { leafHash, nodeHash, type Sha256 } from '../tlog/hash.js'

/** The RFC 9162 root (hex) of a non-empty list of entries. */
export function merkleRoot(entries: readonly Uint8Array[], sha256: Sha256 = nobleSha256): string {
  if (entries.length === 0) throw new RangeError('a Merkle tree needs at least one leaf')
  const root = new StreamingRoot(sha256)
  for (const entry of entries) root.push(entry)
  return root.root()
}

/**
 * The RFC 9162 root of entries seen one at a time, in O(log n) memory: the roots of the perfect
 * subtrees along the tree's right edge (its compact range), largest first, merged as they pair up
 * and folded right to left for the root. A checkpoint records this right edge, so the sequencer
 * and the verifier can resume the tree from a checkpoint without reading what came before it.
 */
export class StreamingRoot {
  private stack: { hash: Uint8Array; size: number }[] = []
  private count = 0

  constructor(private readonly sha256: Sha256 = nobleSha256) {}

  /** Resumes a tree of `size` entries from its right edge (hex, largest subtree first). */
  static resume(size: number, rightEdge: readonly string[], sha256: Sha256 = nobleSha256): StreamingRoot | undefined {
    const sizes: number[] = []
    for (let left = size, bit = 2 ** 52; bit >= 1; bit /= 2) if (left >= bit) { sizes.push(bit); left -= bit }
    if (sizes.length !== rightEdge.length) return undefined
    const resumed = new StreamingRoot(sha256)
    resumed.stack = rightEdge.map((hash, i) => ({ hash: fromHex(hash), size: sizes[i] as number }))
    resumed.count = size
    return resumed
  }

  get size(): number {
    return this.count
  }

  push(entry: Uint8Array): void {
    let node = { hash: leafHash(entry, this.sha256), size: 1 }
    let top = this.stack[this.stack.length - 1]
    while (top !== undefined && top.size === node.size) {
      this.stack.pop()
      node = { hash: nodeHash(top.hash, node.hash, this.sha256), size: node.size * 2 }
      top = this.stack[this.stack.length - 1]
    }
    this.stack.push(node)
    this.count++
  }

  root(): string {
    let acc: Uint8Array | undefined
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const entry = this.stack[i]
      if (entry === undefined) continue
      acc = acc === undefined ? entry.hash : nodeHash(entry.hash, acc, this.sha256)
    }
    if (acc === undefined) throw new RangeError('no leaves')
    return toHex(acc)
  }

  /** The compact range: the roots of the perfect subtrees along the right edge, largest first. */
  rightEdge(): string[] {
    return this.stack.map((entry) => toHex(entry.hash))
  }

  clone(): StreamingRoot {
    const copy = new StreamingRoot(this.sha256)
    copy.stack = [...this.stack]
    copy.count = this.count
    return copy
  }
}
