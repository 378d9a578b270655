/**
 * Point-in-time reads: a read model as it stood at a sequence, or at a time (after the last event
 * recorded at or before it). Computed by folding to the cut from the nearest snapshot at or below
 * it (snapshots.ts), or from zero without one: the cost is the events between the two, and memory
 * for the read model's rows. The answer is the fold from zero's, row for row.
 */
import type { Projection } from './projection.js'
import { foldFromZero, type Folded } from './fold.js'
import type { LogReader } from './log-source.js'
import type { Snapshot, SnapshotLadder } from './snapshots.js'

export type Cut = { readonly sequence: number } | { readonly time: string }

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/

/**
 * An RFC 3339 date-time (UTC or with an offset) that names a real instant, in ms; anything else,
 * however `Date.parse` would read it ("-1", "1e30", 30 February), is a RangeError.
 */
function timeLimit(time: string): number {
  const m = RFC3339.exec(time)
  if (m === null) throw new RangeError(`not an RFC 3339 time: ${time}`)
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const calendar = new Date(Date.UTC(year, month - 1, day))
  const realDay = year >= 1 && calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day
  const offsetOk = m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60)
  if (!realDay || hour > 23 || minute > 59 || second > 59 || !offsetOk) throw new RangeError(`not a real instant: ${time}`)
  const limit = Date.parse(time)
  if (!Number.isFinite(limit)) throw new RangeError(`not a time: ${time}`)
  return limit
}

/**
 * Folds from zero to the cut. For a time, the cut is after the last envelope recorded at or before
 * it: the ledger never records time backwards, so folding stops at the first later envelope.
 */
export async function foldAt<V, E>(log: LogReader, projection: Projection<V, E>, cut: Cut, snapshots?: SnapshotLadder<V>): Promise<Folded<V>> {
  const onStep = snapshots === undefined ? undefined : snapshots.offer.bind(snapshots)
  const from = (start: Snapshot<V> | undefined) => ({ ...(start === undefined ? {} : { start }), ...(onStep === undefined ? {} : { onStep }) })
  if ('sequence' in cut) return foldFromZero(log, projection, { toSequence: cut.sequence }, from(snapshots?.atSequence(cut.sequence)))
  const limit = timeLimit(cut.time)
  return foldFromZero(log, projection, { stopBefore: (envelope) => Date.parse(envelope.recordedAt) > limit }, from(snapshots?.atTime(limit)))
}

/** Parses `--at` and `?at=`: a whole number (>= 1, safe) is a sequence, anything else an RFC 3339 time. */
export function parseCut(text: string): Cut {
  if (/^\d+$/.test(text)) {
    const sequence = Number(text)
    if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError(`not a sequence: ${text}`)
    return { sequence }
  }
  timeLimit(text)
  return { time: text }
}
