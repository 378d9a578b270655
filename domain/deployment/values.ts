/** Value codecs of deployments: pricing, endpoints, grants and usage receipts. */
import * as t from 'io-ts'
import { closed, closedWith, Hex32, integer, pattern, Timestamp } from '../codec.js'
import { AmountC } from '../governance/amounts.js'
import { ContributionIdC } from '../datanets/values.js'

export const DeploymentIdC = pattern('deployment id (64 hex)', /^[0-9a-f]{64}$/)
export const GrantIdC = pattern('grant id (64 hex)', /^[0-9a-f]{64}$/)
/** Where the deployment is served: an http(s) URL of printable ASCII. */
export const EndpointC = pattern('endpoint (http or https URL, up to 300 characters)', /^https?:\/\/[\x21-\x7e]{1,292}$/)
/** Prices in OPEN base units per 1,000 tokens, input and output apart, as the usual APIs price them. */
export const PricingC = closed({ inputPer1k: AmountC, outputPer1k: AmountC }, 'Pricing')
export type Pricing = t.TypeOf<typeof PricingC>
/** The gateway's request id: unique per deployment, what makes a receipt count once. */
export const RequestIdC = pattern('request id (1-128 of A-Z a-z 0-9 _ . : -)', /^[A-Za-z0-9_.:-]{1,128}$/)
export const TokensC = integer('tokens', 0, 100_000_000)

/** Most contributions one answer can name. */
export const MAX_ATTRIBUTED = 256
const AttributedC = closed({ contribution: ContributionIdC, weight: integer('attribution weight (answer bytes)', 1, 100_000_000) }, 'AnswerAttribution')
/**
 * Per-answer attribution: the contributions of the served job's dataset version the answer drew
 * on, with weights (the answer bytes each covers by span matching, docs/gateway.md), ids strictly
 * ascending. The receipt's contributors' share is split by these instead of the job's attribution.
 */
export const AttributionC = t.refinement(
  t.array(AttributedC),
  (a) => a.length >= 1 && a.length <= MAX_ATTRIBUTED && a.every((w, i) => i === 0 || (a[i - 1] as { contribution: string }).contribution < w.contribution),
  `attribution (1-${MAX_ATTRIBUTED} contributions, ids strictly ascending)`,
)
export type Attribution = t.TypeOf<typeof AttributionC>

/**
 * The answer a receipt is for: the lower-case hex SHA-256 of the answer's UTF-8 bytes exactly as
 * returned to the client (the bytes a per-answer attribution is computed over). The ledger never
 * sees the answer, so it cannot check it; it binds the receipt to one text, so that an audit of
 * the attribution (`model-ledger audit-answer`) runs on the text served and no other. Optional:
 * receipts recorded before it existed stay valid (docs/gateway.md).
 */
export const AnswerHashC = pattern('answer hash (SHA-256 of the answer, 64 lower-case hex)', /^[0-9a-f]{64}$/)

const receiptRequired = { requestId: RequestIdC, grantId: GrantIdC, inputTokens: TokensC, outputTokens: TokensC, at: Timestamp, fee: AmountC }
const receiptOptional = { attribution: AttributionC, answerHash: AnswerHashC }
/**
 * One request as the operator attests it, with the fee it priced at the grant's accepted pricing:
 * the ledger prices it again and refuses a receipt whose fee differs (`price-mismatch`).
 */
export const ReceiptC = closedWith(receiptRequired, receiptOptional, 'UsageReceipt')
export type Receipt = t.TypeOf<typeof ReceiptC>
export const MAX_RECEIPTS = 1000
export const ReceiptsC = t.refinement(t.array(ReceiptC), (r) => r.length >= 1 && r.length <= MAX_RECEIPTS, `receipts (1-${MAX_RECEIPTS})`)

/** A receipt as recorded: with the fee the grant's accepted pricing gives it. */
export const PricedReceiptC = closedWith(receiptRequired, receiptOptional, 'PricedReceipt')
export type PricedReceipt = t.TypeOf<typeof PricedReceiptC>

export const FeeShareC = t.keyof({ contributors: null, validators: null, proposer: null, treasury: null }, 'FeeShare')
export type FeeShare = t.TypeOf<typeof FeeShareC>
export const FEE_SHARES: readonly FeeShare[] = ['contributors', 'validators', 'proposer', 'treasury']

export const ChargeC = closed({ consumer: Hex32, fee: AmountC, charged: AmountC }, 'UsageCharge')
export const ShareTotalsC = closed({ contributors: AmountC, validators: AmountC, proposer: AmountC, treasury: AmountC }, 'FeeShares')
export type ShareTotals = t.TypeOf<typeof ShareTotalsC>
export const FeePayoutC = closed({ account: Hex32, share: FeeShareC, amount: AmountC }, 'FeePayout')
export type FeePayout = t.TypeOf<typeof FeePayoutC>

/** `ceil((input × inputPer1k + output × outputPer1k) / 1000)`: a request is never free by rounding. */
export function feeOf(pricing: Pricing, inputTokens: number, outputTokens: number): bigint {
  const milli = BigInt(inputTokens) * pricing.inputPer1k + BigInt(outputTokens) * pricing.outputPer1k
  return (milli + 999n) / 1000n
}
