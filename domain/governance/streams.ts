/**
 * Where each event is written. A stream is the consistency boundary the command handler checks
 * with an expected version, so an event goes to the stream whose state its decision relied on:
 * balance changes to the account, votes and outcomes to the proposal, escrow to the treasury.
 */
import type { GovernanceEvent } from './events.js'

export const GENESIS_STREAM = 'governance-genesis'
export const TREASURY_STREAM = 'treasury'
/** Parameter changes and the guardian: what governance sets for every rule. */
export const PARAMETERS_STREAM = 'governance-parameters'

export const accountStream = (key: string): string => `account-${key}`
export const identityStream = (key: string): string => `identity-${key}`
export const proposalStream = (id: string): string => `proposal-${id}`
export const mandateStream = (id: string): string => `mandate-${id}`

export function streamOf(event: GovernanceEvent): string {
  switch (event.type) {
    case 'GenesisEstablished':
      return GENESIS_STREAM
    case 'IdentityRegistered':
      return identityStream(event.data.key)
    case 'OpenSent':
      return accountStream(event.data.from)
    case 'OpenReceived':
      return accountStream(event.data.to)
    case 'OpenWrapped':
    case 'GopenUnwrapped':
    case 'VotesDelegated':
    case 'StakeLocked':
    case 'UnbondRequested':
    case 'StakeReleased':
    case 'StakeSlashed':
      return accountStream(event.data.account)
    case 'ModelProposed':
    case 'ActionsProposed':
    case 'ProposalCanceled':
    case 'ProposalCanceledByGuardian':
    case 'VoteReasonGiven':
    case 'VotingExtended':
    case 'ProposalBacked':
    case 'VoteCast':
    case 'ProposalQueued':
    case 'ProposalExecuted':
    case 'ProposalFinalized':
      return proposalStream(event.data.proposalId)
    case 'MandateIssued':
    case 'MandateAmended':
    case 'EscrowPaid':
      return mandateStream(event.data.mandateId)
    case 'RewardPoolEscrowed':
    case 'RewardPoolReturned':
    case 'TreasuryTransferred':
    case 'TreasuryGranted':
    case 'TreasuryGrantClaimed':
      return TREASURY_STREAM
    case 'ParameterChanged':
    case 'GuardianSet':
      return PARAMETERS_STREAM
  }
}
