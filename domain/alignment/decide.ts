/** RLHF rounds: open on a checkpoint, commit, reveal, close with consensus, rewards and penalties. */
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomicsParams } from '../economy/params.js'
import { isValidator, validatorStakes, type EconomyState } from '../economy/state.js'
import { now, toTimestamp } from '../governance/time.js'
import { unreserved } from '../rewards/pools.js'
import type { AlignmentCommand } from './codecs.js'
import { commitmentOf } from './commitment.js'
import { closeRound } from './close.js'
import type { Round } from './state.js'
import { trustWeight } from '../trust/ema.js'
import { trustOf } from '../trust/state.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends AlignmentCommand['type']> = Extract<AlignmentCommand, { type: T }>

function open(command: Cmd<'OpenFeedbackRound'>, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  const { mandateId, checkpoint, samples, rewardPool } = command.payload
  const mandate = state.governance.mandates.get(mandateId)
  if (mandate === undefined) return refuse('unknown-mandate', 'no such mandate', { mandateId })
  if (state.governance.proposals.get(mandate.proposalId)?.proposer !== command.actor) {
    return refuse('not-mandate-proposer', 'only the mandate’s proposer opens its feedback rounds')
  }
  if (new Set(samples.map((s) => `${s.promptHash}${s.outputHash}`)).size !== samples.length) return refuse('bad-samples', 'samples must be distinct')
  // One prompt, seed and setting generate one output: two outputs claiming the same generation cannot both be the checkpoint's.
  const generated = samples.flatMap((s) => ('generation' in s ? [`${s.promptHash}:${s.generation.seed}:${s.generation.temperature}:${s.generation.topP}:${s.generation.maxTokens}`] : []))
  if (new Set(generated).size !== generated.length) return refuse('bad-samples', 'two samples claim the same prompt, seed and settings with different outputs')
  const available = unreserved(state, mandateId)
  if (rewardPool > available) return refuse('pool-exceeds-escrow', 'the pool exceeds the mandate’s unreserved escrow', { available: available.toString() })
  const at = now(ctx)
  const commitEndsAt = toTimestamp(at + params.commitWindowMs)
  const revealEndsAt = toTimestamp(at + params.commitWindowMs + params.revealWindowMs)
  const data = { roundId: ctx.commandHash, mandateId, opener: command.actor, checkpoint, samples, rewardPool, commitEndsAt, revealEndsAt }
  return right([{ type: 'FeedbackRoundOpened', data }])
}

function commit(command: Cmd<'CommitRatings'>, round: Round, state: EconomyState, at: number): Result {
  if (!isValidator(state, command.actor)) return refuse('not-validator', 'ratings need a locked validator stake')
  if (at >= round.commitEndsAt) return refuse('commit-closed', 'the commit window has ended')
  if (round.commits.has(command.actor)) return refuse('already-committed', 'one commitment per validator per round')
  const stake = validatorStakes(state, command.actor).total
  const trust = trustOf(state, command.actor)
  return right([{ type: 'RatingsCommitted', data: { roundId: round.id, validator: command.actor, commitment: command.payload.commitment, stake, trust, weight: trustWeight(stake, trust) } }])
}

function reveal(command: Cmd<'RevealRatings'>, round: Round, params: EconomicsParams, at: number): Result {
  const { scores, salt } = command.payload
  if (at < round.commitEndsAt || at >= round.revealEndsAt) return refuse('reveal-not-open', 'reveals are taken between the commit and reveal deadlines')
  const committed = round.commits.get(command.actor)
  if (committed === undefined) return refuse('not-committed', 'no commitment from this validator')
  if (round.reveals.has(command.actor)) return refuse('already-revealed', 'one reveal per validator per round')
  if (scores.length !== round.samples.length || scores.some((s) => s < params.scoreMin || s > params.scoreMax)) {
    return refuse('bad-scores', `one score in [${params.scoreMin}, ${params.scoreMax}] per sample`)
  }
  if (commitmentOf(round.id, command.actor, scores, salt) !== committed.commitment) return refuse('reveal-mismatch', 'the ratings and salt do not match the commitment')
  return right([{ type: 'RatingsRevealed', data: { roundId: round.id, validator: command.actor, scores, salt } }])
}

export function decideAlignment(command: AlignmentCommand, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  if (command.type === 'OpenFeedbackRound') return open(command, state, params, ctx)
  const round = state.alignment.rounds.get(command.payload.roundId)
  if (round === undefined) return refuse('unknown-round', 'no such round', { roundId: command.payload.roundId })
  if (round.closed) return refuse('round-closed', 'the round is closed')
  const at = now(ctx)
  switch (command.type) {
    case 'CommitRatings':
      return commit(command, round, state, at)
    case 'RevealRatings':
      return reveal(command, round, params, at)
    case 'CloseFeedbackRound': {
      if (at < round.revealEndsAt) return refuse('round-running', 'the reveal window has not ended')
      const closed = closeRound(round, state, params)
      return isLeft(closed) ? closed : right(closed.right)
    }
  }
}
