/** Builds the inclusion proof of one event from a store. */
import { anchorData, isAnchor } from '../../domain/ledger/anchor.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { fromHex } from '../../domain/crypto/hex.js'
import { buildTree, inclusionPath } from '../../domain/ledger/merkle.js'
import { PROOF_FORMAT, type InclusionProof } from '../../domain/ledger/proof.js'
import { ANCHOR_STREAM } from '../../domain/ledger/names.js'
import type { StorageBackend } from '../store/backend.js'

/** What building a proof reads: any backend, or an adapter over an EventStore (the HTTP API's). */
export type ProofSource = Pick<StorageBackend, 'readRange' | 'readStream'>
import { nativeSha256 } from '../crypto/native.js'

export class ProofUnavailable extends Error {
  override readonly name = 'ProofUnavailable'
}

async function readSpan(backend: ProofSource, from: number, to: number): Promise<Envelope[]> {
  const out: Envelope[] = []
  while (from <= to) {
    const page = await backend.readRange(from, Math.min(5000, to - from + 1))
    if (page.length === 0) break
    out.push(...page)
    from += page.length
  }
  return out
}

/** The anchor that covers a sequence: the first anchor after it. */
async function coveringAnchor(backend: ProofSource, sequence: number): Promise<Envelope | undefined> {
  let version = 1
  for (;;) {
    const page = await backend.readStream(ANCHOR_STREAM, version, 1000)
    const found = page.find((anchor) => (anchorData(anchor)?.toSequence ?? 0) >= sequence)
    if (found !== undefined) return found
    if (page.length < 1000) return undefined
    version += page.length
  }
}

export async function buildInclusionProof(backend: ProofSource, sequence: number): Promise<InclusionProof> {
  const [event] = await backend.readRange(sequence, 1)
  if (event === undefined || event.sequence !== sequence) throw new ProofUnavailable(`there is no event at sequence ${sequence}`)
  if (isAnchor(event)) throw new ProofUnavailable(`sequence ${sequence} is an anchor: it is signed by the ledger and proves itself`)
  const anchor = await coveringAnchor(backend, sequence)
  const data = anchor === undefined ? undefined : anchorData(anchor)
  if (anchor === undefined || data === undefined) throw new ProofUnavailable(`sequence ${sequence} is not under an anchor yet`)
  const leaves = await readSpan(backend, data.fromSequence, data.toSequence)
  const tree = buildTree(leaves.map((leaf) => fromHex(leaf.hash)), nativeSha256)
  const leafIndex = sequence - data.fromSequence
  return {
    format: PROOF_FORMAT,
    version: 1,
    ledgerPublicKey: event.signer,
    event,
    anchor,
    leafIndex,
    treeSize: leaves.length,
    path: inclusionPath(tree, leafIndex),
  }
}
