/**
 * Folding in memory from zero (or from a snapshot of such a fold): the definition of a read
 * model's value at a point of the log.
 * Rebuilds and point-in-time queries both come down to this; the runner's incremental batches
 * must always agree with it, and the tests hold them to that byte for byte.
 */
import type { Envelope } from '../domain/ledger/envelope.js'
import type { Projection } from './projection.js'
import type { LogReader } from './log-source.js'
import { createTable, initialTable, step, type Table } from './table.js'

export interface Folded<V> {
  readonly table: Table<V>
  /** The last sequence folded in (0 for an empty cut). */
  readonly checkpoint: number
}

export interface FoldOptions {
  /** Fold envelopes up to and including this sequence; default the head as reading finds it. */
  readonly toSequence?: number
  /** Stops before the first envelope this is true of (a time cut). */
  readonly stopBefore?: (envelope: Envelope) => boolean
  /** Called now and then with the sequence reached, for progress bars. */
  readonly onProgress?: (sequence: number) => void
}

/** Where a fold starts other than at zero, and who is told of each step (snapshots.ts). */
export interface FoldFrom<V> {
  /** Rows as they stood after `sequence` (copied, never changed). */
  readonly start?: { readonly sequence: number; readonly rows: ReadonlyMap<string, V> }
  /** Called after each envelope is folded, with the rows as they then stand. */
  readonly onStep?: (envelope: Envelope, rows: ReadonlyMap<string, V>) => void
}

export async function foldFromZero<V, E>(log: LogReader, projection: Projection<V, E>, options: FoldOptions = {}, from: FoldFrom<V> = {}): Promise<Folded<V>> {
  const table = from.start === undefined ? initialTable(projection) : createTable(from.start.rows)
  const until = options.toSequence ?? Number.MAX_SAFE_INTEGER
  let checkpoint = from.start?.sequence ?? 0
  if (until <= checkpoint) return { table, checkpoint }
  for await (const envelope of log.readAll(checkpoint + 1)) {
    if (options.stopBefore?.(envelope) === true) break
    step(projection, table, envelope)
    checkpoint = envelope.sequence
    from.onStep?.(envelope, table.rows)
    if (options.onProgress !== undefined && checkpoint % 10_000 === 0) options.onProgress(checkpoint)
    if (checkpoint >= until) break
  }
  options.onProgress?.(checkpoint)
  return { table, checkpoint }
}
