/**
 * Closing a round, as arithmetic: consensus per sample is the weighted median of the revealed
 * scores, each weighing its validator's stake × trust at commit; a validator's deviation is the
 * mean |score − consensus| (kept as the sum over the samples, so no division happens); within
 * tolerance it earns a share of the pool in proportion to weight × (1 − deviation / tolerance);
 * beyond it, or silent, it is penalized (a share of its stake, not of its weight).
 */
import type { Ratio } from '../governance/params.js'
import { largestRemainder, weightedMedian } from '../rewards/split.js'
import type { Round } from './state.js'

export interface Judged {
  readonly validator: string
  readonly revealed: boolean
  readonly deviationSum: number
  readonly weight: bigint
  readonly penalized: boolean
}

export function consensusOf(round: Round): number[] {
  if (round.reveals.size === 0) return []
  return round.samples.map((_sample, i) => {
    const votes = [...round.reveals].map(([validator, reveal]) => ({ value: reveal.scores[i] ?? 0, weight: round.commits.get(validator)?.weight ?? 0n }))
    // With every revealed weight at zero the unweighted median is the fair fallback.
    return weightedMedian(votes) ?? weightedMedian(votes.map((v) => ({ ...v, weight: 1n }))) ?? 0
  })
}

/** deviationSum / n ≤ tolerance, and the reward weight (stake × trust) × (n·tol − deviationSum) / (n·tol) scaled by n·tol. */
export function judge(round: Round, consensus: readonly number[], tolerance: Ratio): Judged[] {
  const n = BigInt(round.samples.length)
  const limit = n * BigInt(tolerance.numerator)
  return [...round.commits.keys()].sort().map((validator) => {
    const reveal = round.reveals.get(validator)
    const weight = round.commits.get(validator)?.weight ?? 0n
    if (reveal === undefined) return { validator, revealed: false, deviationSum: 0, weight: 0n, penalized: true }
    const deviationSum = reveal.scores.reduce((sum, score, i) => sum + Math.abs(score - (consensus[i] ?? score)), 0)
    const scaled = BigInt(deviationSum) * BigInt(tolerance.denominator)
    if (scaled > limit) return { validator, revealed: true, deviationSum, weight: 0n, penalized: true }
    return { validator, revealed: true, deviationSum, weight: weight * (limit - scaled), penalized: false }
  })
}

export function roundRewards(pool: bigint, judged: readonly Judged[]): Map<string, bigint> {
  return largestRemainder(pool, new Map(judged.map((j) => [j.validator, j.weight])))
}
