/**
 * RFC 9162 inclusion and consistency proofs (§2.1.3, §2.1.4): building them from any source of
 * subtree hashes, and checking them. Every position is derived from the leaf index and the tree
 * sizes, never read from the proof, and the number of hashes must be exactly what those sizes
 * call for. Sizes are safe integers, so arithmetic avoids JavaScript's 32-bit bit operators.
 */
import { emptyRoot, equalHashes, HASH_SIZE, nodeHash, type Sha256 } from './hash.js'

export { leafHash, nodeHash, type Sha256 } from './hash.js'

export type ProofResult = { ok: true } | { ok: false; code: ProofFault; reason: string }

export type ProofFault =
  | 'index-out-of-range'
  | 'bad-sizes'
  | 'wrong-proof-size'
  | 'bad-hash-length'
  | 'root-mismatch'

/**
 * Where proofs read subtree hashes: `node(level, index)` is the root of the perfect subtree over
 * leaves [index·2^level, (index+1)·2^level), which the caller guarantees lies inside the tree.
 */
export interface NodeSource {
  node(level: number, index: number): Uint8Array
}

const isOdd = (n: number) => n % 2 === 1
const half = (n: number) => Math.floor(n / 2)

function fail(code: ProofFault, reason: string): ProofResult {
  return { ok: false, code, reason }
}

function hashesFault(proof: readonly Uint8Array[]): ProofResult | undefined {
  const bad = proof.findIndex((hash) => hash.length !== HASH_SIZE)
  return bad < 0 ? undefined : fail('bad-hash-length', `proof hash ${bad} is ${proof[bad]?.length ?? 0} bytes, not ${HASH_SIZE}`)
}

/** The number of hashes in the inclusion proof of `index` in a tree of `size` (RFC 9162 §2.1.3.1). */
export function inclusionProofLength(index: number, size: number): number {
  let length = 0
  for (let fn = index, sn = size - 1; sn > 0; fn = half(fn), sn = half(sn)) {
    if (isOdd(fn) || fn < sn) length++
  }
  return length
}

/** RFC 9162 §2.1.3.2: checks that `leaf` (a leaf hash) is entry `index` of the tree of `size` with `root`. */
export function checkInclusion(sha256: Sha256, index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): ProofResult {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return fail('index-out-of-range', `leaf index ${index} is not inside a tree of size ${size}`)
  }
  const hashFault = hashesFault(proof) ?? (leaf.length === HASH_SIZE && root.length === HASH_SIZE ? undefined : fail('bad-hash-length', 'leaf and root must be 32 bytes'))
  if (hashFault !== undefined) return hashFault
  const want = inclusionProofLength(index, size)
  if (proof.length !== want) return fail('wrong-proof-size', `an inclusion proof for index ${index} in size ${size} has ${want} hashes, not ${proof.length}`)
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r, sha256)
      // A left-edge step at the tree's right border: skip the levels where this node has no sibling.
      if (!isOdd(fn)) while (fn !== 0 && !isOdd(fn)) { fn = half(fn); sn = half(sn) }
    } else {
      r = nodeHash(r, p, sha256)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0) return fail('wrong-proof-size', 'the proof ends below the root')
  return equalHashes(r, root) ? { ok: true } : fail('root-mismatch', 'the path does not lead to the root')
}

/**
 * RFC 9162 §2.1.4.2: checks that the tree of `newSize` with `newRoot` extends the tree of `oldSize`
 * with `oldRoot`. Equal sizes need an empty proof and equal roots. A proof from the empty tree
 * proves nothing, so size 0 is refused (as transparency-dev/merkle does): a witness's first
 * checkpoint for a log needs no proof at all.
 */
export function checkConsistency(
  sha256: Sha256,
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): ProofResult {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) {
    return fail('bad-sizes', `size ${oldSize} cannot be a prefix of size ${newSize}`)
  }
  if (oldSize === 0) return fail('bad-sizes', 'a consistency proof from the empty tree proves nothing')
  if (oldSize === newSize) {
    if (proof.length !== 0) return fail('wrong-proof-size', 'trees of equal size need an empty proof')
    return equalHashes(oldRoot, newRoot) ? { ok: true } : fail('root-mismatch', 'two different roots for the same size: a fork')
  }
  const hashFault = hashesFault(proof) ?? (oldRoot.length === HASH_SIZE && newRoot.length === HASH_SIZE ? undefined : fail('bad-hash-length', 'roots must be 32 bytes'))
  if (hashFault !== undefined) return hashFault
  const want = consistencyProofLength(oldSize, newSize)
  if (proof.length !== want) return fail('wrong-proof-size', `a consistency proof from ${oldSize} to ${newSize} has ${want} hashes, not ${proof.length}`)
  // When the old tree is a perfect subtree on the left edge, its root is the proof's implicit first hash.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof]
  let fn = oldSize - 1
  let sn = newSize - 1
  while (isOdd(fn)) { fn = half(fn); sn = half(sn) }
  const [first, ...rest] = path
  if (first === undefined) return fail('wrong-proof-size', 'empty consistency proof')
  let fr = first
  let sr = first
  for (const c of rest) {
    if (sn === 0) return fail('wrong-proof-size', 'the proof is longer than the tree is tall')
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr, sha256)
      sr = nodeHash(c, sr, sha256)
      if (!isOdd(fn)) while (fn !== 0 && !isOdd(fn)) { fn = half(fn); sn = half(sn) }
    } else {
      sr = nodeHash(sr, c, sha256)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0) return fail('wrong-proof-size', 'the proof ends below the root')
  if (!equalHashes(fr, oldRoot)) return fail('root-mismatch', `the proof does not rebuild the root of size ${oldSize}`)
  if (!equalHashes(sr, newRoot)) return fail('root-mismatch', `the proof does not rebuild the root of size ${newSize}`)
  return { ok: true }
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.floor(Math.log2(n)) === n
}

/** The largest power of two strictly less than n (n ≥ 2): RFC 9162's split point. */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** The number of hashes in a consistency proof from oldSize to newSize (0 < oldSize < newSize). */
export function consistencyProofLength(oldSize: number, newSize: number): number {
  // Count the hashes SUBPROOF(m, D[n], true) of §2.1.4.1 emits, without computing any of them.
  let m = oldSize
  let n = newSize
  let complete = true
  let length = 0
  for (;;) {
    if (m === n) return complete ? length : length + 1
    const k = splitPoint(n)
    length++
    if (m <= k) n = k
    else { m -= k; n -= k; complete = false }
  }
}

/**
 * The root of leaves [start, start+count) where start is a multiple of a power of two ≥ count,
 * as every subtree in an RFC 9162 proof is: perfect aligned pieces folded right to left.
 */
export function subtreeRoot(source: NodeSource, start: number, count: number, sha256: Sha256): Uint8Array {
  if (count === 0) return emptyRoot(sha256)
  const pieces: Uint8Array[] = []
  let at = start
  let left = count
  while (left > 0) {
    const size = 2 ** Math.floor(Math.log2(left))
    if (at % size !== 0) throw new RangeError(`subtree [${start}, ${start + count}) is not aligned`)
    pieces.push(source.node(Math.log2(size), at / size))
    at += size
    left -= size
  }
  let acc = pieces[pieces.length - 1] as Uint8Array
  for (let i = pieces.length - 2; i >= 0; i--) acc = nodeHash(pieces[i] as Uint8Array, acc, sha256)
  return acc
}

export function treeRoot(source: NodeSource, size: number, sha256: Sha256): Uint8Array {
  return subtreeRoot(source, 0, size, sha256)
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): sibling hashes from the leaf up, bottom first. */
export function inclusionProof(source: NodeSource, index: number, size: number, sha256: Sha256): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf index ${index} is not inside a tree of size ${size}`)
  const out: Uint8Array[] = []
  let start = 0
  let n = size
  let m = index
  while (n > 1) {
    const k = splitPoint(n)
    if (m < k) {
      out.push(subtreeRoot(source, start + k, n - k, sha256))
      n = k
    } else {
      out.push(subtreeRoot(source, start, k, sha256))
      start += k
      m -= k
      n -= k
    }
  }
  return out.reverse()
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) for 0 < m < n; empty for m = 0 or m = n. */
export function consistencyProof(source: NodeSource, oldSize: number, newSize: number, sha256: Sha256): Uint8Array[] {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) {
    throw new RangeError(`size ${oldSize} cannot be a prefix of size ${newSize}`)
  }
  if (oldSize === 0 || oldSize === newSize) return []
  const out: Uint8Array[] = []
  let start = 0
  let m = oldSize
  let n = newSize
  let complete = true
  for (;;) {
    if (m === n) {
      if (!complete) out.push(subtreeRoot(source, start, n, sha256))
      return out.reverse()
    }
    const k = splitPoint(n)
    if (m <= k) {
      out.push(subtreeRoot(source, start + k, n - k, sha256))
      n = k
    } else {
      out.push(subtreeRoot(source, start, k, sha256))
      start += k
      m -= k
      n -= k
      complete = false
    }
  }
}
