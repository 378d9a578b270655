/**
 * The governance commands: what an actor may ask for. A command arrives as the `type` and
 * `payload` of a signed command (domain/ledger/command.ts); the actor is the key that signed it.
 */
import { commandCodec as variant } from '../codec.js'
import * as t from 'io-ts'
import { closed, integer } from '../codec.js'
import { ActionsC } from './actions.js'
import { AmountC, PositiveAmountC } from './amounts.js'
import { GenesisParamsC } from './params.js'
import { DisplayNameC, KeyC, LabelC, LockablePurposeC, ProposalIdC, ProposalSpecC, SupportC, TextC } from './values.js'

const StakeIdC = integer('stake id', 1)
const proposalRef = { proposalId: ProposalIdC }

/** Starts the ledger; signed by the ledger key, accepted once. */
export const EstablishGenesisC = variant('EstablishGenesis', {
  params: GenesisParamsC,
  treasuryKey: KeyC,
  treasury: AmountC,
  allocations: t.array(closed({ account: KeyC, amount: PositiveAmountC }, 'Allocation')),
})
export const RegisterIdentityC = variant('RegisterIdentity', { displayName: DisplayNameC })
export const TransferOpenC = variant('TransferOpen', { to: KeyC, amount: PositiveAmountC })
export const WrapOpenC = variant('WrapOpen', { amount: PositiveAmountC })
export const UnwrapGopenC = variant('UnwrapGopen', { amount: PositiveAmountC })
/** `to: null` withdraws the delegation, so the actor's gOPEN counts for no one. */
export const DelegateVotesC = variant('DelegateVotes', { to: t.union([KeyC, t.null]) })
export const LockStakeC = variant('LockStake', { purpose: LockablePurposeC, amount: PositiveAmountC })
export const RequestUnbondC = variant('RequestUnbond', { stakeId: StakeIdC })
export const ReleaseStakeC = variant('ReleaseStake', { stakeId: StakeIdC })
export const ProposeModelC = variant('ProposeModel', { spec: ProposalSpecC, stake: PositiveAmountC })
/** An executable proposal: actions that run in order, all or none, when it passes and its timelock ends. `minBacking`: the backing it needs to pass. */
export const ProposeActionsC = variant('ProposeActions', { title: LabelC, description: TextC, actions: ActionsC, stake: PositiveAmountC, minBacking: AmountC })
export const CancelProposalC = variant('CancelProposal', proposalRef)
/** By the guardian (set by governance): cancels any proposal not yet executed, releasing its stakes. */
export const CancelProposalAsGuardianC = variant('CancelProposalAsGuardian', { ...proposalRef, reason: TextC })
export const CastVoteC = variant('CastVote', { ...proposalRef, support: SupportC })
export const CastVoteWithReasonC = variant('CastVoteWithReason', { ...proposalRef, support: SupportC, reason: TextC })
/** Stakes OPEN behind someone else's proposal while it is pending or active. */
export const BackProposalC = variant('BackProposal', { ...proposalRef, amount: PositiveAmountC })
/** By the grant's recipient, once it has vested. */
export const ClaimTreasuryGrantC = variant('ClaimTreasuryGrant', { grantId: integer('treasury grant id', 1) })
export const QueueProposalC = variant('QueueProposal', proposalRef)
export const ExecuteProposalC = variant('ExecuteProposal', proposalRef)
/** Settles the stake of a proposal that was defeated or expired; anyone may send it. */
export const FinalizeProposalC = variant('FinalizeProposal', proposalRef)

export const GovernanceRequestC = t.union(
  [
    EstablishGenesisC,
    RegisterIdentityC,
    TransferOpenC,
    WrapOpenC,
    UnwrapGopenC,
    DelegateVotesC,
    LockStakeC,
    RequestUnbondC,
    ReleaseStakeC,
    ProposeModelC,
    ProposeActionsC,
    CancelProposalC,
    CancelProposalAsGuardianC,
    CastVoteC,
    CastVoteWithReasonC,
    BackProposalC,
    ClaimTreasuryGrantC,
    QueueProposalC,
    ExecuteProposalC,
    FinalizeProposalC,
  ],
  'GovernanceCommand',
)
export type GovernanceRequest = t.TypeOf<typeof GovernanceRequestC>

/** A decoded command together with the key that signed it. */
export type GovernanceCommand = GovernanceRequest & { readonly actor: string }
export type GovernanceCommandType = GovernanceCommand['type']
export type CommandOf<T extends GovernanceCommandType> = Extract<GovernanceCommand, { type: T }>

export const GOVERNANCE_COMMAND_TYPES: ReadonlySet<string> = new Set(GovernanceRequestC.types.map((codec) => codec.name))
