/**
 * The economy decider: governance's commands go to governance's decider on the governance part of
 * the state, unchanged; datanet, alignment and reward commands to theirs, which read the whole
 * state (balances, stakes, mandates) and record money movements as governance events.
 */
import { left, type Either } from 'fp-ts/lib/Either.js'
import { decideAlignment } from '../alignment/decide.js'
import type { AlignmentCommand } from '../alignment/codecs.js'
import type { Decider, DecisionContext } from '../decider.js'
import { decideDatanet } from '../datanets/decide.js'
import { decideValidation } from '../datanets/validation.js'
import type { GovernanceCommand } from '../governance/commands.js'
import { GOVERNANCE_COMMAND_TYPES } from '../governance/commands.js'
import { governanceDecider } from '../governance/decider.js'
import { outsideWindow } from '../governance/command-window.js'
import { unregistered } from '../governance/guards.js'
import { decideRewards } from '../rewards/decide.js'
import { TRAINING_COMMAND_CODECS, type TrainingCommand } from '../training/codecs.js'
import { decideTraining } from '../training/decide.js'
import { DEPLOYMENT_COMMAND_CODECS, type DeploymentCommand } from '../deployment/codecs.js'
import { decideDeployment } from '../deployment/decide.js'
import { APPEAL_COMMAND_CODECS, type AppealCommand } from '../appeals/codecs.js'
import { decideAppeals } from '../appeals/decide.js'
import { executeInEconomy } from './actions.js'
import { CONSENT_COMMAND_CODECS, type ConsentCommand } from '../consent/codecs.js'
import { decideConsent } from '../consent/decide.js'
import { refuse, type EconomyError, type EconomyErrorCode } from './errors.js'
import { evolveEconomy } from './evolve.js'
import type { EconomyCommand, EconomyEvent, EconomyOwnCommand } from './events.js'
import { initialEconomyState, type EconomyState } from './state.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>

const TRAINING_COMMANDS: ReadonlySet<string> = new Set(TRAINING_COMMAND_CODECS.map((c) => c.name))
const isTrainingCommand = (c: EconomyOwnCommand): c is TrainingCommand => TRAINING_COMMANDS.has(c.type)
const DEPLOYMENT_COMMANDS: ReadonlySet<string> = new Set(DEPLOYMENT_COMMAND_CODECS.map((c) => c.name))
const isDeploymentCommand = (c: EconomyOwnCommand): c is DeploymentCommand => DEPLOYMENT_COMMANDS.has(c.type)
const APPEAL_COMMANDS: ReadonlySet<string> = new Set(APPEAL_COMMAND_CODECS.map((c) => c.name))
const isAppealCommand = (c: EconomyOwnCommand): c is AppealCommand => APPEAL_COMMANDS.has(c.type)
const CONSENT_COMMANDS: ReadonlySet<string> = new Set(CONSENT_COMMAND_CODECS.map((c) => c.name))
const isConsentCommand = (c: EconomyOwnCommand): c is ConsentCommand => CONSENT_COMMANDS.has(c.type)
const isGovernanceCommand = (c: EconomyCommand): c is GovernanceCommand => GOVERNANCE_COMMAND_TYPES.has(c.type)

// Finalizing, closing and paying move things along once time allows: anyone may ask.
const PERMISSIONLESS: ReadonlySet<string> = new Set(['FinalizeContribution', 'CloseFeedbackRound', 'CloseRewardEpoch', 'SealDatasetVersion', 'CompleteUsageEscrowWithdrawal', 'SettleEvaluation', 'SuspendForConsent'])

function decideOwn(command: EconomyOwnCommand, state: EconomyState, ctx: DecisionContext): Result {
  const genesis = state.governance.genesis
  if (genesis === null) return refuse('no-genesis', 'the ledger has no genesis yet')
  const outside = outsideWindow(genesis.params.commandWindow, ctx)
  if (outside !== undefined) return left(outside)
  const params = genesis.params.economics
  const notRegistered = PERMISSIONLESS.has(command.type) ? undefined : unregistered(state.governance, command.actor)
  if (notRegistered !== undefined) return left(notRegistered)
  if (isTrainingCommand(command)) return decideTraining(command, state, params, ctx)
  if (isDeploymentCommand(command)) return decideDeployment(command, state, params, ctx)
  if (isAppealCommand(command)) return decideAppeals(command, state, genesis.params, ctx)
  if (isConsentCommand(command)) return decideConsent(command, state, ctx)
  switch (command.type) {
    case 'OpenDatanet':
    case 'SubmitContribution':
    case 'RevokeContribution':
    case 'SealDatasetVersion':
      return decideDatanet(command, state, params, ctx)
    case 'CastVerdict':
    case 'FinalizeContribution':
      return decideValidation(command, state, params, ctx)
    case 'CloseRewardEpoch':
      return decideRewards(command, state, params, ctx)
    default:
      return decideAlignment(command as AlignmentCommand, state, params, ctx)
  }
}

export const economyDecider: Decider<EconomyCommand, EconomyEvent, EconomyState, EconomyErrorCode> = {
  initialState: initialEconomyState,
  evolve: evolveEconomy,
  decide(command, state, ctx) {
    // Execution needs the whole state: a proposal's actions may reach deployments, mandates' reserved escrow, appeals and disputes.
    if (command.type === 'ExecuteProposal') return executeInEconomy(command, state, ctx)
    if (isGovernanceCommand(command)) return governanceDecider.decide(command, state.governance, ctx)
    return decideOwn(command, state, ctx)
  },
}
