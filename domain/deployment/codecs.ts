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
/** By the deployer or the operator: a consumer's key (its SHA-256), a token quota and an expiry. */
export const GrantAccessC = command('GrantAccess', { deploymentId: DeploymentIdC, consumer: KeyC, keyHash: Hex32, quotaTokens: QuotaC, expiresAt: Timestamp })
export const RevokeAccessC = command('RevokeAccess', { deploymentId: DeploymentIdC, grantId: GrantIdC, reason: LabelC })
/** By the consumer: OPEN into (or back out of) the escrow that usage is charged to. */
export const DepositUsageEscrowC = command('DepositUsageEscrow', { amount: PositiveAmountC })
export const WithdrawUsageEscrowC = command('WithdrawUsageEscrow', { amount: PositiveAmountC })
/** By the deployment's operator (its gateway): a batch of receipts. */
export const RecordUsageC = command('RecordUsage', { deploymentId: DeploymentIdC, receipts: ReceiptsC })
export const RetireDeploymentC = command('RetireDeployment', { deploymentId: DeploymentIdC, reason: LabelC })
export const RollbackDeploymentC = command('RollbackDeployment', { deploymentId: DeploymentIdC, jobId: JobIdC, checkpoint: Hex32, reason: LabelC })

export const DEPLOYMENT_COMMAND_CODECS = [
  DeployModelC,
  GrantAccessC,
  RevokeAccessC,
  DepositUsageEscrowC,
  WithdrawUsageEscrowC,
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
export const AccessRevokedC = event('AccessRevoked', { deploymentId: DeploymentIdC, grantId: GrantIdC, reason: LabelC })
export const UsageEscrowDepositedC = event('UsageEscrowDeposited', { account: KeyC, amount: PositiveAmountC })
export const UsageEscrowWithdrawnC = event('UsageEscrowWithdrawn', { account: KeyC, amount: PositiveAmountC })
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
export const DeploymentRolledBackC = event('DeploymentRolledBack', { deploymentId: DeploymentIdC, from: ServedC, to: ServedC, reason: LabelC })

export const DEPLOYMENT_EVENT_CODECS = [
  ModelDeployedC,
  AccessGrantedC,
  AccessRevokedC,
  UsageEscrowDepositedC,
  UsageEscrowWithdrawnC,
  UsageRecordedC,
  UsageChargedC,
  DeploymentRetiredC,
  DeploymentRolledBackC,
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
    case 'UsageEscrowWithdrawn':
      return usageEscrowStream(e.data.account)
    case 'UsageCharged':
      return usageEscrowStream(e.data.consumer)
    default:
      return deploymentStream(e.data.deploymentId)
  }
}
