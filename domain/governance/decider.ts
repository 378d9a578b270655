/**
 * The governance decider: the areas' deciders behind one entry point, sharing one state and one
 * evolve, because their rules meet (a proposal locks a stake and needs delegated power).
 */
import { left } from 'fp-ts/lib/Either.js'
import type { Decider } from '../decider.js'
import { outsideWindow } from './command-window.js'
import type { GovernanceCommand } from './commands.js'
import { accountsDecider } from './deciders/accounts.js'
import { genesisDecider } from './deciders/genesis.js'
import { identityDecider } from './deciders/identity.js'
import { proposalsDecider } from './deciders/proposals.js'
import { stakingDecider } from './deciders/staking.js'
import { reject, type GovernanceErrorCode } from './errors.js'
import type { GovernanceEvent } from './events.js'
import { evolve } from './evolve.js'
import { initialState, type GovernanceState } from './state.js'

export const governanceDecider: Decider<GovernanceCommand, GovernanceEvent, GovernanceState, GovernanceErrorCode> = {
  initialState,
  evolve,
  decide(command, state, ctx) {
    // Every command, genesis included, is decided only within the command window: the one in force,
    // or for the genesis itself the one it declares.
    const window = state.genesis?.params.commandWindow ?? (command.type === 'EstablishGenesis' ? command.payload.params.commandWindow : undefined)
    const outside = window === undefined ? undefined : outsideWindow(window, ctx)
    if (outside !== undefined) return left(outside)
    if (command.type === 'EstablishGenesis') return genesisDecider.decide(command, state, ctx)
    if (state.genesis === null) return reject('no-genesis', 'the ledger has no genesis yet')
    switch (command.type) {
      case 'RegisterIdentity':
        return identityDecider.decide(command, state, ctx)
      case 'TransferOpen':
      case 'WrapOpen':
      case 'UnwrapGopen':
      case 'DelegateVotes':
        return accountsDecider.decide(command, state, ctx)
      case 'LockStake':
      case 'RequestUnbond':
      case 'ReleaseStake':
        return stakingDecider.decide(command, state, ctx)
      case 'ProposeModel':
      case 'ProposeActions':
      case 'CancelProposal':
      case 'CancelProposalAsGuardian':
      case 'CastVote':
      case 'CastVoteWithReason':
      case 'BackProposal':
      case 'ClaimTreasuryGrant':
      case 'QueueProposal':
      case 'ExecuteProposal':
      case 'FinalizeProposal':
        return proposalsDecider.decide(command, state, ctx)
    }
  },
}
