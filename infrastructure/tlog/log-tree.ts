/**
 * The log's RFC 9162 tree, indexed for proofs and tiles: the roots of every complete 256-entry
 * tile (tree level 8 and above) in memory, 32 bytes per 256 events, and the last, partial tile
 * with its complete interior nodes; a full tile's leaves are read back from the store (256 event
 * hashes) when a proof or a level-0 tile needs them, and kept with all their interior nodes (the
 * 64 tiles used last), so a node below tile height is a lookup, never a recomputation. Appending
 * costs O(1) amortized; a proof reads at most a few tiles and O(log n) hashes, whatever the
 * log's size.
 *
 * The tile roots can be given at open (a persisted index: `tileRoots`) instead of read from the
 * log, and are reported as they complete (`onTile`), so a server need not read its whole log
 * again at each start (infrastructure/proofs/build-proof.ts checks a persisted index against the
 * latest signed checkpoint before using it).
 */
import { fromHex } from '../../domain/crypto/hex.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { DenseTree } from '../../domain/tlog/dense-tree.js'
import { leafHash, type Sha256 } from '../../domain/tlog/hash.js'
import { consistencyProof, inclusionProof, treeRoot, type NodeSource } from '../../domain/tlog/proof.js'

/** C2SP tlog-tiles: a tile is 2^8 hashes wide. */
export const TILE_HEIGHT = 8
export const TILE_WIDTH = 256

export interface EntryReader {
  /** Up to `limit` envelopes with sequence >= fromSequence, in order. */
  readRange(fromSequence: number, limit: number): Promise<Envelope[]>
}

class MissingTile extends Error {
  constructor(readonly tile: number) {
    super(`tile ${tile} is not loaded`)
  }
}

const CACHED_TILES = 64

export interface LogTreeOptions {
  /** The roots of the log's first complete tiles, in order (a persisted index); the tree starts after them. */
  readonly tileRoots?: readonly Uint8Array[]
  /** Called as each tile completes while reading, with its index and root (to persist the index). */
  readonly onTile?: (tile: number, root: Uint8Array) => void
}

export class LogTree {
  /** The last, incomplete tile: its leaf hashes and every complete node above them. */
  private pending: DenseTree
  /** A dense tree whose leaves are the roots of complete tiles (tree level 8). */
  private readonly upper: DenseTree
  /** Loaded complete tiles, each with all its interior nodes (its level 8 node is its root). */
  private readonly tiles = new Map<number, DenseTree>()
  private count = 0

  private constructor(
    private readonly reader: EntryReader,
    private readonly sha256: Sha256,
    private readonly onTile: ((tile: number, root: Uint8Array) => void) | undefined,
  ) {
    this.upper = new DenseTree(sha256)
    this.pending = new DenseTree(sha256)
  }

  /** Indexes the first `size` entries of a log (all of them when omitted), reading it once (after `tileRoots`, when given). */
  static async open(reader: EntryReader, sha256: Sha256, size = Number.MAX_SAFE_INTEGER, options: LogTreeOptions = {}): Promise<LogTree> {
    const tree = new LogTree(reader, sha256, options.onTile)
    for (const root of options.tileRoots ?? []) {
      if (root.length !== 32) throw new RangeError('a tile root is 32 bytes')
      tree.upper.append(root)
    }
    tree.count = tree.upper.size * TILE_WIDTH
    await tree.catchUp(size)
    return tree
  }

  get size(): number {
    return this.count
  }

  /** Reads and indexes the entries after the current size, up to `size`; concurrent calls queue. */
  catchUp(size = Number.MAX_SAFE_INTEGER): Promise<void> {
    const run = this.reading.then(() => this.read(size))
    this.reading = run.catch(() => undefined)
    return run
  }

  private reading: Promise<void> = Promise.resolve()

  private async read(size: number): Promise<void> {
    while (this.count < size) {
      const page = await this.reader.readRange(this.count + 1, Math.min(4096, size - this.count))
      for (const envelope of page) {
        if (envelope.sequence !== this.count + 1) throw new Error(`the store returned sequence ${envelope.sequence} where ${this.count + 1} was expected`)
        this.push(fromHex(envelope.hash))
      }
      if (page.length === 0) return
    }
  }

  /** Adds the next entry (an event hash). */
  private push(entry: Uint8Array): void {
    this.pending.append(leafHash(entry, this.sha256))
    this.count++
    if (this.pending.size === TILE_WIDTH) {
      const root = this.pending.node(TILE_HEIGHT, 0)
      const tile = this.upper.size
      this.upper.append(root)
      // The tile just completed is the likeliest to be asked for next: keep its nodes.
      this.keep(tile, this.pending)
      this.pending = new DenseTree(this.sha256)
      this.onTile?.(tile, root)
    }
  }

  async root(size: number): Promise<Uint8Array> {
    return this.withTiles(size, (source) => treeRoot(source, size, this.sha256))
  }

  async inclusion(index: number, size: number): Promise<Uint8Array[]> {
    return this.withTiles(size, (source) => inclusionProof(source, index, size, this.sha256))
  }

  async consistency(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    return this.withTiles(newSize, (source) => consistencyProof(source, oldSize, newSize, this.sha256))
  }

  /**
   * The hashes of tile `index` at tile level `level`, `width` of them (256 for a full tile): the
   * tree-level 8·level nodes index·256 … index·256+width-1, each complete.
   */
  async tile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    const first = index * TILE_WIDTH
    const height = level * TILE_HEIGHT
    if (width < 1 || width > TILE_WIDTH || (first + width) * 2 ** height > this.count) return undefined
    return this.withTiles(this.count, (source) => {
      const out = new Uint8Array(width * 32)
      for (let i = 0; i < width; i++) out.set(source.node(height, first + i), i * 32)
      return out
    })
  }

  /** Level-0 tile `tile` with its interior nodes (it must be complete and loaded, or the pending one). */
  private interior(tile: number): DenseTree {
    if (tile === this.upper.size) return this.pending
    const cached = this.tiles.get(tile)
    if (cached === undefined) throw new MissingTile(tile)
    // Used last, evicted last.
    this.tiles.delete(tile)
    this.tiles.set(tile, cached)
    return cached
  }

  private keep(tile: number, nodes: DenseTree): void {
    if (this.tiles.size >= CACHED_TILES) this.tiles.delete(this.tiles.keys().next().value as number)
    this.tiles.set(tile, nodes)
  }

  private source(size: number): NodeSource {
    return {
      node: (level, index) => {
        if ((index + 1) * 2 ** level > size) throw new RangeError(`node ${level}/${index} lies beyond size ${size}`)
        if (level >= TILE_HEIGHT) return this.upper.node(level - TILE_HEIGHT, index)
        const perTile = TILE_WIDTH / 2 ** level
        const tile = Math.floor(index / perTile)
        return this.interior(tile).node(level, index - tile * perTile)
      },
    }
  }

  /** Runs `work` over the tree of `size`, loading each level-0 tile it turns out to need. */
  private async withTiles<T>(size: number, work: (source: NodeSource) => T): Promise<T> {
    if (!Number.isSafeInteger(size) || size < 1 || size > this.count) throw new RangeError(`the tree has ${this.count} entries, not ${size}`)
    for (;;) {
      try {
        return work(this.source(size))
      } catch (error) {
        if (!(error instanceof MissingTile)) throw error
        await this.load(error.tile)
      }
    }
  }

  private async load(tile: number): Promise<void> {
    const page = await this.reader.readRange(tile * TILE_WIDTH + 1, TILE_WIDTH)
    if (page.length !== TILE_WIDTH || page.some((envelope, i) => envelope.sequence !== tile * TILE_WIDTH + 1 + i)) throw new Error(`tile ${tile} is incomplete in the store`)
    const nodes = new DenseTree(this.sha256)
    for (const envelope of page) nodes.append(leafHash(fromHex(envelope.hash), this.sha256))
    // The index was built from the same store (or checked against its signed checkpoint): a tile that no longer hashes to it was rewritten.
    const root = nodes.node(TILE_HEIGHT, 0)
    const indexed = this.upper.node(0, tile)
    if (root.some((byte, i) => byte !== indexed[i])) throw new Error(`the events of tile ${tile} (sequences ${tile * TILE_WIDTH + 1}-${(tile + 1) * TILE_WIDTH}) no longer hash to the indexed tree: the store was rewritten`)
    this.keep(tile, nodes)
  }
}
