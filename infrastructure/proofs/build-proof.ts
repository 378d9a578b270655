/**
 * Builds inclusion and consistency proofs from a store, over one LogTree index kept up to date
 * as the log grows (reading only the events appended since the last proof).
 */
import { anchorData, isAnchor, type AnchorRef } from '../../domain/ledger/anchor.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { CONSISTENCY_FORMAT, PROOF_FORMAT, type ConsistencyProof, type InclusionProof } from '../../domain/ledger/proof.js'
import { toHex } from '../../domain/crypto/hex.js'
import { nativeSha256 } from '../crypto/native.js'
import { LogTree } from '../tlog/log-tree.js'

/** What building a proof reads: any backend, or an adapter over an EventStore (the HTTP API's). */
export interface ProofSource {
  readRange(fromSequence: number, limit: number): Promise<Envelope[]>
  lastAnchor(): Promise<AnchorRef | undefined>
}

export class ProofUnavailable extends Error {
  override readonly name = 'ProofUnavailable'
}

export class Proofs {
  private tree: LogTree | undefined

  constructor(private readonly source: ProofSource) {}

  /** The checkpoint whose tree has `treeSize` entries (it is the event at treeSize + 1), or the latest. */
  async checkpoint(treeSize?: number): Promise<Envelope> {
    const sequence = treeSize === undefined ? (await this.source.lastAnchor())?.sequence : treeSize + 1
    const envelope = sequence === undefined || sequence === 0 ? undefined : await this.event(sequence)
    if (envelope === undefined || !isAnchor(envelope)) {
      throw new ProofUnavailable(treeSize === undefined ? 'the ledger has no checkpoint yet' : `no checkpoint has tree size ${treeSize} (a checkpoint of size S is the event at sequence S+1)`)
    }
    return envelope
  }

  async inclusion(sequence: number, treeSize?: number): Promise<InclusionProof> {
    const event = await this.event(sequence)
    if (event === undefined) throw new ProofUnavailable(`there is no event at sequence ${sequence}`)
    const checkpoint = await this.checkpoint(treeSize)
    const size = checkpointSize(checkpoint)
    if (sequence > size) throw new ProofUnavailable(`sequence ${sequence} is not under the checkpoint of size ${size} yet`)
    const hashes = await (await this.indexed(size)).inclusion(sequence - 1, size)
    return { format: PROOF_FORMAT, version: 2, ledgerPublicKey: event.signer, event, checkpoint, leafIndex: sequence - 1, treeSize: size, hashes: hashes.map(toHex) }
  }

  async consistency(oldSize: number, newSize?: number): Promise<ConsistencyProof> {
    const older = await this.checkpoint(oldSize)
    const newer = await this.checkpoint(newSize)
    const to = checkpointSize(newer)
    if (to < oldSize) throw new ProofUnavailable(`the checkpoint of size ${to} is older than size ${oldSize}`)
    const hashes = await (await this.indexed(to)).consistency(oldSize, to)
    return { format: CONSISTENCY_FORMAT, version: 1, ledgerPublicKey: newer.signer, old: older, new: newer, hashes: hashes.map(toHex) }
  }

  /** The shared index, caught up to at least `size` entries. */
  async indexed(size: number): Promise<LogTree> {
    this.tree ??= await LogTree.open(this.source, nativeSha256, 0)
    if (this.tree.size < size) await this.tree.catchUp()
    if (this.tree.size < size) throw new ProofUnavailable(`the log holds ${this.tree.size} events, not ${size}`)
    return this.tree
  }

  /** The hashes of the events from `fromSequence`, `count` of them (fewer at the head). */
  async entries(fromSequence: number, count: number): Promise<string[]> {
    const out: string[] = []
    while (out.length < count) {
      const page = await this.source.readRange(fromSequence + out.length, count - out.length)
      if (page.length === 0) break
      out.push(...page.map((envelope) => envelope.hash))
    }
    return out
  }

  private async event(sequence: number): Promise<Envelope | undefined> {
    const [envelope] = await this.source.readRange(sequence, 1)
    return envelope?.sequence === sequence ? envelope : undefined
  }
}

function checkpointSize(checkpoint: Envelope): number {
  const data = anchorData(checkpoint)
  if (data === undefined) throw new ProofUnavailable(`the event at sequence ${checkpoint.sequence} is not a checkpoint of this format`)
  return data.treeSize
}

/** One-off inclusion proof against the latest checkpoint (or the one of `treeSize`). */
export function buildInclusionProof(source: ProofSource, sequence: number, treeSize?: number): Promise<InclusionProof> {
  return new Proofs(source).inclusion(sequence, treeSize)
}
