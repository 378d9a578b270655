/**
 * Snapshots of a projection's folded rows at regular sequences, so that a point-in-time read
 * (point-in-time.ts) folds from the nearest one at or below its cut instead of from zero.
 *
 * Kept in memory, at most `keep` per projection: a snapshot is taken after the fold of every
 * sequence that is a multiple of the spacing (`every`, 1,000 to start, doubled until the log up
 * to the sequence offered holds at most `keep` spacings); when there would be more than `keep`,
 * the spacing doubles and the snapshots off the new spacing are dropped. So they stay evenly
 * spread over the whole log, a read folds fewer than `every` (about head / keep) events past its
 * snapshot, and a runner that starts far into the log does not copy its rows every 1,000 events.
 * A snapshot is a copy of the row map (the row values are shared: a projection's `apply` returns
 * new values and never changes one in place), so its cost is one map entry per row. The copies
 * together stay within `maxEntries` map entries (default 2,000,000, about 100 MB): a read model
 * of many rows keeps fewer snapshots, spaced further apart (but at least 2), so memory is at most
 * max(`maxEntries`, 2 × rows) entries whatever the log's length or the number of accounts. They are rebuilt as the runner folds (at start, from its
 * stored checkpoint on) and filled in below that by the point-in-time folds themselves.
 */
import type { Envelope } from '../domain/ledger/envelope.js'

export interface Snapshot<V> {
  /** The last sequence folded into the rows. */
  readonly sequence: number
  /** When the event at `sequence` was recorded: a time cut at or after it may start here. */
  readonly recordedAt: string
  readonly rows: ReadonlyMap<string, V>
}

export interface SnapshotOptions {
  /** The first spacing, in events (default 1,000). */
  readonly every?: number
  /** The most snapshots kept (default 16, at least 2). */
  readonly keep?: number
  /** The most row-map entries all snapshots may hold together (default 2,000,000); at least 2 snapshots are kept whatever the rows. */
  readonly maxEntries?: number
}

export class SnapshotLadder<V> {
  private spacing: number
  private readonly keep: number
  private readonly maxEntries: number
  private list: Snapshot<V>[] = []

  constructor(options: SnapshotOptions = {}) {
    this.spacing = options.every ?? 1_000
    this.keep = Math.max(2, options.keep ?? 16)
    this.maxEntries = options.maxEntries ?? 2_000_000
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 0) throw new RangeError('maxEntries is a whole number of map entries')
    if (!Number.isSafeInteger(this.spacing) || this.spacing < 1) throw new RangeError('every is a whole number of events')
  }

  /** The spacing now: snapshots are at multiples of it. */
  get every(): number {
    return this.spacing
  }

  /** The snapshots' sequences, ascending. */
  sequences(): number[] {
    return this.list.map((s) => s.sequence)
  }

  /** Told after each envelope is folded, with the rows as they then stand: keeps a copy at each multiple of the spacing. */
  offer(envelope: Envelope, rows: ReadonlyMap<string, V>): void {
    const sequence = envelope.sequence
    if (sequence % this.spacing !== 0) return
    // As many as the budget holds at this many rows (rows only grow in number as a rule, so the cap only falls).
    const keep = Math.min(this.keep, Math.max(2, Math.floor(this.maxEntries / Math.max(1, rows.size))))
    if (sequence / this.spacing > keep) {
      while (sequence / this.spacing > keep) this.spacing *= 2
      this.list = this.list.filter((s) => s.sequence % this.spacing === 0)
      if (sequence % this.spacing !== 0) return
    }
    const at = this.lowerBound(sequence)
    if (this.list[at]?.sequence === sequence) return
    this.list.splice(at, 0, { sequence, recordedAt: envelope.recordedAt, rows: new Map(rows) })
    while (this.list.length > keep) {
      this.spacing *= 2
      this.list = this.list.filter((s) => s.sequence % this.spacing === 0)
    }
  }

  /** The latest snapshot at or below `sequence`. */
  atSequence(sequence: number): Snapshot<V> | undefined {
    return this.list[this.lowerBound(sequence + 1) - 1]
  }

  /** The latest snapshot whose last event was recorded at or before `limit` (ms). */
  atTime(limit: number): Snapshot<V> | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const snapshot = this.list[i] as Snapshot<V>
      if (Date.parse(snapshot.recordedAt) <= limit) return snapshot
    }
    return undefined
  }

  /** The index of the first snapshot at or above `sequence`. */
  private lowerBound(sequence: number): number {
    let lo = 0
    let hi = this.list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.list[mid] as Snapshot<V>).sequence < sequence) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
