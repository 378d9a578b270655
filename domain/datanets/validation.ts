/**
 * Validation: staked validators judge a contribution; once the first N verdicts are in, or the
 * validation window has ended, anyone may finalize it. Each verdict weighs the validator's stake ×
 * its trust. Accepted when the weight behind "accept" outweighs the rest; otherwise spam when the
 * weight behind "spam" outweighs plain "reject", which costs a bonded contributor the bond (to the
 * treasury, citing the verdicts). Finalizing also moves each judge's trust toward its agreement
 * with the outcome (domain/trust).
 */
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomicsParams } from '../economy/params.js'
import { slash } from '../economy/slash.js'
import { isValidator, validatorStakes, type EconomyState } from '../economy/state.js'
import { scale } from '../governance/amounts.js'
import { now } from '../governance/time.js'
import { weightedMedian } from '../rewards/split.js'
import { trustWeight } from '../trust/ema.js'
import { trustUpdated, verdictAgreement } from '../trust/observe.js'
import { trustOf } from '../trust/state.js'
import type { DataCommand } from './commands.js'
import type { Contribution, Verdict } from './state.js'
import type { Outcome, VerdictTally } from './values.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends DataCommand['type']> = Extract<DataCommand, { type: T }>

export function validationEndsAt(c: Contribution, params: EconomicsParams): number {
  return c.submittedAt + params.validationWindowMs
}

function verdict(command: Cmd<'CastVerdict'>, c: Contribution, state: EconomyState, params: EconomicsParams, at: number): Result {
  const validator = command.actor
  if (!isValidator(state, validator)) return refuse('not-validator', 'verdicts need a locked validator stake')
  if (c.contributor === validator) return refuse('own-contribution', 'a validator does not judge its own contribution')
  if (c.verdicts.has(validator)) return refuse('already-judged', 'one verdict per validator per contribution')
  if (c.outcome !== null || c.verdicts.size >= params.verdictsToFinalize || at >= validationEndsAt(c, params)) {
    return refuse('validation-closed', 'this contribution takes no more verdicts')
  }
  const { decision, quality, relevance, reason } = command.payload
  const stake = validatorStakes(state, validator).total
  const trust = trustOf(state, validator)
  return right([{ type: 'VerdictCast', data: { contributionId: c.id, validator, decision, quality, relevance, reason, stake, trust, weight: trustWeight(stake, trust) } }])
}

export function tallyOf(verdicts: Iterable<Verdict>): VerdictTally {
  const tally = { accept: 0n, reject: 0n, spam: 0n }
  for (const v of verdicts) tally[v.decision] += v.weight
  return tally
}

export function outcomeOf(tally: VerdictTally, count: number): Outcome {
  if (count === 0) return 'unjudged'
  if (tally.accept > tally.reject + tally.spam) return 'accepted'
  return tally.spam > tally.reject ? 'spam' : 'rejected'
}

/** The bond's fate: returned, or (spam) the slashed share to the treasury and the rest returned. */
function settleBond(c: Contribution, outcome: Outcome, sequences: readonly number[], state: EconomyState, params: EconomicsParams): Result {
  if (c.bondStakeId === null) return right([])
  const events: EconomyEvent[] = []
  let remaining = c.bond
  if (outcome === 'spam') {
    const amount = scale(c.bond, params.spamSlash)
    // The evidence is the contributor's own submission and the verdicts that found it spam.
    const evidence = [c.submittedSequence, ...sequences]
    const order = { account: c.contributor, stakeIds: [c.bondStakeId], amount, offenseAt: c.submittedAt, rule: 'spam-contribution' as const, subject: c.id, sequences: evidence }
    const slashed = amount > 0n ? slash(state, order) : right([])
    if (isLeft(slashed)) return slashed
    for (const e of slashed.right) remaining -= e.data.amount
    events.push(...slashed.right)
  }
  if (remaining > 0n) events.push({ type: 'StakeReleased', data: { account: c.contributor, stakeId: c.bondStakeId, amount: remaining } })
  return right(events)
}

function finalize(c: Contribution, state: EconomyState, params: EconomicsParams, at: number): Result {
  if (c.outcome !== null) return refuse('validation-closed', 'already finalized')
  if (c.verdicts.size < params.verdictsToFinalize && at < validationEndsAt(c, params)) {
    return refuse('validation-running', 'waiting for verdicts until the validation window ends')
  }
  const verdicts = [...c.verdicts.values()]
  const tally = tallyOf(verdicts)
  const outcome = outcomeOf(tally, verdicts.length)
  const sequences = verdicts.map((v) => v.sequence).sort((a, b) => a - b)
  const quality = weightedMedian(verdicts.map((v) => ({ value: v.quality, weight: v.weight }))) ?? 0
  const relevance = weightedMedian(verdicts.map((v) => ({ value: v.relevance, weight: v.weight }))) ?? 0
  const bond = settleBond(c, outcome, sequences, state, params)
  if (isLeft(bond)) return bond
  const observed = outcome === 'unjudged' ? [] : [...c.verdicts].map(([validator, v]) => ({ validator, agreement: verdictAgreement(v.decision, outcome) }))
  return right([
    { type: 'ContributionFinalized', data: { contributionId: c.id, datanetId: c.datanetId, outcome, quality, relevance, tally, verdicts: sequences } },
    ...trustUpdated(state, params, 'verdicts', c.id, observed),
    ...bond.right,
  ])
}

export function decideValidation(command: Cmd<'CastVerdict' | 'FinalizeContribution'>, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  const c = state.data.contributions.get(command.payload.contributionId)
  if (c === undefined) return refuse('unknown-contribution', 'no such contribution', { contributionId: command.payload.contributionId })
  if (command.type === 'CastVerdict') return verdict(command, c, state, params, now(ctx))
  return finalize(c, state, params, now(ctx))
}
