/**
 * The reward map's attribution from the training state: a contribution's recorded score, or, for
 * a contribution that no recorded attribution measured (accepted after the trained version), the
 * mean score, so that being new is neither a windfall nor a penalty. With no attribution for the
 * mandate every contribution weighs 1, as before training existed.
 */
import type { TrainingState } from './state.js'

export function attributionOf(state: TrainingState, mandateId: string): (contributionId: string) => bigint {
  const scores = state.attribution.get(mandateId)
  let total = 0
  for (const s of scores?.values() ?? []) total += s
  if (scores === undefined || total === 0) return () => 1n
  const mean = BigInt(Math.floor(total / scores.size))
  return (id) => {
    const score = scores.get(id)
    return score === undefined ? mean : BigInt(score)
  }
}
