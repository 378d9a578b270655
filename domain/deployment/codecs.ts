/**
 * Deployment commands and events: deploy a passed checkpoint, grant and revoke access, the
 * consumer's usage escrow, metered usage with its fee split, retire and roll back.
 */
import * as t from 'io-ts'
import { closed, commandCodec as command, eventCodec as event, Hex32, integer, Timestamp } from '../codec.js'
import { PositiveAmountC, AmountC } from '../governance/amounts.js'
import { KeyC, LabelC, ProposalIdC } from '../governance/values.js'
import { JobIdC } from '../training/values.js'
import {
  ChargeC,
  DeploymentIdC,
  EndpointC,
  FeePayoutC,
  GrantIdC,
  PricedReceiptC,
  PricingC,
  ReceiptsC,
  RequestIdC,
  ShareTotalsC,
} from './values.js'

const QuotaC = integer('token quota', 1, Number.MAX_SAFE_INTEGER)

/** By the mandate's proposer or an operator: serve a checkpoint whose evaluation passed the rubric. */
export const DeployModelC = command('DeployModel', { jobId: JobIdC, checkpoint: Hex32, operator: KeyC, endpoint: EndpointC, pricing: PricingC })
/** By the deployer or the operator: an offer of access to a consumer's key (its SHA-256), up to a token quota and an expiry. Nothing is chargeable until the consumer accepts. */
export const GrantAccessC = command('GrantAccess', { deploymentId: DeploymentIdC, consumer: KeyC, keyHash: Hex32, quotaTokens: QuotaC, expiresAt: Timestamp })
/**
 * By the grant's consumer: the terms it agrees to pay under. The prices must be the deployment's
 * at acceptance; the quota and expiry at most the offer's; the spending cap is what the grant may
 * ever draw from the consumer's escrow.
 */
export const AcceptGrantC = command('AcceptGrant', { deploymentId: DeploymentIdC, grantId: GrantIdC, pricing: PricingC, quotaTokens: QuotaC, expiresAt: Timestamp, spendCap: PositiveAmountC })
/** By the deployer, the proposer, the operator or the grant's consumer. */
export const RevokeAccessC = command('RevokeAccess', { deploymentId: DeploymentIdC, grantId: GrantIdC, reason: LabelC })
/** By the deployer or the proposer: prices for grants accepted from now on; accepted grants keep theirs. */
export const ChangePricingC = command('ChangePricing', { deploymentId: DeploymentIdC, pricing: PricingC })
/** By the consumer: OPEN into the escrow that usage is charged to, at once. */
export const DepositUsageEscrowC = command('DepositUsageEscrow', { amount: PositiveAmountC })
/** By the consumer: schedules a withdrawal, which takes effect after the notice period (`usageWithdrawalNoticeMs`). */
export const WithdrawUsageEscrowC = command('WithdrawUsageEscrow', { amount: PositiveAmountC })
/** By anyone once the notice period has passed: the scheduled withdrawal of `account` takes effect. */
export const CompleteUsageEscrowWithdrawalC = command('CompleteUsageEscrowWithdrawal', { account: KeyC })
/** By the deployment's operator (its gateway): a batch of receipts. */
export const RecordUsageC = command('RecordUsage', { deploymentId: DeploymentIdC, receipts: ReceiptsC })
export const RetireDeploymentC = command('RetireDeployment', { deploymentId: DeploymentIdC, reason: LabelC })
export const RollbackDeploymentC = command('RollbackDeployment', { deploymentId: DeploymentIdC, jobId: JobIdC, checkpoint: Hex32, reason: LabelC })

export const DEPLOYMENT_COMMAND_CODECS = [
  DeployModelC,
  GrantAccessC,
  AcceptGrantC,
  RevokeAccessC,
  ChangePricingC,
  DepositUsageEscrowC,
  WithdrawUsageEscrowC,
  CompleteUsageEscrowWithdrawalC,
  RecordUsageC,
  RetireDeploymentC,
  RollbackDeploymentC,
] as const
export type DeploymentRequest = t.TypeOf<(typeof DEPLOYMENT_COMMAND_CODECS)[number]>
export type DeploymentCommand = DeploymentRequest & { readonly actor: string }

/** The checkpoint served and the evaluation that let it be: its event's sequence and the rubric's value. */
const ServedC = closed({ jobId: JobIdC, checkpoint: Hex32, evaluationSequence: integer('sequence', 1) }, 'ServedCheckpoint')

export const ModelDeployedC = event('ModelDeployed', {
  deploymentId: DeploymentIdC,
  mandateId: ProposalIdC,
  deployer: KeyC,
  operator: KeyC,
  endpoint: EndpointC,
  pricing: PricingC,
  jobId: JobIdC,
  checkpoint: Hex32,
  evaluationSequence: integer('sequence', 1),
})
export const AccessGrantedC = event('AccessGranted', {
  deploymentId: DeploymentIdC,
  grantId: GrantIdC,
  consumer: KeyC,
  keyHash: Hex32,
  quotaTokens: QuotaC,
  expiresAt: Timestamp,
})
/** The consumer's consent: the grant is chargeable from `validFrom` (the acceptance's time) until `expiresAt`, at `pricing`, up to the quota and the cap. */
export const GrantAcceptedC = event('GrantAccepted', {
  deploymentId: DeploymentIdC,
  grantId: GrantIdC,
  consumer: KeyC,
  pricing: PricingC,
  quotaTokens: QuotaC,
  validFrom: Timestamp,
  expiresAt: Timestamp,
  spendCap: PositiveAmountC,
})
export const AccessRevokedC = event('AccessRevoked', { deploymentId: DeploymentIdC, grantId: GrantIdC, reason: LabelC })
export const PricingChangedC = event('PricingChanged', { deploymentId: DeploymentIdC, pricing: PricingC })
export const UsageEscrowDepositedC = event('UsageEscrowDeposited', { account: KeyC, amount: PositiveAmountC })
/** A withdrawal asked for: no money moves until `dueAt`; receipts keep being charged to the escrow meanwhile. */
export const UsageEscrowWithdrawalScheduledC = event('UsageEscrowWithdrawalScheduled', { account: KeyC, amount: PositiveAmountC, dueAt: Timestamp })
/** The scheduled withdrawal taking effect: `amount` is what was asked for, or what is left when charges took some meanwhile. */
export const UsageEscrowWithdrawnC = event('UsageEscrowWithdrawn', { account: KeyC, requested: PositiveAmountC, amount: AmountC })
/**
 * One batch of usage: the receipts with their fees, what each consumer owed and was charged (less
 * when the escrow ran short), the charged total split into the four shares, and who got what.
 * Receipts already recorded are listed by id and charged nothing.
 */
export const UsageRecordedC = event('UsageRecorded', {
  deploymentId: DeploymentIdC,
  mandateId: ProposalIdC,
  checkpoint: Hex32,
  receipts: t.array(PricedReceiptC),
  duplicates: t.array(RequestIdC),
  charges: t.array(ChargeC),
  charged: AmountC,
  shares: ShareTotalsC,
  payouts: t.array(FeePayoutC),
  splitHash: Hex32,
})
/** A consumer's escrow charged for a batch, in the consumer's escrow stream: the debit side of UsageRecorded. */
export const UsageChargedC = event('UsageCharged', { deploymentId: DeploymentIdC, consumer: KeyC, amount: PositiveAmountC })
export const DeploymentRetiredC = event('DeploymentRetired', { deploymentId: DeploymentIdC, reason: LabelC })
/** By an executed proposal (issue 17): the deployment serves nothing and grants nothing until resumed. */
export const DeploymentSuspendedC = event('DeploymentSuspended', { deploymentId: DeploymentIdC, reason: LabelC })
export const DeploymentResumedC = event('DeploymentResumed', { deploymentId: DeploymentIdC, reason: LabelC })
export const DeploymentRolledBackC = event('DeploymentRolledBack', { deploymentId: DeploymentIdC, from: ServedC, to: ServedC, reason: LabelC })

export const DEPLOYMENT_EVENT_CODECS = [
  ModelDeployedC,
  AccessGrantedC,
  GrantAcceptedC,
  AccessRevokedC,
  PricingChangedC,
  UsageEscrowDepositedC,
  UsageEscrowWithdrawalScheduledC,
  UsageEscrowWithdrawnC,
  UsageRecordedC,
  UsageChargedC,
  DeploymentRetiredC,
  DeploymentRolledBackC,
  DeploymentSuspendedC,
  DeploymentResumedC,
] as const
export type DeploymentEvent = t.TypeOf<(typeof DEPLOYMENT_EVENT_CODECS)[number]>
export type DeploymentEventOf<T extends DeploymentEvent['type']> = Extract<DeploymentEvent, { type: T }>

export const DEPLOYMENT_EVENT_TYPES: ReadonlySet<string> = new Set(DEPLOYMENT_EVENT_CODECS.map((c) => c.name))
export const isDeploymentEvent = (e: { readonly type: string }): e is DeploymentEvent => DEPLOYMENT_EVENT_TYPES.has(e.type)

export const deploymentStream = (id: string): string => `deployment-${id}`
export const usageEscrowStream = (account: string): string => `usage-escrow-${account}`

export function deploymentStreamOf(e: DeploymentEvent): string {
  switch (e.type) {
    case 'UsageEscrowDeposited':
    case 'UsageEscrowWithdrawalScheduled':
    case 'UsageEscrowWithdrawn':
      return usageEscrowStream(e.data.account)
    case 'UsageCharged':
      return usageEscrowStream(e.data.consumer)
    default:
      return deploymentStream(e.data.deploymentId)
  }
}
