/** The events of closing a round: results, penalties slashed citing the round, the preference dataset. */
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js'
import { fromHex } from '../crypto/hex.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import { jsonHash } from '../economy/hash.js'
import type { EconomicsParams } from '../economy/params.js'
import { slash } from '../economy/slash.js'
import type { EconomyState } from '../economy/state.js'
import { scale } from '../governance/amounts.js'
import { accountOf } from '../governance/state.js'
import { merkleRoot } from '../ledger/merkle.js'
import { consensusOf, judge, roundRewards, type Judged } from './consensus.js'
import type { Round } from './state.js'
import { ratingAgreement, trustUpdated } from '../trust/observe.js'

function evidenceOf(round: Round, validator: string): number[] {
  const seqs = [round.commits.get(validator)?.sequence, round.reveals.get(validator)?.sequence]
  return seqs.filter((s): s is number => s !== undefined)
}

function penalties(round: Round, judged: readonly Judged[], state: EconomyState, params: EconomicsParams): Either<EconomyError, EconomyEvent[]> {
  const events: EconomyEvent[] = []
  for (const j of judged.filter((x) => x.penalized)) {
    const commit = round.commits.get(j.validator)
    if (commit === undefined) return refuse('not-committed', 'a judged validator without a commitment')
    // Every validator stake of the account, unbonding or not: slashStake itself spares those unbonding since before the commit.
    const stakeIds = [...accountOf(state.governance, j.validator).stakes.values()].filter((s) => s.purpose === 'validator').map((s) => s.id).sort((a, b) => a - b)
    const rule = j.revealed ? ('rlhf-deviation' as const) : ('rlhf-no-reveal' as const)
    const order = { account: j.validator, stakeIds, amount: scale(commit.stake, params.feedbackPenalty), offenseAt: commit.at, rule, subject: round.id, sequences: evidenceOf(round, j.validator) }
    if (order.amount === 0n) continue
    const slashed = slash(state, order)
    if (isLeft(slashed)) return slashed
    events.push(...slashed.right)
  }
  return right(events)
}

function preferenceDataset(round: Round, consensus: readonly number[], judged: readonly Judged[], state: EconomyState): EconomyEvent[] {
  const raters = judged.filter((j) => !j.penalized).map((j) => j.validator)
  if (consensus.length === 0 || raters.length === 0) return []
  const samples = round.samples.map((s, i) => ({ ...s, consensus: consensus[i] ?? 0, scores: raters.map((v) => round.reveals.get(v)?.scores[i] ?? 0) }))
  const root = merkleRoot(samples.map((s) => fromHex(jsonHash(s))))
  const version = (state.alignment.preferenceVersions.get(round.mandateId) ?? 0) + 1
  return [{ type: 'PreferenceDatasetVersioned', data: { mandateId: round.mandateId, version, roundId: round.id, raters, samples, root } }]
}

export function closeRound(round: Round, state: EconomyState, params: EconomicsParams): Either<EconomyError, EconomyEvent[]> {
  const consensus = consensusOf(round)
  const judged = judge(round, consensus, params.tolerance)
  const rewards = roundRewards(round.pool, judged)
  const slashed = penalties(round, judged, state, params)
  if (isLeft(slashed)) return slashed
  const results = judged.map((j) => ({
    validator: j.validator,
    revealed: j.revealed,
    deviationSum: j.deviationSum,
    reward: rewards.get(j.validator) ?? 0n,
    penalized: j.penalized,
    evidence: evidenceOf(round, j.validator),
  }))
  const observed = judged.map((j) => ({ validator: j.validator, agreement: ratingAgreement(j, round.samples.length, params.tolerance) }))
  return right([
    { type: 'FeedbackRoundClosed', data: { roundId: round.id, mandateId: round.mandateId, rewardPool: round.pool, consensus, results } },
    ...trustUpdated(state, params, 'ratings', round.id, observed),
    ...slashed.right,
    ...preferenceDataset(round, consensus, judged, state),
  ])
}
