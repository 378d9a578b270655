/**
 * Materializing a dataset version: every member's blob is read (streamed) and hashed, and the
 * version's RFC 6962 root is recomputed from the hashes actually read. Anything that does not
 * match refuses the whole version: nothing is trained on data the log did not seal.
 */
import { createHash } from 'node:crypto'
import { fromHex } from '../domain/crypto/hex.js'
import type { EconomyState } from '../domain/economy/state.js'
import { merkleRoot } from '../domain/ledger/merkle.js'
import type { Job } from '../domain/training/state.js'
import { versionKey } from '../domain/training/state.js'
import type { BlobStore } from '../infrastructure/blobs/blob-store.js'

export interface Example {
  readonly contributionId: string
  readonly text: string
  readonly label: string
}

export class DatasetError extends Error {}

/** A blob's bytes, refused unless they hash to `contentHash`. */
export async function readVerified(blobs: Pick<BlobStore, 'stream'>, contentHash: string): Promise<Uint8Array> {
  const hash = createHash('sha256')
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of blobs.stream(contentHash)) {
      hash.update(chunk)
      chunks.push(chunk)
    }
  } catch (error) {
    throw new DatasetError(`blob ${contentHash.slice(0, 12)}… unreadable: ${error instanceof Error ? error.message : String(error)}`)
  }
  const actual = hash.digest('hex')
  if (actual !== contentHash) throw new DatasetError(`blob ${contentHash.slice(0, 12)}… hashes to ${actual.slice(0, 12)}…`)
  return Buffer.concat(chunks)
}

/** The verified examples of the job's version; an item without a label teaches the shared label `unlabelled`. */
export async function materialize(job: Job, state: EconomyState, blobs: Pick<BlobStore, 'stream'>): Promise<Example[]> {
  const version = state.training.versions.get(versionKey(job.mandateId, job.datasetVersion))
  if (version === undefined) throw new DatasetError('the dataset version is not in the log')
  const examples: Example[] = []
  const hashes: Uint8Array[] = []
  for (const id of version.contributions) {
    const c = state.data.contributions.get(id)
    if (c === undefined) throw new DatasetError(`contribution ${id.slice(0, 12)}… is not in the log`)
    const bytes = await readVerified(blobs, c.contentHash)
    hashes.push(fromHex(c.contentHash))
    examples.push({ contributionId: id, text: new TextDecoder().decode(bytes), label: state.training.labels.get(id) ?? 'unlabelled' })
  }
  if (merkleRoot(hashes) !== version.root || version.root !== job.datasetRoot) throw new DatasetError('the dataset root does not match the sealed version')
  return examples
}
