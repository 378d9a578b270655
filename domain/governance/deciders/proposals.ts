/**
 * Proposals and votes: ProposeModel locks a stake, governors vote with their power at the
 * proposal's snapshot, and the outcome either issues a mandate or settles the stake.
 */
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext, Decider } from '../../decider.js'
import { scale } from '../amounts.js'
import type { CommandOf } from '../commands.js'
import { reject, type GovernanceError, type GovernanceErrorCode } from '../errors.js'
import type { GovernanceEvent } from '../events.js'
import { evolve } from '../evolve.js'
import { shortOf, unregistered } from '../guards.js'
import { phaseOf, tallyOf, vetoed } from '../outcome.js'
import type { GenesisParams } from '../params.js'
import { accountOf, currentVotingPower, initialState, votingPowerAt, type GovernanceState, type Proposal } from '../state.js'
import { now, toTimestamp } from '../time.js'
import { slashStake } from './staking.js'

export type ProposalCommand = CommandOf<'ProposeModel' | 'CancelProposal' | 'CastVote' | 'QueueProposal' | 'ExecuteProposal' | 'FinalizeProposal'>
type Result = Either<GovernanceError, readonly GovernanceEvent[]>

function propose(command: CommandOf<'ProposeModel'>, state: GovernanceState, params: GenesisParams, ctx: DecisionContext): Result {
  const { spec, stake } = command.payload
  const proposer = command.actor
  const account = accountOf(state, proposer)
  if (account.liveProposal !== null) {
    return reject('live-proposal-exists', 'the proposer already has a live proposal', { proposalId: account.liveProposal })
  }
  if (stake < params.proposalStakeMin) {
    return reject('stake-too-small', `a proposal stakes at least ${params.proposalStakeMin}`, { minimum: params.proposalStakeMin.toString() })
  }
  const short = shortOf('insufficient-open', account.open, stake)
  if (short !== undefined) return left(short)
  const power = currentVotingPower(state, proposer)
  if (power < params.proposalThreshold) {
    return reject('insufficient-voting-power', `proposing needs ${params.proposalThreshold} of voting power`, {
      have: power.toString(),
      need: params.proposalThreshold.toString(),
    })
  }
  // The signed command's hash is unique and fixed by the log: a proposal id no one can choose.
  const proposalId = ctx.commandHash
  const stakeId = account.nextStakeId
  return right([
    { type: 'ModelProposed', data: { proposalId, proposer, stakeId, stake, spec } },
    { type: 'StakeLocked', data: { account: proposer, stakeId, purpose: 'proposal', amount: stake, proposalId } },
  ])
}

function cancel(command: CommandOf<'CancelProposal'>, proposal: Proposal, state: GovernanceState, params: GenesisParams, at: number): Result {
  if (command.actor !== proposal.proposer) return reject('not-proposer', 'only the proposer may cancel')
  if (phaseOf(state, proposal, params, at) !== 'pending') return reject('not-pending', 'a proposal can be canceled only before voting opens')
  return right([
    { type: 'ProposalCanceled', data: { proposalId: proposal.id } },
    { type: 'StakeReleased', data: { account: proposal.proposer, stakeId: proposal.stakeId, amount: proposal.stake } },
  ])
}

function vote(command: CommandOf<'CastVote'>, proposal: Proposal, state: GovernanceState, params: GenesisParams, at: number): Result {
  const voter = command.actor
  if (phaseOf(state, proposal, params, at) !== 'active') return reject('not-active', 'the proposal is not open for voting')
  if (proposal.ballots.has(voter)) return reject('already-voted', 'one vote per governor')
  // Power as it stood at the snapshot: delegations recorded after the proposal do not count.
  const weight = votingPowerAt(state, voter, proposal.snapshot)
  if (weight === 0n) return reject('no-voting-power', 'the voter had no delegated power at the snapshot', { snapshot: proposal.snapshot })
  return right([{ type: 'VoteCast', data: { proposalId: proposal.id, voter, support: command.payload.support, weight } }])
}

function queue(proposal: Proposal, state: GovernanceState, params: GenesisParams, at: number): Result {
  if (phaseOf(state, proposal, params, at) !== 'succeeded') return reject('not-succeeded', 'only a succeeded, unqueued proposal can be queued')
  const tally = tallyOf(state, proposal, params)
  return right([{ type: 'ProposalQueued', data: { proposalId: proposal.id, eta: toTimestamp(at + params.timelockMs), tally } }])
}

function execute(proposal: Proposal, state: GovernanceState, params: GenesisParams, at: number): Result {
  if (phaseOf(state, proposal, params, at) !== 'queued') return reject('not-queued', 'only a queued, unexpired proposal can be executed')
  if (proposal.eta !== null && at < proposal.eta) {
    return reject('timelock-running', 'the timelock has not ended', { eta: toTimestamp(proposal.eta) })
  }
  const { spec } = proposal
  if (state.treasury < spec.rewardPool) {
    return reject('treasury-insufficient', 'the treasury cannot fund the reward pool', { treasury: state.treasury.toString() })
  }
  const mandateId = proposal.id
  const events: GovernanceEvent[] = [
    { type: 'ProposalExecuted', data: { proposalId: proposal.id } },
    {
      type: 'MandateIssued',
      data: {
        mandateId,
        proposalId: proposal.id,
        title: spec.title,
        datasetRequirements: spec.datasetRequirements,
        rubric: spec.rubric,
        rewardPool: spec.rewardPool,
        integrationTargets: spec.integrationTargets,
      },
    },
  ]
  if (spec.rewardPool > 0n) events.push({ type: 'RewardPoolEscrowed', data: { mandateId, amount: spec.rewardPool } })
  events.push({ type: 'StakeReleased', data: { account: proposal.proposer, stakeId: proposal.stakeId, amount: proposal.stake } })
  return right(events)
}

function finalize(proposal: Proposal, state: GovernanceState, params: GenesisParams, at: number): Result {
  const phase = phaseOf(state, proposal, params, at)
  if (proposal.finalized !== null || (phase !== 'defeated' && phase !== 'expired')) {
    return reject('not-finalizable', 'only a defeated or expired proposal, once, can be finalized', { phase })
  }
  const tally = tallyOf(state, proposal, params)
  const outcome = phase === 'expired' ? 'expired' : vetoed(tally, params) ? 'vetoed' : 'defeated'
  const events: GovernanceEvent[] = [{ type: 'ProposalFinalized', data: { proposalId: proposal.id, outcome, tally } }]
  let remaining = accountOf(state, proposal.proposer).stakes.get(proposal.stakeId)?.amount ?? 0n
  const slashAmount = scale(remaining, params.vetoSlash)
  if (outcome === 'vetoed' && slashAmount > 0n) {
    // The offense is the proposal itself, so its creation time is when it happened.
    const evidence = { kind: 'proposal-veto' as const, proposalId: proposal.id, tally }
    const slash = slashStake(state, proposal.proposer, proposal.stakeId, slashAmount, proposal.createdAt, evidence)
    if (isLeft(slash)) return slash
    events.push(slash.right)
    remaining -= slash.right.data.amount
  }
  if (remaining > 0n) events.push({ type: 'StakeReleased', data: { account: proposal.proposer, stakeId: proposal.stakeId, amount: remaining } })
  return right(events)
}

function onProposal(command: Exclude<ProposalCommand, CommandOf<'ProposeModel'>>, state: GovernanceState, params: GenesisParams, at: number): Result {
  const proposal = state.proposals.get(command.payload.proposalId)
  if (proposal === undefined) return reject('unknown-proposal', 'no such proposal', { proposalId: command.payload.proposalId })
  switch (command.type) {
    case 'CancelProposal':
      return cancel(command, proposal, state, params, at)
    case 'CastVote':
      return vote(command, proposal, state, params, at)
    case 'QueueProposal':
      return queue(proposal, state, params, at)
    case 'ExecuteProposal':
      return execute(proposal, state, params, at)
    case 'FinalizeProposal':
      return finalize(proposal, state, params, at)
  }
}

export const proposalsDecider: Decider<ProposalCommand, GovernanceEvent, GovernanceState, GovernanceErrorCode> = {
  initialState,
  evolve,
  decide(command, state, ctx) {
    if (state.genesis === null) return reject('no-genesis', 'the ledger has no genesis yet')
    const { params } = state.genesis
    // Queue, execute and finalize are permissionless: anyone may move a proposal along once time allows.
    const needsIdentity = command.type === 'ProposeModel' || command.type === 'CancelProposal' || command.type === 'CastVote'
    const notRegistered = needsIdentity ? unregistered(state, command.actor) : undefined
    if (notRegistered !== undefined) return left(notRegistered)
    if (command.type === 'ProposeModel') return propose(command, state, params, ctx)
    return onProposal(command, state, params, now(ctx))
  },
}
