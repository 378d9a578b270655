/**
 * evolve: the one place state changes. It trusts the events (deciders checked the rules before
 * they were recorded) and never fails; it only updates immutably, so every state a fold passes
 * through stays valid to keep.
 */
import type { Recorded } from '../decider.js'
import type { EventOf, GovernanceEvent } from './events.js'
import { accountOf, powerAt, type Account, type Checkpoint, type GovernanceState, type Proposal, type Stake } from './state.js'
import { toMs } from './time.js'
import { append, edit, emptyList, put, type ReadonlyList } from '../persistent.js'

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
  const liveProposal = next === undefined && account.liveProposal === stake.proposalId ? null : account.liveProposal
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

function genesis(state: GovernanceState, data: EventOf<'GenesisEstablished'>['data']): GovernanceState {
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
  }
}

function delegated(state: GovernanceState, data: EventOf<'VotesDelegated'>['data'], sequence: number): GovernanceState {
  const account = accountOf(state, data.account)
  const moved = shiftPower(shiftPower(state, account.delegate, -account.gopen, sequence), data.to, account.gopen, sequence)
  return withAccount(moved, data.account, (a) => ({ ...a, delegate: data.to }))
}

function wrapped(state: GovernanceState, account: string, delta: bigint, sequence: number): GovernanceState {
  const next = withAccount(state, account, (a) => ({ ...a, open: a.open - delta, gopen: a.gopen + delta }))
  return shiftPower(next, accountOf(state, account).delegate, delta, sequence)
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
    liveProposal: data.proposalId ?? a.liveProposal,
  }))
}

function proposed(state: GovernanceState, data: EventOf<'ModelProposed'>['data'], sequence: number, at: number): GovernanceState {
  const proposal: Proposal = {
    id: data.proposalId,
    proposer: data.proposer,
    spec: data.spec,
    stakeId: data.stakeId,
    stake: data.stake,
    snapshot: sequence,
    createdAt: at,
    ballots: new Map(),
    canceled: false,
    queuedAt: null,
    eta: null,
    executed: false,
    finalized: null,
  }
  return { ...state, proposals: put(state.proposals, data.proposalId, proposal) }
}

function mandateIssued(state: GovernanceState, data: EventOf<'MandateIssued'>['data'], at: number): GovernanceState {
  const mandate = { id: data.mandateId, proposalId: data.proposalId, rewardPool: data.rewardPool, escrowed: 0n, issuedAt: at }
  return { ...state, mandates: put(state.mandates, data.mandateId, mandate) }
}

function escrowed(state: GovernanceState, data: EventOf<'RewardPoolEscrowed'>['data']): GovernanceState {
  const mandate = state.mandates.get(data.mandateId)
  const mandates = mandate === undefined ? state.mandates : put(state.mandates, data.mandateId, { ...mandate, escrowed: mandate.escrowed + data.amount })
  return { ...state, treasury: state.treasury - data.amount, escrowed: state.escrowed + data.amount, mandates }
}

function paid(state: GovernanceState, data: EventOf<'EscrowPaid'>['data']): GovernanceState {
  const mandate = state.mandates.get(data.mandateId)
  const mandates = mandate === undefined ? state.mandates : put(state.mandates, data.mandateId, { ...mandate, escrowed: mandate.escrowed - data.amount })
  const credited = withAccount(state, data.account, (a) => ({ ...a, open: a.open + data.amount }))
  return { ...credited, escrowed: state.escrowed - data.amount, mandates }
}

export function evolve(state: GovernanceState, recorded: Recorded<GovernanceEvent>): GovernanceState {
  const { event, sequence } = recorded
  const at = toMs(recorded.recordedAt)
  switch (event.type) {
    case 'GenesisEstablished':
      return genesis(state, event.data)
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
      return proposed(state, event.data, sequence, at)
    case 'ProposalCanceled':
      return withProposal(state, event.data.proposalId, (p) => ({ ...p, canceled: true }))
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
      return escrowed(state, event.data)
    case 'EscrowPaid':
      return paid(state, event.data)
  }
}
