/**
 * Usage and fee splits per deployment, and each consumer's usage escrow.
 *
 *   deployment:<id>                    { deploymentId, mandateId, pricing, batches, requests, duplicates, inputTokens, outputTokens,
 *                                        fees, charged, unpaid, shares { contributors, validators, proposer, treasury }, updatedAt, updatedSequence }
 *   recipient:<deploymentId>:<account> { deploymentId, account, contributors, validators, proposer, total, payouts, updatedSequence }
 *   grant:<deploymentId>:<grantId>     { deploymentId, grantId, consumer, keyHash, quotaTokens, usedTokens, requests, fees, expiresAt,
 *                                        accepted: null | { pricing, quotaTokens, validFrom, expiresAt, spendCap, sequence },
 *                                        revoked, revokedReason, revokedAt, grantedSequence, updatedSequence }
 *   escrow:<account>                   { account, balance, deposited, withdrawn, charged, withdrawing, withdrawableAt, updatedSequence }
 *   batch:<deploymentId>:<sequence>    { deploymentId, sequence, recordedAt, checkpoint, receipts, duplicates, inputTokens, outputTokens,
 *                                        fees, charges: [{ consumer, fee, charged }], charged, shares, payouts: [{ account, share, amount }], splitHash }
 *
 * A grant's `quotaTokens` and `expiresAt` are the offer; `accepted` holds the terms its consumer
 * signed (null until then: nothing is chargeable), and `fees` counts against `accepted.spendCap`.
 * An escrow's `withdrawing` is a scheduled withdrawal (still in `balance`, still charged) that
 * takes effect at `withdrawableAt`. `fees` is what the receipts cost at the grants' accepted
 * prices, `charged` what the consumers' escrow covered, `unpaid` the shortfall. The charged total is split to the base unit: per
 * deployment, the recipients' totals plus the treasury share equal `charged`.
 */
import * as t from 'io-ts'
import { Hex32, Timestamp } from '../../domain/codec.js'
import { FeeShareC, PricingC, ShareTotalsC, type ShareTotals } from '../../domain/deployment/values.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { AmountC } from '../../domain/governance/amounts.js'
import { KeyC, LabelC, ProposalIdC } from '../../domain/governance/values.js'
import { applyWith, type ChangeSet } from '../changes.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection } from '../projection.js'
import { nullable, rowCodec, seqKey } from '../row-codec.js'

export const DeploymentUsageRowC = t.type({
  kind: t.literal('deployment'), deploymentId: Hex32, mandateId: ProposalIdC, pricing: PricingC, batches: t.number, requests: t.number, duplicates: t.number,
  inputTokens: t.number, outputTokens: t.number, fees: AmountC, charged: AmountC, unpaid: AmountC, shares: ShareTotalsC, updatedAt: Timestamp, updatedSequence: t.number,
}, 'DeploymentUsageRow')
export const RecipientRowC = t.type({
  kind: t.literal('recipient'), deploymentId: Hex32, account: KeyC, contributors: AmountC, validators: AmountC, proposer: AmountC, total: AmountC,
  payouts: t.number, updatedSequence: t.number,
}, 'RecipientRow')
const AcceptanceRowC = t.type({ pricing: PricingC, quotaTokens: t.number, validFrom: Timestamp, expiresAt: Timestamp, spendCap: AmountC, sequence: t.number }, 'AcceptanceRow')
export const GrantRowC = t.type({
  kind: t.literal('grant'), deploymentId: Hex32, grantId: Hex32, consumer: KeyC, keyHash: Hex32, quotaTokens: t.number, usedTokens: t.number, requests: t.number,
  fees: AmountC, expiresAt: Timestamp, accepted: nullable(AcceptanceRowC), revoked: t.boolean, revokedReason: nullable(LabelC), revokedAt: nullable(Timestamp),
  grantedSequence: t.number, updatedSequence: t.number,
}, 'GrantRow')
const EscrowRowC = t.type({
  kind: t.literal('escrow'), account: KeyC, balance: AmountC, deposited: AmountC, withdrawn: AmountC, charged: AmountC, withdrawing: AmountC, withdrawableAt: nullable(Timestamp),
  updatedSequence: t.number,
})
export const BatchRowC = t.type({
  kind: t.literal('batch'), deploymentId: Hex32, sequence: t.number, recordedAt: Timestamp, checkpoint: Hex32, receipts: t.number, duplicates: t.number,
  inputTokens: t.number, outputTokens: t.number, fees: AmountC, charges: t.array(t.type({ consumer: KeyC, fee: AmountC, charged: AmountC })), charged: AmountC,
  shares: ShareTotalsC, payouts: t.array(t.type({ account: KeyC, share: FeeShareC, amount: AmountC })), splitHash: Hex32,
}, 'BatchRow')
export const UsageRowC = t.union([DeploymentUsageRowC, RecipientRowC, GrantRowC, EscrowRowC, BatchRowC])
export type UsageRow = t.TypeOf<typeof UsageRowC>
export type DeploymentUsageRow = t.TypeOf<typeof DeploymentUsageRowC>
export type RecipientRow = t.TypeOf<typeof RecipientRowC>
type GrantRow = t.TypeOf<typeof GrantRowC>
type EscrowRow = t.TypeOf<typeof EscrowRowC>

export const usageKey = (deploymentId: string): string => `deployment:${deploymentId}`
export const recipientPrefix = (deploymentId: string): string => `recipient:${deploymentId}:`
export const grantPrefix = (deploymentId: string): string => `grant:${deploymentId}:`
export const batchPrefix = (deploymentId: string): string => `batch:${deploymentId}:`
export const escrowKey = (account: string): string => `escrow:${account}`

const TYPES = [
  'ModelDeployed',
  'AccessGranted',
  'GrantAccepted',
  'AccessRevoked',
  'PricingChanged',
  'UsageEscrowDeposited',
  'UsageEscrowWithdrawalScheduled',
  'UsageEscrowWithdrawn',
  'UsageRecorded',
  'UsageCharged',
] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>
type Rows = ChangeSet<UsageRow>
type Recorded = EconomyEventOf<'UsageRecorded'>['data']

const NO_SHARES: ShareTotals = { contributors: 0n, validators: 0n, proposer: 0n, treasury: 0n }
const addShares = (a: ShareTotals, b: ShareTotals): ShareTotals => ({
  contributors: a.contributors + b.contributors, validators: a.validators + b.validators, proposer: a.proposer + b.proposer, treasury: a.treasury + b.treasury,
})

/** Reads a row of one kind, changes it and writes it back; nothing when it is missing and there is no `fallback`. */
function edit<K extends UsageRow['kind']>(rows: Rows, key: string, kind: K, change: (row: Extract<UsageRow, { kind: K }>) => UsageRow, fallback?: () => Extract<UsageRow, { kind: K }>): void {
  const row = rows.get(key)
  const current = row?.kind === kind ? (row as Extract<UsageRow, { kind: K }>) : fallback?.()
  if (current !== undefined) rows.set(key, change(current))
}

function escrow(rows: Rows, account: string, sequence: number, change: (e: EscrowRow) => Partial<EscrowRow>): void {
  const empty = (): EscrowRow => ({ kind: 'escrow', account, balance: 0n, deposited: 0n, withdrawn: 0n, charged: 0n, withdrawing: 0n, withdrawableAt: null, updatedSequence: sequence })
  edit(rows, escrowKey(account), 'escrow', (e) => ({ ...e, ...change(e), updatedSequence: sequence }), empty)
}

function totals(receipts: Recorded['receipts']): { inputTokens: number; outputTokens: number; fees: bigint } {
  let inputTokens = 0
  let outputTokens = 0
  let fees = 0n
  for (const r of receipts) {
    inputTokens += r.inputTokens
    outputTokens += r.outputTokens
    fees += r.fee
  }
  return { inputTokens, outputTokens, fees }
}

function grantsUsed(rows: Rows, d: Recorded, sequence: number): void {
  for (const r of d.receipts) {
    const key = `${grantPrefix(d.deploymentId)}${r.grantId}`
    edit(rows, key, 'grant', (g): GrantRow => ({ ...g, usedTokens: g.usedTokens + r.inputTokens + r.outputTokens, requests: g.requests + 1, fees: g.fees + r.fee, updatedSequence: sequence }))
  }
}

function recipientsPaid(rows: Rows, d: Recorded, sequence: number): void {
  for (const p of d.payouts) {
    const empty = (): RecipientRow => ({ kind: 'recipient', deploymentId: d.deploymentId, account: p.account, contributors: 0n, validators: 0n, proposer: 0n, total: 0n, payouts: 0, updatedSequence: sequence })
    edit(
      rows, `${recipientPrefix(d.deploymentId)}${p.account}`, 'recipient',
      // A payout's share is never the treasury (its share is not paid to an account), but the codec allows it: count it in the total only.
      (r) => ({ ...r, ...(p.share === 'treasury' ? {} : { [p.share]: r[p.share] + p.amount }), total: r.total + p.amount, payouts: r.payouts + 1, updatedSequence: sequence }),
      empty,
    )
  }
}

function usageRecorded(rows: Rows, d: Recorded, envelope: Envelope): void {
  const { sequence, recordedAt } = envelope
  const sum = totals(d.receipts)
  const unpaid = d.charges.reduce((acc, c) => acc + (c.fee - c.charged), 0n)
  edit(rows, usageKey(d.deploymentId), 'deployment', (u) => ({
    ...u, batches: u.batches + 1, requests: u.requests + d.receipts.length, duplicates: u.duplicates + d.duplicates.length, inputTokens: u.inputTokens + sum.inputTokens,
    outputTokens: u.outputTokens + sum.outputTokens, fees: u.fees + sum.fees, charged: u.charged + d.charged, unpaid: u.unpaid + unpaid, shares: addShares(u.shares, d.shares),
    updatedAt: recordedAt, updatedSequence: sequence,
  }))
  rows.set(`${batchPrefix(d.deploymentId)}${seqKey(sequence)}`, {
    kind: 'batch', deploymentId: d.deploymentId, sequence, recordedAt, checkpoint: d.checkpoint, receipts: d.receipts.length, duplicates: d.duplicates.length, ...sum,
    charges: d.charges.map((c) => ({ consumer: c.consumer, fee: c.fee, charged: c.charged })), charged: d.charged, shares: d.shares,
    payouts: d.payouts.map((p) => ({ account: p.account, share: p.share, amount: p.amount })), splitHash: d.splitHash,
  })
  grantsUsed(rows, d, sequence)
  recipientsPaid(rows, d, sequence)
}

function applyEvent(rows: Rows, event: Event, envelope: Envelope): void {
  const { sequence, recordedAt } = envelope
  switch (event.type) {
    case 'ModelDeployed': {
      const d = event.data
      rows.set(usageKey(d.deploymentId), {
        kind: 'deployment', deploymentId: d.deploymentId, mandateId: d.mandateId, pricing: d.pricing, batches: 0, requests: 0, duplicates: 0, inputTokens: 0, outputTokens: 0,
        fees: 0n, charged: 0n, unpaid: 0n, shares: NO_SHARES, updatedAt: recordedAt, updatedSequence: sequence,
      })
      return
    }
    case 'AccessGranted': {
      const d = event.data
      rows.set(`${grantPrefix(d.deploymentId)}${d.grantId}`, {
        kind: 'grant', deploymentId: d.deploymentId, grantId: d.grantId, consumer: d.consumer, keyHash: d.keyHash, quotaTokens: d.quotaTokens, usedTokens: 0, requests: 0,
        fees: 0n, expiresAt: d.expiresAt, accepted: null, revoked: false, revokedReason: null, revokedAt: null, grantedSequence: sequence, updatedSequence: sequence,
      })
      return
    }
    case 'GrantAccepted': {
      const { deploymentId, grantId, pricing, quotaTokens, validFrom, expiresAt, spendCap } = event.data
      return edit(rows, `${grantPrefix(deploymentId)}${grantId}`, 'grant', (g) => ({ ...g, accepted: { pricing, quotaTokens, validFrom, expiresAt, spendCap, sequence }, updatedSequence: sequence }))
    }
    case 'AccessRevoked': {
      const d = event.data
      return edit(rows, `${grantPrefix(d.deploymentId)}${d.grantId}`, 'grant', (g) => ({ ...g, revoked: true, revokedReason: d.reason, revokedAt: recordedAt, updatedSequence: sequence }))
    }
    case 'PricingChanged':
      return edit(rows, usageKey(event.data.deploymentId), 'deployment', (u) => ({ ...u, pricing: event.data.pricing, updatedAt: recordedAt, updatedSequence: sequence }))
    case 'UsageEscrowDeposited':
      return escrow(rows, event.data.account, sequence, (e) => ({ balance: e.balance + event.data.amount, deposited: e.deposited + event.data.amount }))
    case 'UsageEscrowWithdrawalScheduled':
      return escrow(rows, event.data.account, sequence, () => ({ withdrawing: event.data.amount, withdrawableAt: event.data.dueAt }))
    case 'UsageEscrowWithdrawn':
      return escrow(rows, event.data.account, sequence, (e) => ({ balance: e.balance - event.data.amount, withdrawn: e.withdrawn + event.data.amount, withdrawing: 0n, withdrawableAt: null }))
    case 'UsageCharged':
      return escrow(rows, event.data.consumer, sequence, (e) => ({ balance: e.balance - event.data.amount, charged: e.charged + event.data.amount }))
    case 'UsageRecorded':
      return usageRecorded(rows, event.data, envelope)
  }
}

export const usageProjection: Projection<UsageRow, Event> = {
  name: 'usage',
  // 2: grants' accepted terms and revocation time, scheduled escrow withdrawals, pricing changes.
  version: 2,
  filter: economyEvents(TYPES),
  init: [],
  apply: applyWith(applyEvent),
  ...rowCodec('usage', UsageRowC),
}
