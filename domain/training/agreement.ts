/**
 * When an attester's re-run agrees with the trainer's recorded evaluation (docs/economics.md,
 * "Evaluation attestations"). Metrics are numbers, so "the same" needs a tolerance: an integer
 * ratio of metric units, compared without dividing. The count of held-out examples must be equal:
 * an evaluation on a different split is a different evaluation.
 */
import type { Rubric } from './rubric.js'
import type { Metrics } from './values.js'

/** The metric every evaluation reports: how many held-out examples it was computed on. */
export const EVAL_EXAMPLES = 'eval_examples'

export interface Ratio {
  readonly numerator: number
  readonly denominator: number
}

/** |a − b| ≤ numerator / denominator, as |a − b| × denominator ≤ numerator. */
export function within(a: number, b: number, tolerance: Ratio): boolean {
  return Math.abs(a - b) * tolerance.denominator <= tolerance.numerator
}

/**
 * An attestation agrees when (1) a full reproduction, if the attester ran one, matched; (2) the
 * rubric's metric is in both and within the tolerance; and (3) both report the same number of
 * held-out examples. A metric missing on either side disagrees.
 */
export function agrees(recorded: Metrics, rubric: Rubric, attested: Metrics, reproduced: boolean | null, tolerance: Ratio): boolean {
  if (reproduced === false) return false
  const [r, a] = [recorded[rubric.metric], attested[rubric.metric]]
  if (r === undefined || a === undefined || !within(a, r, tolerance)) return false
  const [rn, an] = [recorded[EVAL_EXAMPLES], attested[EVAL_EXAMPLES]]
  return rn !== undefined && rn === an
}
