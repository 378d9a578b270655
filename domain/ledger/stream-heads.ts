/**
 * The stream-heads map a checkpoint commits to: one leaf per stream, in the order streams first
 * appeared in the log, each the RFC 9162 leaf of the canonical JSON
 * `{"lastSequence":L,"stream":S,"version":V}` (the stream's event count and its last event's
 * sequence at the checkpoint). With it a report proves that a stream had exactly V events at a
 * checkpoint, so an event left out of the report is noticed.
 *
 * Changes are recorded per event in O(1) and folded into the tree at a checkpoint, in O(log S)
 * hashes per stream that changed.
 */
import { canonicalize } from '../canonical/jcs.js'
import { fromHex, toHex } from '../crypto/hex.js'
import { DenseTree } from '../tlog/dense-tree.js'
import { emptyRoot, leafHash, type Sha256 } from '../tlog/hash.js'
import { checkInclusion, inclusionProof, type ProofResult } from '../tlog/proof.js'

export interface StreamHead {
  readonly stream: string
  readonly version: number
  readonly lastSequence: number
}

export interface StreamHeadsRoot {
  readonly count: number
  readonly root: string
}

const encoder = new TextEncoder()

/** The leaf entry of one stream head: the UTF-8 bytes of its canonical JSON. */
export function streamHeadEntry(head: StreamHead): Uint8Array {
  return encoder.encode(canonicalize({ lastSequence: head.lastSequence, stream: head.stream, version: head.version }))
}

interface Slot {
  readonly index: number
  version: number
  lastSequence: number
}

export class StreamHeads {
  private readonly slots = new Map<string, Slot>()
  private readonly order: string[] = []
  private readonly tree: DenseTree
  private readonly dirty = new Set<string>()

  constructor(private readonly sha256: Sha256) {
    this.tree = new DenseTree(sha256)
  }

  /** Loads heads in first-appearance order (a store's `streamHeads()`). */
  static from(heads: Iterable<StreamHead>, sha256: Sha256): StreamHeads {
    const map = new StreamHeads(sha256)
    for (const head of heads) map.record(head.stream, head.version, head.lastSequence)
    return map
  }

  get count(): number {
    return this.order.length
  }

  version(stream: string): number {
    return this.slots.get(stream)?.version ?? 0
  }

  head(stream: string): StreamHead | undefined {
    const slot = this.slots.get(stream)
    return slot === undefined ? undefined : { stream, version: slot.version, lastSequence: slot.lastSequence }
  }

  /** Records that `stream` reached `version` with the event at `sequence`. */
  record(stream: string, version: number, sequence: number): void {
    const slot = this.slots.get(stream)
    if (slot === undefined) {
      this.slots.set(stream, { index: this.order.length, version, lastSequence: sequence })
      this.order.push(stream)
    } else {
      slot.version = version
      slot.lastSequence = sequence
    }
    this.dirty.add(stream)
  }

  /** Folds every change since the last call into the tree; returns the map's size and root. */
  commit(): StreamHeadsRoot {
    for (const stream of this.dirty) {
      const slot = this.slots.get(stream) as Slot
      const leaf = leafHash(streamHeadEntry({ stream, version: slot.version, lastSequence: slot.lastSequence }), this.sha256)
      if (slot.index < this.tree.size) this.tree.replace(slot.index, leaf)
      else this.tree.append(leaf)
    }
    this.dirty.clear()
    const count = this.order.length
    return { count, root: toHex(count === 0 ? emptyRoot(this.sha256) : this.tree.root()) }
  }

  /** The inclusion proof of a stream's head in the committed map. */
  prove(stream: string): { head: StreamHead; index: number; count: number; proof: string[] } | undefined {
    const slot = this.slots.get(stream)
    if (slot === undefined || this.dirty.size > 0) return undefined
    const proof = inclusionProof(this.tree, slot.index, this.tree.size, this.sha256).map(toHex)
    return { head: { stream, version: slot.version, lastSequence: slot.lastSequence }, index: slot.index, count: this.tree.size, proof }
  }
}

/**
 * Checks that `head` is leaf `index` of a stream-heads map with `map.count` leaves and root
 * `map.root`, given its RFC 9162 path `hashes` (hex): that the stream had exactly `head.version`
 * events, the last at `head.lastSequence`, when the map was committed.
 */
export function checkStreamHead(head: StreamHead, index: number, hashes: readonly string[], map: StreamHeadsRoot, sha256: Sha256): ProofResult {
  return checkInclusion(sha256, index, map.count, leafHash(streamHeadEntry(head), sha256), hashes.map(fromHex), fromHex(map.root))
}
