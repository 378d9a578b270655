/**
 * Point-in-time reads: a read model as it stood at a sequence, or at a time (after the last event
 * recorded at or before it). Computed by folding from zero to the cut, so the cost is a replay of
 * the log up to the cut: O(cut) events read and applied, and memory for the read model's rows.
 */
import type { Projection } from './projection.js'
import { foldFromZero, type Folded } from './fold.js'
import type { LogReader } from './log-source.js'

export type Cut = { readonly sequence: number } | { readonly time: string }

function timeLimit(time: string): number {
  const limit = Date.parse(time)
  if (Number.isNaN(limit)) throw new RangeError(`not a time: ${time}`)
  return limit
}

/**
 * Folds from zero to the cut. For a time, the cut is after the last envelope recorded at or before
 * it: the ledger never records time backwards, so folding stops at the first later envelope.
 */
export async function foldAt<V, E>(log: LogReader, projection: Projection<V, E>, cut: Cut): Promise<Folded<V>> {
  if ('sequence' in cut) return foldFromZero(log, projection, { toSequence: cut.sequence })
  const limit = timeLimit(cut.time)
  return foldFromZero(log, projection, { stopBefore: (envelope) => Date.parse(envelope.recordedAt) > limit })
}

/** Parses a CLI `--at`: a whole number is a sequence, anything else an ISO time. */
export function parseCut(text: string): Cut {
  if (/^\d+$/.test(text)) return { sequence: Number(text) }
  timeLimit(text)
  return { time: text }
}
