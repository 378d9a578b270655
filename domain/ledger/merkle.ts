/**
 * RFC 6962 Merkle trees over event hashes, built with merkletreejs.
 *
 * leaf = SHA-256(0x00 || event hash), node = SHA-256(0x01 || left || right). merkletreejs carries
 * an unpaired node up a level unchanged, which yields exactly RFC 6962's split at the largest power
 * of two below n; leaves are prefixed here and nodes by the concatenator, so a leaf can never be
 * passed off as a node.
 *
 * merkletreejs rebuilds every layer on each addLeaf, so a tree is built once, from all its leaves.
 */
import { MerkleTree } from 'merkletreejs'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '../crypto/bytes.js'
import { fromHex, toHex } from '../crypto/hex.js'

export type Sha256 = (data: Uint8Array) => Uint8Array

const LEAF_PREFIX = Uint8Array.of(0)
const NODE_PREFIX = Uint8Array.of(1)


export function leafHash(eventHash: Uint8Array, sha256: Sha256 = nobleSha256): Uint8Array {
  return sha256(concatBytes([LEAF_PREFIX, eventHash]))
}

export function nodeHash(left: Uint8Array, right: Uint8Array, sha256: Sha256 = nobleSha256): Uint8Array {
  return sha256(concatBytes([NODE_PREFIX, left, right]))
}

/** The options under which merkletreejs computes RFC 6962 trees; also what MerkleTree.verify needs. */
export function merkleOptions(): { concatenator: (inputs: Buffer[]) => Buffer } {
  return { concatenator: (inputs) => Buffer.concat([Buffer.from(NODE_PREFIX), ...inputs]) }
}

function bufferHash(sha256: Sha256): (data: Buffer) => Buffer {
  return (data) => Buffer.from(sha256(data))
}

export function buildTree(eventHashes: readonly Uint8Array[], sha256: Sha256 = nobleSha256): MerkleTree {
  if (eventHashes.length === 0) throw new RangeError('a Merkle tree needs at least one leaf')
  const leaves = eventHashes.map((hash) => Buffer.from(leafHash(hash, sha256)))
  return new MerkleTree(leaves, bufferHash(sha256), { ...merkleOptions(), hashLeaves: false })
}

export function merkleRoot(eventHashes: readonly Uint8Array[], sha256: Sha256 = nobleSha256): string {
  return toHex(buildTree(eventHashes, sha256).getRoot())
}

/** One step of an inclusion path in merkletreejs's own proof format, hex-encoded. */
export interface ProofStep {
  readonly position: 'left' | 'right'
  readonly data: string
}

export function inclusionPath(tree: MerkleTree, index: number): ProofStep[] {
  const leaf = tree.getLeaves()[index]
  if (leaf === undefined) throw new RangeError(`no leaf at index ${index}`)
  return tree.getProof(leaf, index).map((step) => ({ position: step.position, data: toHex(step.data) }))
}

/** Checks a path with merkletreejs's own MerkleTree.verify. */
export function verifyInclusionPath(path: readonly ProofStep[], eventHash: string, root: string, sha256: Sha256 = nobleSha256): boolean {
  const proof = path.map((step) => ({ position: step.position, data: Buffer.from(fromHex(step.data)) }))
  const leaf = Buffer.from(leafHash(fromHex(eventHash), sha256))
  return MerkleTree.verify(proof, leaf, Buffer.from(fromHex(root)), bufferHash(sha256), merkleOptions())
}

/**
 * The RFC 6962 root of a sequence of leaves seen one at a time, in O(log n) memory: a stack of
 * perfect subtrees, merged as they pair up, folded right to left at the end. Verification uses it
 * to check anchors while streaming; tests hold it equal to merkletreejs.
 */
export class StreamingRoot {
  private readonly stack: { hash: Uint8Array; size: number }[] = []
  private count = 0

  constructor(private readonly sha256: Sha256 = nobleSha256) {}

  get size(): number {
    return this.count
  }

  push(eventHash: Uint8Array): void {
    let node = { hash: leafHash(eventHash, this.sha256), size: 1 }
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

  reset(): void {
    this.stack.length = 0
    this.count = 0
  }
}
