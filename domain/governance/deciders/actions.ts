/**
 * Executing a proposal's actions: in order, each against the state the ones before it left, and
 * all or none. The governance state's own actions (parameters, treasury, guardian) are decided
 * here; the economy decider adds deployments, mandates, appeals and disputes (domain/economy/actions.ts).
 */
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext, Recorded } from '../../decider.js'
import { domainError, type DomainError } from '../../decider.js'
import type { ActionOf, ProposalAction } from '../actions.js'
import type { CommandOf } from '../commands.js'
import { reject, type GovernanceError } from '../errors.js'
import type { GovernanceEvent } from '../events.js'
import { changeParameter } from '../parameters.js'
import type { GovernanceState, Proposal } from '../state.js'
import { now, toMs, toTimestamp } from '../time.js'

type Result = Either<GovernanceError, readonly GovernanceEvent[]>

/** Decides one action against the state so far; the events it gives are folded before the next. */
export type ActionRule<S, E, Code extends string> = (action: ProposalAction, proposal: Proposal, state: S, ctx: DecisionContext) => Either<DomainError<Code>, readonly E[]>

/**
 * Runs every action in order on a scratch fold (at the decision's time; the sequence is a
 * placeholder above any real one, so nothing in the scratch state is kept). The first refusal
 * refuses the whole execution, naming the action: nothing of it is recorded.
 */
export function runActions<S, E, Code extends string>(
  proposal: Proposal,
  state: S,
  ctx: DecisionContext,
  rule: ActionRule<S, E, Code>,
  evolve: (state: S, recorded: Recorded<E>) => S,
): Either<DomainError<Code>, readonly E[]> {
  const events: E[] = []
  let scratch = state
  for (const [index, action] of proposal.actions.entries()) {
    const decided = rule(action, proposal, scratch, ctx)
    if (isLeft(decided)) {
      const { code, message, details } = decided.left
      return left(domainError(code, `action ${index + 1} (${action.kind}) fails, so none executes: ${message}`, { ...details, action: index + 1 }))
    }
    for (const event of decided.right) scratch = evolve(scratch, { event, sequence: Number.MAX_SAFE_INTEGER, recordedAt: ctx.recordedAt })
    events.push(...decided.right)
  }
  return right(events)
}

function changeParameterAction(action: ActionOf<'change-parameter'>, proposal: Proposal, state: GovernanceState): Result {
  const params = state.genesis?.params
  if (params === undefined) return reject('no-genesis', 'the ledger has no genesis yet')
  const change = changeParameter(params, action.name, action.value)
  if (!change.ok) return reject(change.code, change.message, { name: action.name })
  return right([{ type: 'ParameterChanged', data: { proposalId: proposal.id, name: action.name, from: change.from, to: change.to } }])
}

function treasuryShort(state: GovernanceState, amount: bigint): GovernanceError | undefined {
  if (state.treasury >= amount) return undefined
  return domainError('treasury-insufficient', `the treasury holds ${state.treasury} free base units, the action needs ${amount}`, { treasury: state.treasury.toString() })
}

/** The actions the governance state alone decides; any other kind is the economy's (undefined here). */
export function governanceAction(action: ProposalAction, proposal: Proposal, state: GovernanceState, ctx: DecisionContext): Result | undefined {
  switch (action.kind) {
    case 'change-parameter':
      return changeParameterAction(action, proposal, state)
    case 'transfer-treasury': {
      const short = treasuryShort(state, action.amount)
      if (short !== undefined) return left(short)
      return right([{ type: 'TreasuryTransferred', data: { proposalId: proposal.id, to: action.to, amount: action.amount, memo: action.memo } }])
    }
    case 'grant-treasury': {
      const short = treasuryShort(state, action.amount)
      if (short !== undefined) return left(short)
      if (toMs(action.vestsAt) < now(ctx)) return reject('bad-vesting', 'a grant vests at or after its execution', { vestsAt: action.vestsAt })
      const grantId = state.nextTreasuryGrantId
      return right([{ type: 'TreasuryGranted', data: { proposalId: proposal.id, grantId, to: action.to, amount: action.amount, vestsAt: action.vestsAt, memo: action.memo } }])
    }
    case 'set-guardian':
      return right([{ type: 'GuardianSet', data: { proposalId: proposal.id, guardian: action.guardian } }])
    default:
      return undefined
  }
}

/** The governance vertical on its own executes only its own actions; the economy vertical runs them all. */
export function governanceOnlyAction(action: ProposalAction, proposal: Proposal, state: GovernanceState, ctx: DecisionContext): Result {
  return governanceAction(action, proposal, state, ctx) ?? reject('action-needs-economy', `a ${action.kind} action is executed by the economy vertical`, { kind: action.kind })
}

/** By the recipient, from the grant's vesting time on: the OPEN set aside becomes theirs. */
export function claimGrant(command: CommandOf<'ClaimTreasuryGrant'>, state: GovernanceState, ctx: DecisionContext): Result {
  const grant = state.treasuryGrants.get(command.payload.grantId)
  if (grant === undefined) return reject('unknown-treasury-grant', 'no such unclaimed treasury grant', { grantId: command.payload.grantId })
  if (grant.to !== command.actor) return reject('not-grant-recipient', 'only the grant’s recipient claims it')
  if (now(ctx) < grant.vestsAt) return reject('grant-not-vested', `the grant vests at ${toTimestamp(grant.vestsAt)}`, { vestsAt: toTimestamp(grant.vestsAt) })
  return right([{ type: 'TreasuryGrantClaimed', data: { grantId: grant.id, to: grant.to, amount: grant.amount } }])
}
