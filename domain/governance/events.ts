/**
 * The governance event catalogue. Each event is `{ type, data }`, exactly the envelope's `type`
 * and `data`; the codecs are the single source of truth for both the JSON and the static types.
 */
import { eventCodec as variant } from '../codec.js'
import * as t from 'io-ts'
import { closed, Hex32, integer, JsonValueC, pattern, Timestamp } from '../codec.js'
import { ActionsC, ParameterNameC } from './actions.js'
import { AmountC, PositiveAmountC } from './amounts.js'
import { GenesisParamsC } from './params.js'
import {
  DisplayNameC,
  KeyC,
  ProposalIdC,
  ProposalSpecC,
  RubricC,
  StakePurposeC,
  SupportC,
  TallyC,
  LabelC,
  TextC,
} from './values.js'

const StakeIdC = integer('stake id', 1)
const NullableKeyC = t.union([KeyC, t.null])

export const GenesisEstablishedC = variant('GenesisEstablished', {
  params: GenesisParamsC,
  ledgerKey: KeyC,
  treasuryKey: KeyC,
  treasury: AmountC,
  allocations: t.array(closed({ account: KeyC, amount: PositiveAmountC }, 'Allocation')),
})
export const IdentityRegisteredC = variant('IdentityRegistered', { key: KeyC, displayName: DisplayNameC })
/** A transfer is two events, one in each account's stream, so each account's history is complete. */
export const OpenSentC = variant('OpenSent', { from: KeyC, to: KeyC, amount: PositiveAmountC })
export const OpenReceivedC = variant('OpenReceived', { from: KeyC, to: KeyC, amount: PositiveAmountC })
export const OpenWrappedC = variant('OpenWrapped', { account: KeyC, amount: PositiveAmountC })
export const GopenUnwrappedC = variant('GopenUnwrapped', { account: KeyC, amount: PositiveAmountC })
export const VotesDelegatedC = variant('VotesDelegated', { account: KeyC, from: NullableKeyC, to: NullableKeyC })
export const StakeLockedC = variant('StakeLocked', {
  account: KeyC,
  stakeId: StakeIdC,
  purpose: StakePurposeC,
  amount: PositiveAmountC,
  proposalId: t.union([ProposalIdC, t.null]),
})
export const UnbondRequestedC = variant('UnbondRequested', { account: KeyC, stakeId: StakeIdC, releasableAt: Timestamp })
export const StakeReleasedC = variant('StakeReleased', { account: KeyC, stakeId: StakeIdC, amount: PositiveAmountC })
const ProposalVetoEvidenceC = closed({ kind: t.literal('proposal-veto'), proposalId: ProposalIdC, tally: TallyC }, 'ProposalVetoEvidence')
/**
 * A slash by another vertical's rule (spam bond, RLHF deviation...): the rule's name, what it was
 * about (a contribution or round id) and the ledger sequences of the events that justify it.
 */
const RuleEvidenceC = closed(
  {
    kind: t.literal('rule'),
    rule: pattern('rule name', /^[a-z][a-z0-9-]{0,63}$/),
    subject: Hex32,
    sequences: t.array(integer('sequence', 1)),
  },
  'RuleEvidence',
)
export const StakeSlashedC = variant('StakeSlashed', {
  account: KeyC,
  stakeId: StakeIdC,
  amount: PositiveAmountC,
  evidence: t.union([ProposalVetoEvidenceC, RuleEvidenceC], 'SlashEvidence'),
})
export const ModelProposedC = variant('ModelProposed', {
  proposalId: ProposalIdC,
  proposer: KeyC,
  stakeId: StakeIdC,
  stake: PositiveAmountC,
  spec: ProposalSpecC,
})
/** An executable proposal (issue 17): its actions run when it passes and its timelock ends. */
export const ActionsProposedC = variant('ActionsProposed', {
  proposalId: ProposalIdC,
  proposer: KeyC,
  stakeId: StakeIdC,
  stake: PositiveAmountC,
  title: LabelC,
  description: TextC,
  actions: ActionsC,
  minBacking: AmountC,
})
export const ProposalCanceledC = variant('ProposalCanceled', { proposalId: ProposalIdC })
/** The guardian's cancel: any time before execution, with the reason on the record. */
export const ProposalCanceledByGuardianC = variant('ProposalCanceledByGuardian', { proposalId: ProposalIdC, guardian: KeyC, reason: TextC })
/** The optional reason a voter gave (CastVoteWithReason), right after its VoteCast. */
export const VoteReasonGivenC = variant('VoteReasonGiven', { proposalId: ProposalIdC, voter: KeyC, reason: TextC })
/** A vote brought the proposal to quorum late: voting now ends at `votingEndsAt`. */
export const VotingExtendedC = variant('VotingExtended', { proposalId: ProposalIdC, votingEndsAt: Timestamp })
/** Someone staked behind a proposal: released or slashed with the proposer's stake, pro rata. */
export const ProposalBackedC = variant('ProposalBacked', { proposalId: ProposalIdC, backer: KeyC, stakeId: StakeIdC, amount: PositiveAmountC })
/** One parameter changed by an executed proposal, in force from this event's sequence on. */
export const ParameterChangedC = variant('ParameterChanged', { proposalId: ProposalIdC, name: ParameterNameC, from: JsonValueC, to: JsonValueC })
export const TreasuryTransferredC = variant('TreasuryTransferred', { proposalId: ProposalIdC, to: KeyC, amount: PositiveAmountC, memo: LabelC })
export const TreasuryGrantedC = variant('TreasuryGranted', {
  proposalId: ProposalIdC,
  grantId: integer('treasury grant id', 1),
  to: KeyC,
  amount: PositiveAmountC,
  vestsAt: Timestamp,
  memo: LabelC,
})
export const TreasuryGrantClaimedC = variant('TreasuryGrantClaimed', { grantId: integer('treasury grant id', 1), to: KeyC, amount: PositiveAmountC })
export const GuardianSetC = variant('GuardianSet', { proposalId: ProposalIdC, guardian: t.union([KeyC, t.null]) })
/** A mandate's terms replaced by an executed proposal; the escrow follows the pool (RewardPoolEscrowed or RewardPoolReturned). */
export const MandateAmendedC = variant('MandateAmended', {
  proposalId: ProposalIdC,
  mandateId: ProposalIdC,
  rubric: RubricC,
  datasetRequirements: t.array(TextC),
  rewardPool: AmountC,
})
export const RewardPoolReturnedC = variant('RewardPoolReturned', { mandateId: ProposalIdC, amount: PositiveAmountC })
export const VoteCastC = variant('VoteCast', { proposalId: ProposalIdC, voter: KeyC, support: SupportC, weight: PositiveAmountC })
export const ProposalQueuedC = variant('ProposalQueued', { proposalId: ProposalIdC, eta: Timestamp, tally: TallyC })
export const ProposalExecutedC = variant('ProposalExecuted', { proposalId: ProposalIdC })
export const ProposalFinalizedC = variant('ProposalFinalized', {
  proposalId: ProposalIdC,
  outcome: t.keyof({ defeated: null, vetoed: null, expired: null }),
  tally: TallyC,
})
export const MandateIssuedC = variant('MandateIssued', {
  mandateId: ProposalIdC,
  proposalId: ProposalIdC,
  title: LabelC,
  datasetRequirements: t.array(TextC),
  rubric: RubricC,
  rewardPool: AmountC,
  integrationTargets: t.array(LabelC),
})
export const RewardPoolEscrowedC = variant('RewardPoolEscrowed', { mandateId: ProposalIdC, amount: AmountC })
/** A payout from a mandate's escrow to an account (a reward epoch, domain/rewards): escrow down, OPEN up. */
export const EscrowPaidC = variant('EscrowPaid', { mandateId: ProposalIdC, account: KeyC, amount: PositiveAmountC })

export const GovernanceEventC = t.union(
  [
    GenesisEstablishedC,
    IdentityRegisteredC,
    OpenSentC,
    OpenReceivedC,
    OpenWrappedC,
    GopenUnwrappedC,
    VotesDelegatedC,
    StakeLockedC,
    UnbondRequestedC,
    StakeReleasedC,
    StakeSlashedC,
    ModelProposedC,
    ActionsProposedC,
    ProposalCanceledC,
    ProposalCanceledByGuardianC,
    VoteReasonGivenC,
    VotingExtendedC,
    ProposalBackedC,
    ParameterChangedC,
    TreasuryTransferredC,
    TreasuryGrantedC,
    TreasuryGrantClaimedC,
    GuardianSetC,
    MandateAmendedC,
    RewardPoolReturnedC,
    VoteCastC,
    ProposalQueuedC,
    ProposalExecutedC,
    ProposalFinalizedC,
    MandateIssuedC,
    RewardPoolEscrowedC,
    EscrowPaidC,
  ],
  'GovernanceEvent',
)
export type GovernanceEvent = t.TypeOf<typeof GovernanceEventC>
export type GovernanceEventType = GovernanceEvent['type']
export type EventOf<T extends GovernanceEventType> = Extract<GovernanceEvent, { type: T }>

/** Every governance event type, so a reader can tell this vertical's envelopes from others'. */
export const GOVERNANCE_EVENT_TYPES: ReadonlySet<string> = new Set(GovernanceEventC.types.map((codec) => codec.name))
