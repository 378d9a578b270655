/**
 * evolve: the one place state changes. It trusts the events (deciders checked the rules before
 * they were recorded) and never fails; it only updates immutably, so every state a fold passes
 * through stays valid to keep.
 */
import type { Recorded } from '../decider.js'
import type { EventOf, GovernanceEvent } from './events.js'
import { isRight } from 'fp-ts/lib/Either.js'
import { parameterCodec, withParameter } from './parameters.js'
import { accountOf, powerAt, type Account, type Checkpoint, type GovernanceState, type Mandate, type Proposal, type Stake } from './state.js'
import { toMs } from './time.js'
import { append, edit, emptyList, put, remove, type ReadonlyList } from '../persistent.js'

function withAccount(state: GovernanceState, key: string, change: (account: Account) => Account): GovernanceState {
  return { ...state, accounts: put(state.accounts, key, change(accountOf(state, key))) }
}

function withProposal(state: GovernanceState, id: string, change: (proposal: Proposal) => Proposal): GovernanceState {
  const proposal = state.proposals.get(id)
  if (proposal === undefined) return state
  return { ...state, proposals: put(state.proposals, id, change(proposal)) }
}

function withStake(account: Account, id: number, change: (stake: Stake) => Stake | undefined): Account {
  const stake = account.stakes.get(id)
  if (stake === undefined) return account
  const stakes = new Map(account.stakes)
  const next = change(stake)
  if (next === undefined) stakes.delete(id)
  else stakes.set(id, next)
  // A proposal stays live exactly as long as its stake is locked.
  const liveProposal = next === undefined && stake.purpose === 'proposal' && account.liveProposal === stake.proposalId ? null : account.liveProposal
  return { ...account, stakes, liveProposal }
}

function checkpoint(list: ReadonlyList<Checkpoint>, sequence: number, delta: bigint): ReadonlyList<Checkpoint> {
  const power = powerAt(list, sequence) + delta
  const last = list.get(list.size - 1)
  // One checkpoint per sequence: a second change at the same position replaces the first.
  return append(list, { sequence, power }, last !== undefined && last.sequence === sequence)
}

/** Moves `delta` of delegated power to (or, negative, from) a governor at `sequence`. */
function shiftPower(state: GovernanceState, governor: string | null, delta: bigint, sequence: number): GovernanceState {
  if (governor === null || delta === 0n) return state
  return {
    ...state,
    power: put(state.power, governor, checkpoint(state.power.get(governor) ?? emptyList(), sequence, delta)),
    totalPower: checkpoint(state.totalPower, sequence, delta),
  }
}

function genesis(state: GovernanceState, data: EventOf<'GenesisEstablished'>['data'], sequence: number): GovernanceState {
  let supply = data.treasury
  const accounts = edit(state.accounts, (draft) => {
    for (const { account, amount } of data.allocations) {
      const current = draft.get(account) ?? accountOf(state, account)
      draft.set(account, { ...current, open: current.open + amount })
      supply += amount
    }
  })
  return {
    ...state,
    genesis: { params: data.params, ledgerKey: data.ledgerKey, treasuryKey: data.treasuryKey, supply },
    treasury: data.treasury,
    accounts,
    paramsHistory: append(state.paramsHistory, { sequence, params: data.params }),
  }
}

/** A parameter changed by governance: in force from this sequence on (the history keeps what was in force before). */
function parameterChanged(state: GovernanceState, data: EventOf<'ParameterChanged'>['data'], sequence: number): GovernanceState {
  const genesis = state.genesis
  const decoded = parameterCodec(data.name)?.decode(data.to)
  if (genesis === null || decoded === undefined || !isRight(decoded)) return state
  const params = withParameter(genesis.params, data.name, decoded.right)
  return { ...state, genesis: { ...genesis, params }, paramsHistory: append(state.paramsHistory, { sequence, params }, lastSequence(state) === sequence) }
}

function lastSequence(state: GovernanceState): number | undefined {
  return state.paramsHistory.get(state.paramsHistory.size - 1)?.sequence
}

function delegated(state: GovernanceState, data: EventOf<'VotesDelegated'>['data'], sequence: number): GovernanceState {
  const account = accountOf(state, data.account)
  const moved = shiftPower(shiftPower(state, account.delegate, -account.gopen, sequence), data.to, account.gopen, sequence)
  return withAccount(moved, data.account, (a) => ({ ...a, delegate: data.to }))
}

function wrapped(state: GovernanceState, account: string, delta: bigint, sequence: number): GovernanceState {
  const next = withAccount(state, account, (a) => ({ ...a, open: a.open - delta, gopen: a.gopen + delta }))
  const supplied = { ...next, totalGopen: checkpoint(next.totalGopen, sequence, delta) }
  return shiftPower(supplied, accountOf(state, account).delegate, delta, sequence)
}

function stakeLocked(state: GovernanceState, data: EventOf<'StakeLocked'>['data'], at: number): GovernanceState {
  const stake: Stake = {
    id: data.stakeId,
    purpose: data.purpose,
    amount: data.amount,
    lockedAt: at,
    unbondRequestedAt: null,
    releasableAt: null,
    proposalId: data.proposalId,
  }
  return withAccount(state, data.account, (a) => ({
    ...a,
    open: a.open - data.amount,
    stakes: put(a.stakes, data.stakeId, stake),
    nextStakeId: Math.max(a.nextStakeId, data.stakeId + 1),
    liveProposal: data.purpose === 'proposal' ? data.proposalId : a.liveProposal,
  }))
}

type ProposedData = EventOf<'ModelProposed'>['data'] | EventOf<'ActionsProposed'>['data']

function proposed(state: GovernanceState, data: ProposedData, sequence: number, at: number): GovernanceState {
  const params = state.genesis?.params
  const votingStartsAt = at + (params?.votingDelayMs ?? 0)
  const proposal: Proposal = {
    id: data.proposalId,
    proposer: data.proposer,
    spec: 'spec' in data ? data.spec : null,
    title: 'spec' in data ? data.spec.title : data.title,
    actions: 'actions' in data ? data.actions : [],
    stakeId: data.stakeId,
    stake: data.stake,
    snapshot: sequence,
    createdAt: at,
    votingStartsAt,
    votingEndsAt: votingStartsAt + (params?.votingPeriodMs ?? 0),
    ballots: new Map(),
    backers: new Map(),
    minBacking: 'minBacking' in data ? data.minBacking : 0n,
    canceled: false,
    queuedAt: null,
    eta: null,
    executed: false,
    finalized: null,
  }
  return { ...state, proposals: put(state.proposals, data.proposalId, proposal) }
}

function withMandate(state: GovernanceState, id: string, change: (mandate: Mandate) => Mandate): GovernanceState {
  const mandate = state.mandates.get(id)
  return mandate === undefined ? state : { ...state, mandates: put(state.mandates, id, change(mandate)) }
}

function mandateIssued(state: GovernanceState, data: EventOf<'MandateIssued'>['data'], at: number): GovernanceState {
  const { mandateId: id, proposalId, rubric, datasetRequirements, rewardPool } = data
  return { ...state, mandates: put(state.mandates, id, { id, proposalId, rubric, datasetRequirements, rewardPool, escrowed: 0n, issuedAt: at }) }
}

function treasuryGranted(state: GovernanceState, data: EventOf<'TreasuryGranted'>['data']): GovernanceState {
  const grant = { id: data.grantId, to: data.to, amount: data.amount, vestsAt: toMs(data.vestsAt) }
  return {
    ...state,
    treasury: state.treasury - data.amount,
    treasuryGrants: put(state.treasuryGrants, data.grantId, grant),
    nextTreasuryGrantId: Math.max(state.nextTreasuryGrantId, data.grantId + 1),
  }
}

/** Moves `amount` from the treasury into a mandate's escrow (negative: back to the treasury). */
function escrowed(state: GovernanceState, mandateId: string, amount: bigint): GovernanceState {
  const next = withMandate(state, mandateId, (m) => ({ ...m, escrowed: m.escrowed + amount }))
  return { ...next, treasury: state.treasury - amount, escrowed: state.escrowed + amount }
}

function paid(state: GovernanceState, data: EventOf<'EscrowPaid'>['data']): GovernanceState {
  const next = withMandate(state, data.mandateId, (m) => ({ ...m, escrowed: m.escrowed - data.amount }))
  const credited = withAccount(next, data.account, (a) => ({ ...a, open: a.open + data.amount }))
  return { ...credited, escrowed: state.escrowed - data.amount }
}

function credit(state: GovernanceState, key: string, amount: bigint): GovernanceState {
  return withAccount(state, key, (a) => ({ ...a, open: a.open + amount }))
}

export function evolve(state: GovernanceState, recorded: Recorded<GovernanceEvent>): GovernanceState {
  const { event, sequence } = recorded
  const at = toMs(recorded.recordedAt)
  switch (event.type) {
    case 'GenesisEstablished':
      return genesis(state, event.data, sequence)
    case 'IdentityRegistered':
      return { ...state, identities: put(state.identities, event.data.key, { displayName: event.data.displayName, registeredAt: recorded.recordedAt }) }
    case 'OpenSent':
      return withAccount(state, event.data.from, (a) => ({ ...a, open: a.open - event.data.amount }))
    case 'OpenReceived':
      return withAccount(state, event.data.to, (a) => ({ ...a, open: a.open + event.data.amount }))
    case 'OpenWrapped':
      return wrapped(state, event.data.account, event.data.amount, sequence)
    case 'GopenUnwrapped':
      return wrapped(state, event.data.account, -event.data.amount, sequence)
    case 'VotesDelegated':
      return delegated(state, event.data, sequence)
    case 'StakeLocked':
      return stakeLocked(state, event.data, at)
    case 'UnbondRequested':
      return withAccount(state, event.data.account, (a) =>
        withStake(a, event.data.stakeId, (s) => ({ ...s, unbondRequestedAt: at, releasableAt: toMs(event.data.releasableAt) })),
      )
    case 'StakeReleased': {
      const { amount, stakeId } = event.data
      return withAccount(state, event.data.account, (a) => ({ ...withStake(a, stakeId, () => undefined), open: a.open + amount }))
    }
    case 'StakeSlashed': {
      const { amount, stakeId } = event.data
      const slashed = withAccount(state, event.data.account, (a) =>
        withStake(a, stakeId, (s) => (s.amount === amount ? undefined : { ...s, amount: s.amount - amount })),
      )
      return { ...slashed, treasury: slashed.treasury + amount }
    }
    case 'ModelProposed':
    case 'ActionsProposed':
      return proposed(state, event.data, sequence, at)
    case 'ProposalCanceled':
    case 'ProposalCanceledByGuardian':
      return withProposal(state, event.data.proposalId, (p) => ({ ...p, canceled: true }))
    case 'VoteReasonGiven':
      return state
    case 'VotingExtended':
      return withProposal(state, event.data.proposalId, (p) => ({ ...p, votingEndsAt: toMs(event.data.votingEndsAt) }))
    case 'ProposalBacked': {
      const { backer, stakeId, amount } = event.data
      return withProposal(state, event.data.proposalId, (p) => ({ ...p, backers: put(p.backers, backer, { stakeId, amount }) }))
    }
    case 'ParameterChanged':
      return parameterChanged(state, event.data, sequence)
    case 'TreasuryTransferred':
      return { ...credit(state, event.data.to, event.data.amount), treasury: state.treasury - event.data.amount }
    case 'TreasuryGranted':
      return treasuryGranted(state, event.data)
    case 'TreasuryGrantClaimed':
      return { ...credit(state, event.data.to, event.data.amount), treasuryGrants: remove(state.treasuryGrants, event.data.grantId) }
    case 'GuardianSet':
      return { ...state, guardian: event.data.guardian }
    case 'MandateAmended': {
      const { rubric, datasetRequirements, rewardPool } = event.data
      return withMandate(state, event.data.mandateId, (m) => ({ ...m, rubric, datasetRequirements, rewardPool }))
    }
    case 'RewardPoolReturned':
      return escrowed(state, event.data.mandateId, -event.data.amount)
    case 'VoteCast': {
      const { voter, support, weight } = event.data
      return withProposal(state, event.data.proposalId, (p) => ({ ...p, ballots: put(p.ballots, voter, { support, weight }) }))
    }
    case 'ProposalQueued':
      return withProposal(state, event.data.proposalId, (p) => ({ ...p, queuedAt: at, eta: toMs(event.data.eta) }))
    case 'ProposalExecuted':
      return withProposal(state, event.data.proposalId, (p) => ({ ...p, executed: true }))
    case 'ProposalFinalized':
      return withProposal(state, event.data.proposalId, (p) => ({ ...p, finalized: event.data.outcome }))
    case 'MandateIssued':
      return mandateIssued(state, event.data, at)
    case 'RewardPoolEscrowed':
      return escrowed(state, event.data.mandateId, event.data.amount)
    case 'EscrowPaid':
      return paid(state, event.data)
  }
}
