/**
 * Builds inclusion and consistency proofs from a store, over one LogTree index kept up to date
 * as the log grows (reading only the events appended since the last proof).
 */
import { anchorData, isAnchor, type AnchorRef } from '../../domain/ledger/anchor.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { CONSISTENCY_FORMAT, PROOF_FORMAT, type ConsistencyProof, type InclusionProof, type ProvenRotation } from '../../domain/ledger/proof.js'
import { decodeRotation, isRotation } from '../../domain/ledger/key-rotation.js'
import { rotationsOf, type RotationSource } from '../store/signing-keys.js'
import { toHex } from '../../domain/crypto/hex.js'
import { nativeSha256 } from '../crypto/native.js'
import { LogTree, TILE_WIDTH } from '../tlog/log-tree.js'
import type { TileIndexStore } from '../tlog/tile-index.js'

/** What building a proof reads: any backend, or an adapter over an EventStore (the HTTP API's). */
export interface ProofSource extends Partial<RotationSource> {
  readRange(fromSequence: number, limit: number): Promise<Envelope[]>
  lastAnchor(): Promise<AnchorRef | undefined>
}

export class ProofUnavailable extends Error {
  override readonly name = 'ProofUnavailable'
}

export interface ProofsOptions {
  /** A persisted index of tile roots, so the tree is not rebuilt from the whole log at each start. */
  readonly tileIndex?: TileIndexStore
  /** Told when a persisted index did not match the latest checkpoint and was rebuilt from the log. */
  readonly onIndexRebuilt?: (reason: string) => void
}

export class Proofs {
  private tree: Promise<LogTree> | undefined

  constructor(
    private readonly source: ProofSource,
    private readonly options: ProofsOptions = {},
  ) {}

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
    const tree = await this.indexed(size)
    const hashes = await tree.inclusion(sequence - 1, size)
    const { ledgerPublicKey, rotations } = await this.rotations(checkpoint, size)
    const proof = { format: PROOF_FORMAT, ledgerPublicKey, event, checkpoint, leafIndex: sequence - 1, treeSize: size, hashes: hashes.map(toHex) } as const
    return rotations.length === 0 ? { ...proof, version: 2 } : { ...proof, version: 3, rotations }
  }

  async consistency(oldSize: number, newSize?: number): Promise<ConsistencyProof> {
    const older = await this.checkpoint(oldSize)
    const newer = await this.checkpoint(newSize)
    const to = checkpointSize(newer)
    if (to < oldSize) throw new ProofUnavailable(`the checkpoint of size ${to} is older than size ${oldSize}`)
    const hashes = await (await this.indexed(to)).consistency(oldSize, to)
    const { ledgerPublicKey, rotations } = await this.rotations(newer, to)
    const proof = { format: CONSISTENCY_FORMAT, ledgerPublicKey, old: older, new: newer, hashes: hashes.map(toHex) } as const
    return rotations.length === 0 ? { ...proof, version: 1 } : { ...proof, version: 2, rotations }
  }

  /**
   * Every key rotation under a checkpoint of tree size `size`, each with its inclusion proof in
   * that tree, and the ledger's id: the first rotation's outgoing key, or (none) the checkpoint's signer.
   */
  private async rotations(checkpoint: Envelope, size: number): Promise<{ ledgerPublicKey: string; rotations: ProvenRotation[] }> {
    const events = (await this.rotationEvents(size)).filter((event) => event.sequence <= size)
    const tree = await this.indexed(size)
    const rotations: ProvenRotation[] = []
    for (const event of events) rotations.push({ event, hashes: (await tree.inclusion(event.sequence - 1, size)).map(toHex) })
    const first = events[0] === undefined ? undefined : decodeRotation(events[0])
    return { ledgerPublicKey: first?.previousKey ?? checkpoint.signer, rotations }
  }

  /** The rotation events: from their stream, or (a source that cannot read streams) from a scan of the log up to `size`. */
  private async rotationEvents(size: number): Promise<Envelope[]> {
    const read = this.source.readStream?.bind(this.source)
    if (read !== undefined) return rotationsOf({ readStream: read })
    const out: Envelope[] = []
    for (let from = 1; from <= size; ) {
      const page = await this.source.readRange(from, 1000)
      if (page.length === 0) break
      out.push(...page.filter(isRotation))
      from += page.length
    }
    return out
  }

  /** The shared index, caught up to at least `size` entries. */
  async indexed(size: number): Promise<LogTree> {
    const opening = (this.tree ??= this.openTree())
    opening.catch(() => {
      if (this.tree === opening) this.tree = undefined
    })
    const tree = await opening
    if (tree.size < size) await tree.catchUp()
    if (tree.size < size) throw new ProofUnavailable(`the log holds ${tree.size} events, not ${size}`)
    return tree
  }

  /**
   * The index: from the persisted tile roots under the latest checkpoint when they give its signed
   * root (reading only the events after them), else from the whole log.
   */
  private async openTree(): Promise<LogTree> {
    const store = this.options.tileIndex
    if (store === undefined) return LogTree.open(this.source, nativeSha256, 0)
    const onTile = (tile: number, root: Uint8Array): void => store.append(tile, root)
    const anchor = await this.source.lastAnchor()
    const latest = anchor === undefined ? undefined : anchorData((await this.event(anchor.sequence)) ?? { data: null })
    const covered = latest === undefined ? 0 : Math.floor(latest.treeSize / TILE_WIDTH)
    const roots = store.load().slice(0, covered)
    store.truncate(roots.length)
    if (latest === undefined || roots.length === 0) return LogTree.open(this.source, nativeSha256, 0, { onTile })
    const tree = await LogTree.open(this.source, nativeSha256, latest.treeSize, { tileRoots: roots, onTile })
    const root = tree.size >= latest.treeSize ? toHex(await tree.root(latest.treeSize)) : undefined
    if (root === latest.root) return tree
    this.options.onIndexRebuilt?.(`the persisted index of ${roots.length} tiles does not give the root of the checkpoint of size ${latest.treeSize}; rebuilt from the log`)
    store.truncate(0)
    return LogTree.open(this.source, nativeSha256, 0, { onTile })
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
