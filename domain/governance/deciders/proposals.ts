/**
 * Proposals and votes: ProposeModel and ProposeActions lock a stake, others may back it, governors
 * vote with their power at the proposal's snapshot, and the outcome issues a mandate or executes
 * the actions, or settles the stakes. The guardian may cancel before execution.
 */
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js'
import { scale } from '../amounts.js'
import type { CommandOf } from '../commands.js'
import { reject, type GovernanceError, type GovernanceErrorCode } from '../errors.js'
import { domainError, type DecisionContext, type Decider, type DomainError } from '../../decider.js'
import type { EventOf, GovernanceEvent } from '../events.js'
import { evolve } from '../evolve.js'
import { shortOf, unregistered } from '../guards.js'
import { phaseOf, quorumReached, tallyOf, vetoed, type Phase } from '../outcome.js'
import { parameterValueProblem } from '../parameters.js'
import type { GenesisParams } from '../params.js'
import { put } from '../../persistent.js'
import { accountOf, currentVotingPower, initialState, paramsOf, votingPowerAt, type GovernanceState, type Proposal } from '../state.js'
import { now, toTimestamp } from '../time.js'
import type { Tally } from '../values.js'
import { claimGrant, governanceOnlyAction, runActions, type ActionRule } from './actions.js'
import { slashStake } from './staking.js'

export type ProposalCommand = CommandOf<
  | 'ProposeModel'
  | 'ProposeActions'
  | 'CancelProposal'
  | 'CancelProposalAsGuardian'
  | 'CastVote'
  | 'CastVoteWithReason'
  | 'BackProposal'
  | 'QueueProposal'
  | 'ExecuteProposal'
  | 'FinalizeProposal'
  | 'ClaimTreasuryGrant'
>
type Result = Either<GovernanceError, readonly GovernanceEvent[]>

/** What every proposal must meet: no live one, a stake of at least the minimum in free OPEN, and the threshold of power. */
function proposerProblem(proposer: string, stake: bigint, state: GovernanceState, params: GenesisParams): GovernanceError | undefined {
  const account = accountOf(state, proposer)
  if (account.liveProposal !== null) {
    return domainError('live-proposal-exists', 'the proposer already has a live proposal', { proposalId: account.liveProposal })
  }
  if (stake < params.proposalStakeMin) {
    return domainError('stake-too-small', `a proposal stakes at least ${params.proposalStakeMin}`, { minimum: params.proposalStakeMin.toString() })
  }
  const short = shortOf('insufficient-open', account.open, stake)
  if (short !== undefined) return short
  const power = currentVotingPower(state, proposer)
  if (power < params.proposalThreshold) {
    return domainError('insufficient-voting-power', `proposing needs ${params.proposalThreshold} of voting power`, {
      have: power.toString(),
      need: params.proposalThreshold.toString(),
    })
  }
  return undefined
}

function lockProposalStake(proposer: string, stake: bigint, state: GovernanceState, proposalId: string): EventOf<'StakeLocked'> {
  return { type: 'StakeLocked', data: { account: proposer, stakeId: accountOf(state, proposer).nextStakeId, purpose: 'proposal', amount: stake, proposalId } }
}

function propose(command: CommandOf<'ProposeModel'>, state: GovernanceState, params: GenesisParams, ctx: DecisionContext): Result {
  const { spec, stake } = command.payload
  const problem = proposerProblem(command.actor, stake, state, params)
  if (problem !== undefined) return left(problem)
  // The signed command's hash is unique and fixed by the log: a proposal id no one can choose.
  const proposalId = ctx.commandHash
  const locked = lockProposalStake(command.actor, stake, state, proposalId)
  return right([{ type: 'ModelProposed', data: { proposalId, proposer: command.actor, stakeId: locked.data.stakeId, stake, spec } }, locked])
}

function proposeActions(command: CommandOf<'ProposeActions'>, state: GovernanceState, params: GenesisParams, ctx: DecisionContext): Result {
  const { title, description, actions, stake, minBacking } = command.payload
  const problem = proposerProblem(command.actor, stake, state, params)
  if (problem !== undefined) return left(problem)
  // A value no execution could accept is refused now, not after a week of voting.
  for (const [index, action] of actions.entries()) {
    const bad = action.kind === 'change-parameter' ? parameterValueProblem(action.name, action.value) : undefined
    if (bad !== undefined) return reject(bad.code, `action ${index + 1}: ${bad.message}`, { action: index + 1 })
  }
  const proposalId = ctx.commandHash
  const locked = lockProposalStake(command.actor, stake, state, proposalId)
  return right([
    { type: 'ActionsProposed', data: { proposalId, proposer: command.actor, stakeId: locked.data.stakeId, stake, title, description, actions, minBacking } },
    locked,
  ])
}

/**
 * Every stake standing behind the proposal, the proposer's first and then the backers' in key
 * order: each loses `slash` of itself (pro rata, rounded down) with the same evidence, the rest is released.
 */
function settleStakes(state: GovernanceState, proposal: Proposal, slash: { ratio: GenesisParams['vetoSlash']; tally: Tally } | null): Result {
  const stakes = [{ account: proposal.proposer, stakeId: proposal.stakeId }, ...[...proposal.backers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([account, b]) => ({ account, stakeId: b.stakeId }))]
  const events: GovernanceEvent[] = []
  for (const { account, stakeId } of stakes) {
    let remaining = accountOf(state, account).stakes.get(stakeId)?.amount ?? 0n
    const amount = slash === null ? 0n : scale(remaining, slash.ratio)
    if (slash !== null && amount > 0n) {
      // The offense is the proposal itself (for a backer: standing behind it), so it happened at its creation.
      const evidence = { kind: 'proposal-veto' as const, proposalId: proposal.id, tally: slash.tally }
      const taken = slashStake(state, account, stakeId, amount, proposal.createdAt, evidence)
      if (isLeft(taken)) return taken
      events.push(taken.right)
      remaining -= taken.right.data.amount
    }
    if (remaining > 0n) events.push({ type: 'StakeReleased', data: { account, stakeId, amount: remaining } })
  }
  return right(events)
}

function cancel(command: CommandOf<'CancelProposal'>, proposal: Proposal, state: GovernanceState, at: number): Result {
  if (command.actor !== proposal.proposer) return reject('not-proposer', 'only the proposer may cancel')
  if (phaseOf(state, proposal, at) !== 'pending') return reject('not-pending', 'a proposal can be canceled only before voting opens')
  return withSettled([{ type: 'ProposalCanceled', data: { proposalId: proposal.id } }], settleStakes(state, proposal, null))
}

const GUARDIAN_CANCELABLE: ReadonlySet<Phase> = new Set(['pending', 'active', 'succeeded', 'queued'])

function cancelAsGuardian(command: CommandOf<'CancelProposalAsGuardian'>, proposal: Proposal, state: GovernanceState, at: number): Result {
  if (state.guardian === null || command.actor !== state.guardian) return reject('not-guardian', 'only the guardian set by governance may do this', { guardian: state.guardian })
  const phase = phaseOf(state, proposal, at)
  // After execution there is nothing left to stop; a defeated or expired proposal is settled by its outcome, not rescued from it.
  if (!GUARDIAN_CANCELABLE.has(phase)) return reject('not-cancelable', `the guardian cancels only before execution and before the outcome is settled; the proposal is ${phase}`, { phase })
  const canceled: GovernanceEvent = { type: 'ProposalCanceledByGuardian', data: { proposalId: proposal.id, guardian: command.actor, reason: command.payload.reason } }
  return withSettled([canceled], settleStakes(state, proposal, null))
}

function withSettled(first: readonly GovernanceEvent[], settled: Result): Result {
  return isLeft(settled) ? settled : right([...first, ...settled.right])
}

function vote(command: CommandOf<'CastVote' | 'CastVoteWithReason'>, proposal: Proposal, state: GovernanceState, at: number): Result {
  const voter = command.actor
  if (phaseOf(state, proposal, at) !== 'active') return reject('not-active', 'the proposal is not open for voting')
  if (proposal.ballots.has(voter)) return reject('already-voted', 'one vote per governor')
  // Power as it stood at the snapshot: delegations recorded after the proposal do not count.
  const weight = votingPowerAt(state, voter, proposal.snapshot)
  if (weight === 0n) return reject('no-voting-power', 'the voter had no delegated power at the snapshot', { snapshot: proposal.snapshot })
  const { support } = command.payload
  const events: GovernanceEvent[] = [{ type: 'VoteCast', data: { proposalId: proposal.id, voter, support, weight } }]
  if (command.type === 'CastVoteWithReason') events.push({ type: 'VoteReasonGiven', data: { proposalId: proposal.id, voter, reason: command.payload.reason } })
  const extended = lateQuorumExtension(state, proposal, { support, weight }, at)
  if (extended !== undefined) events.push({ type: 'VotingExtended', data: { proposalId: proposal.id, votingEndsAt: toTimestamp(extended) } })
  return right(events)
}

/**
 * Late-quorum extension: the vote that first brings the proposal to quorum keeps voting open at
 * least `lateQuorumExtensionMs` after it, so a whale who waits for the last minute cannot leave
 * the others no time to answer. The new end, or undefined when it does not move.
 */
function lateQuorumExtension(state: GovernanceState, proposal: Proposal, ballot: { support: 'for' | 'against' | 'abstain'; weight: bigint }, at: number): number | undefined {
  const before = tallyOf(state, proposal)
  if (quorumReached(before)) return undefined
  const after = tallyOf(state, { ...proposal, ballots: put(proposal.ballots, '', ballot) })
  if (!quorumReached(after)) return undefined
  const end = at + paramsOf(state, proposal).lateQuorumExtensionMs
  return end > proposal.votingEndsAt ? end : undefined
}

function back(command: CommandOf<'BackProposal'>, proposal: Proposal, state: GovernanceState, at: number): Result {
  const backer = command.actor
  if (backer === proposal.proposer) return reject('own-proposal', 'the proposer’s own stake already stands behind it')
  const phase = phaseOf(state, proposal, at)
  if (phase !== 'pending' && phase !== 'active') return reject('not-backable', 'a proposal is backed only while pending or open for voting', { phase })
  if (proposal.backers.has(backer)) return reject('already-backed', 'one backing per account per proposal')
  const { amount } = command.payload
  const account = accountOf(state, backer)
  const short = shortOf('insufficient-open', account.open, amount)
  if (short !== undefined) return left(short)
  const stakeId = account.nextStakeId
  return right([
    { type: 'ProposalBacked', data: { proposalId: proposal.id, backer, stakeId, amount } },
    { type: 'StakeLocked', data: { account: backer, stakeId, purpose: 'backing', amount, proposalId: proposal.id } },
  ])
}

function queue(proposal: Proposal, state: GovernanceState, at: number): Result {
  if (phaseOf(state, proposal, at) !== 'succeeded') return reject('not-succeeded', 'only a succeeded, unqueued proposal can be queued')
  const tally = tallyOf(state, proposal)
  return right([{ type: 'ProposalQueued', data: { proposalId: proposal.id, eta: toTimestamp(at + paramsOf(state, proposal).timelockMs), tally } }])
}

function issueMandate(proposal: Proposal, state: GovernanceState): Result {
  const spec = proposal.spec
  if (spec === null) return right([])
  if (state.treasury < spec.rewardPool) {
    return reject('treasury-insufficient', 'the treasury cannot fund the reward pool', { treasury: state.treasury.toString() })
  }
  const mandateId = proposal.id
  const { title, datasetRequirements, rubric, rewardPool, integrationTargets } = spec
  const events: GovernanceEvent[] = [{ type: 'MandateIssued', data: { mandateId, proposalId: proposal.id, title, datasetRequirements, rubric, rewardPool, integrationTargets } }]
  if (rewardPool > 0n) events.push({ type: 'RewardPoolEscrowed', data: { mandateId, amount: rewardPool } })
  return right(events)
}

/**
 * Execution, once the timelock has ended: ProposalExecuted, then what the proposal does (a
 * mandate, or its actions through `actions`), then every stake behind it released. The events of
 * the actions come from `execute`, so the economy can run the kinds it owns.
 */
export function executeProposal<Code extends string, E>(
  proposal: Proposal,
  state: GovernanceState,
  ctx: DecisionContext,
  execute: (proposal: Proposal) => Either<DomainError<Code>, readonly E[]>,
): Either<DomainError<GovernanceErrorCode | Code>, readonly (GovernanceEvent | E)[]> {
  const at = now(ctx)
  if (phaseOf(state, proposal, at) !== 'queued') return reject('not-queued', 'only a queued, unexpired proposal can be executed')
  if (proposal.eta !== null && at < proposal.eta) {
    return reject('timelock-running', 'the timelock has not ended', { eta: toTimestamp(proposal.eta) })
  }
  const done: Either<DomainError<GovernanceErrorCode | Code>, readonly (GovernanceEvent | E)[]> = proposal.spec !== null ? issueMandate(proposal, state) : execute(proposal)
  if (isLeft(done)) return done
  const settled = settleStakes(state, proposal, null)
  if (isLeft(settled)) return settled
  return right([{ type: 'ProposalExecuted', data: { proposalId: proposal.id } }, ...done.right, ...settled.right])
}

const governanceActions: ActionRule<GovernanceState, GovernanceEvent, GovernanceErrorCode> = governanceOnlyAction

function finalize(proposal: Proposal, state: GovernanceState, at: number): Result {
  const phase = phaseOf(state, proposal, at)
  if (proposal.finalized !== null || (phase !== 'defeated' && phase !== 'expired')) {
    return reject('not-finalizable', 'only a defeated or expired proposal, once, can be finalized', { phase })
  }
  const params = paramsOf(state, proposal)
  const tally = tallyOf(state, proposal)
  const outcome = phase === 'expired' ? 'expired' : vetoed(tally, params) ? 'vetoed' : 'defeated'
  const first: GovernanceEvent = { type: 'ProposalFinalized', data: { proposalId: proposal.id, outcome, tally } }
  return withSettled([first], settleStakes(state, proposal, outcome === 'vetoed' ? { ratio: params.vetoSlash, tally } : null))
}

type OnProposal = Exclude<ProposalCommand, CommandOf<'ProposeModel' | 'ProposeActions' | 'ClaimTreasuryGrant'>>

function onProposal(command: OnProposal, state: GovernanceState, ctx: DecisionContext): Result {
  const proposal = state.proposals.get(command.payload.proposalId)
  if (proposal === undefined) return reject('unknown-proposal', 'no such proposal', { proposalId: command.payload.proposalId })
  const at = now(ctx)
  switch (command.type) {
    case 'CancelProposal':
      return cancel(command, proposal, state, at)
    case 'CancelProposalAsGuardian':
      return cancelAsGuardian(command, proposal, state, at)
    case 'CastVote':
    case 'CastVoteWithReason':
      return vote(command, proposal, state, at)
    case 'BackProposal':
      return back(command, proposal, state, at)
    case 'QueueProposal':
      return queue(proposal, state, at)
    case 'ExecuteProposal':
      return executeProposal(proposal, state, ctx, (p) => runActions(p, state, ctx, governanceActions, evolve))
    case 'FinalizeProposal':
      return finalize(proposal, state, at)
  }
}

// Queue, execute and finalize are permissionless: anyone may move a proposal along once time allows.
const PERMISSIONLESS: ReadonlySet<string> = new Set(['QueueProposal', 'ExecuteProposal', 'FinalizeProposal'])

export const proposalsDecider: Decider<ProposalCommand, GovernanceEvent, GovernanceState, GovernanceErrorCode> = {
  initialState,
  evolve,
  decide(command, state, ctx) {
    if (state.genesis === null) return reject('no-genesis', 'the ledger has no genesis yet')
    const { params } = state.genesis
    const notRegistered = PERMISSIONLESS.has(command.type) ? undefined : unregistered(state, command.actor)
    if (notRegistered !== undefined) return left(notRegistered)
    switch (command.type) {
      case 'ProposeModel':
        return propose(command, state, params, ctx)
      case 'ProposeActions':
        return proposeActions(command, state, params, ctx)
      case 'ClaimTreasuryGrant':
        return claimGrant(command, state, ctx)
      default:
        return onProposal(command, state, ctx)
    }
  },
}
