/**
 * Executing proposals in the economy: governance's own actions, plus the ones that need the
 * whole state (deployments, mandates with their reserved escrow, appeals and disputes). The
 * economy decider sends every ExecuteProposal here, so a proposal executes the same whichever
 * of its actions it carries.
 */
import { left, right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import type { ActionOf, ProposalAction } from '../governance/actions.js'
import { outsideWindow } from '../governance/command-window.js'
import type { CommandOf } from '../governance/commands.js'
import { governanceAction, runActions } from '../governance/deciders/actions.js'
import { executeProposal } from '../governance/deciders/proposals.js'
import type { Proposal } from '../governance/state.js'
import { unreserved } from '../rewards/pools.js'
import { resolveAppeal, resolveDispute } from '../appeals/resolve.js'
import { refuse, type EconomyError } from './errors.js'
import type { EconomyEvent } from './events.js'
import { evolveEconomy } from './evolve.js'
import type { EconomyState } from './state.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>

function deploymentAction(action: ActionOf<'retire-deployment' | 'suspend-deployment' | 'resume-deployment'>, state: EconomyState): Result {
  const d = state.deployment.deployments.get(action.deploymentId)
  if (d === undefined) return refuse('unknown-deployment', 'no such deployment', { deploymentId: action.deploymentId })
  if (d.status === 'retired') return refuse('deployment-retired', 'the deployment is retired')
  const data = { deploymentId: d.id, reason: action.reason }
  switch (action.kind) {
    case 'retire-deployment':
      return right([{ type: 'DeploymentRetired', data }])
    case 'suspend-deployment':
      if (d.status === 'suspended') return refuse('deployment-suspended', 'the deployment is already suspended')
      return right([{ type: 'DeploymentSuspended', data }])
    case 'resume-deployment':
      if (d.status !== 'suspended') return refuse('deployment-not-suspended', 'only a suspended deployment is resumed')
      return right([{ type: 'DeploymentResumed', data }])
  }
}

/**
 * New terms for a mandate. The escrow follows the pool: a larger pool is escrowed from the
 * treasury, a smaller one returns the difference, but never escrow already promised to open
 * rounds or earned and unpaid (`unreserved`), and never more than is still escrowed.
 */
function amendMandate(action: ActionOf<'amend-mandate'>, proposal: Proposal, state: EconomyState): Result {
  const mandate = state.governance.mandates.get(action.mandateId)
  if (mandate === undefined) return refuse('unknown-mandate', 'no such mandate', { mandateId: action.mandateId })
  const { mandateId, rubric, datasetRequirements, rewardPool } = action
  const amended: EconomyEvent = { type: 'MandateAmended', data: { proposalId: proposal.id, mandateId, rubric, datasetRequirements, rewardPool } }
  const delta = rewardPool - mandate.rewardPool
  if (delta > 0n) {
    if (state.governance.treasury < delta) return refuse('treasury-insufficient', 'the treasury cannot fund the larger pool', { treasury: state.governance.treasury.toString() })
    return right([amended, { type: 'RewardPoolEscrowed', data: { mandateId, amount: delta } }])
  }
  if (delta === 0n) return right([amended])
  const free = unreserved(state, mandateId)
  if (-delta > free) return refuse('pool-below-committed', `the pool can shrink by at most the unpromised escrow, ${free}`, { unreserved: free.toString() })
  return right([amended, { type: 'RewardPoolReturned', data: { mandateId, amount: -delta } }])
}

export function economyAction(action: ProposalAction, proposal: Proposal, state: EconomyState, ctx: DecisionContext): Result {
  const own = governanceAction(action, proposal, state.governance, ctx)
  if (own !== undefined) return own
  switch (action.kind) {
    case 'retire-deployment':
    case 'suspend-deployment':
    case 'resume-deployment':
      return deploymentAction(action, state)
    case 'amend-mandate':
      return amendMandate(action, proposal, state)
    case 'resolve-appeal':
      return resolveAppeal(action, proposal, state)
    case 'resolve-dispute':
      return resolveDispute(action, proposal, state)
    default:
      return refuse('unknown-command', `no rule executes a ${action.kind} action`)
  }
}

/** ExecuteProposal, decided with the whole state: the command window, then governance's execution with the economy's actions. */
export function executeInEconomy(command: CommandOf<'ExecuteProposal'>, state: EconomyState, ctx: DecisionContext): Result {
  const genesis = state.governance.genesis
  if (genesis === null) return refuse('no-genesis', 'the ledger has no genesis yet')
  const outside = outsideWindow(genesis.params.commandWindow, ctx)
  if (outside !== undefined) return left(outside)
  const proposal = state.governance.proposals.get(command.payload.proposalId)
  if (proposal === undefined) return refuse('unknown-proposal', 'no such proposal', { proposalId: command.payload.proposalId })
  return executeProposal(proposal, state.governance, ctx, (p) => runActions(p, state, ctx, economyAction, evolveEconomy))
}
