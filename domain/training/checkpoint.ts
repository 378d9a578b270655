/**
 * A checkpoint's identity: an RFC 6962 Merkle root (the ledger's own tree) over one leaf per
 * file, the SHA-256 of the canonical JSON of {path, sha256, bytes}, in path order. Committing to
 * the sizes and names as well as the contents means a renamed or truncated file changes the root.
 */
import { canonicalBytes } from '../canonical/jcs.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { merkleRoot } from '../ledger/merkle.js'
import type { CheckpointFile } from './values.js'

export function sortedFiles(files: readonly CheckpointFile[]): CheckpointFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

export function checkpointRoot(files: readonly CheckpointFile[]): string {
  const leaves = sortedFiles(files).map((f) => sha256(canonicalBytes({ path: f.path, sha256: f.sha256, bytes: f.bytes })))
  return merkleRoot(leaves)
}
