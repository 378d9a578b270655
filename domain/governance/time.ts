/**
 * Ledger time. Rules compare milliseconds since the epoch, parsed from the recorded timestamps;
 * parsing is deterministic, and nothing here reads a clock.
 */
import type { DecisionContext } from '../decider.js'

export function toMs(timestamp: string): number {
  return Date.parse(timestamp)
}

export function toTimestamp(ms: number): string {
  return new Date(ms).toISOString()
}

/** The time the decided events will be recorded at. */
export function now(ctx: DecisionContext): number {
  return toMs(ctx.recordedAt)
}
