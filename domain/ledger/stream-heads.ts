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

/** A name JCS writes between quotes as it is: printable ASCII without `"` or `\\` (every valid stream name is). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

/**
 * The leaf entry of one stream head: the UTF-8 bytes of its canonical JSON. A plain name and
 * whole numbers (what the ledger writes) are put in place directly, which is byte for byte what
 * the canonicalizer gives and a third of its cost; anything else goes through the canonicalizer.
 */
export function streamHeadEntry(head: StreamHead): Uint8Array {
  const { lastSequence, stream, version } = head
  if (Number.isSafeInteger(lastSequence) && Number.isSafeInteger(version) && PLAIN.test(stream)) {
    return encoder.encode(`{"lastSequence":${lastSequence},"stream":"${stream}","version":${version}}`)
  }
  return encoder.encode(canonicalize({ lastSequence, stream, version }))
}

export class StreamHeads {
  /**
   * Each stream's place in first-appearance order, and at that place its version and last
   * sequence: one map entry and two array slots per stream, no object per stream.
   */
  private readonly places = new Map<string, number>()
  private readonly names: string[] = []
  private readonly versions: number[] = []
  private readonly lastSequences: number[] = []
  private tree: DenseTree
  private readonly dirty = new Set<string>()

  /**
   * `intern`: given a stream name met for the first time, the copy of it to keep. A process that
   * keeps several maps of the same streams passes one map's `name` to the others, so each name is
   * held once (at a million events, about 220,000 names of ~70 bytes each).
   */
  constructor(
    private readonly sha256: Sha256,
    private readonly intern: (stream: string) => string = (stream) => stream,
  ) {
    this.tree = new DenseTree(sha256)
  }

  /**
   * Loads heads in first-appearance order (a store's `streamHeads()`) and folds them into the tree
   * at once, so the first checkpoint after a load hashes only what changed since, not every
   * stream (at a million events, some 220,000 leaves inside one batch).
   */
  static from(heads: Iterable<StreamHead>, sha256: Sha256): StreamHeads {
    const list = Array.isArray(heads) ? (heads as readonly StreamHead[]) : [...heads]
    const leaves = new Uint8Array(list.length * 32)
    const map = new StreamHeads(sha256)
    list.forEach((head, place) => {
      if (map.places.has(head.stream)) throw new RangeError(`stream ${head.stream} is loaded twice`)
      map.add(head.stream)
      map.versions[place] = head.version
      map.lastSequences[place] = head.lastSequence
      leaves.set(leafHash(streamHeadEntry(head), sha256), place * 32)
    })
    map.tree = DenseTree.fromLeaves(leaves, sha256)
    return map
  }

  get count(): number {
    return this.versions.length
  }

  version(stream: string): number {
    const place = this.places.get(stream)
    return place === undefined ? 0 : (this.versions[place] as number)
  }

  head(stream: string): StreamHead | undefined {
    const place = this.places.get(stream)
    return place === undefined ? undefined : { stream, version: this.versions[place] as number, lastSequence: this.lastSequences[place] as number }
  }

  /** This map's own copy of a stream's name, or undefined for a stream it does not hold. */
  name(stream: string): string | undefined {
    const place = this.places.get(stream)
    return place === undefined ? undefined : this.names[place]
  }

  /** Records that `stream` reached `version` with the event at `sequence`. */
  record(stream: string, version: number, sequence: number): void {
    const place = this.places.get(stream) ?? this.add(stream)
    this.versions[place] = version
    this.lastSequences[place] = sequence
    this.dirty.add(stream)
  }

  /** Gives a stream met for the first time the next place, under the copy of its name `intern` gives. */
  private add(stream: string): number {
    const place = this.names.length
    const name = this.intern(stream)
    this.places.set(name, place)
    this.names.push(name)
    return place
  }

  /** Folds every change since the last call into the tree; returns the map's size and root. */
  commit(): StreamHeadsRoot {
    for (const stream of this.dirty) {
      const place = this.places.get(stream) as number
      const leaf = leafHash(streamHeadEntry(this.head(stream) as StreamHead), this.sha256)
      if (place < this.tree.size) this.tree.replace(place, leaf)
      else this.tree.append(leaf)
    }
    this.dirty.clear()
    const count = this.versions.length
    return { count, root: toHex(count === 0 ? emptyRoot(this.sha256) : this.tree.root()) }
  }

  /** The inclusion proof of a stream's head in the committed map. */
  prove(stream: string): { head: StreamHead; index: number; count: number; proof: string[] } | undefined {
    const place = this.places.get(stream)
    const head = this.head(stream)
    if (place === undefined || head === undefined || this.dirty.size > 0) return undefined
    const proof = inclusionProof(this.tree, place, this.tree.size, this.sha256).map(toHex)
    return { head, index: place, count: this.tree.size, proof }
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
