/**
 * Progress to the log at a sensible rate: at most one TrainingProgressed per interval, never one
 * per step. Each report also renews the lease, so the interval must stay well under the lease.
 */
import type { Metrics } from '../domain/training/values.js'

export interface ProgressReport {
  readonly step: number
  readonly totalSteps: number
  readonly metrics: Metrics
}

export function throttled(intervalMs: number, send: (report: ProgressReport) => void, now: () => number = Date.now): (report: ProgressReport) => void {
  let last = now()
  return (report) => {
    const t = now()
    if (t - last < intervalMs) return
    last = t
    send(report)
  }
}
