/** Judging reported metrics against a mandate's rubric: the decider's call, never the trainer's. */
import type { Metrics } from './values.js'

export interface Rubric {
  readonly metric: string
  readonly threshold: number
  readonly direction: 'maximize' | 'minimize'
}

/** The rubric's metric and whether it clears the bar; a metric not reported fails. */
export function judge(rubric: Rubric, metrics: Metrics): { value: number | null; passed: boolean } {
  const value = metrics[rubric.metric]
  if (value === undefined) return { value: null, passed: false }
  return { value, passed: rubric.direction === 'maximize' ? value >= rubric.threshold : value <= rubric.threshold }
}
