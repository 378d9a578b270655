/**
 * Splitting usage fees. The charged total of a batch is split by the genesis weights into four
 * shares (contributors, validators, proposer, treasury) by largest remainder; the contributors'
 * share by the served job's attribution over its dataset version, the validators' share by the
 * verdicts that agreed with each member's outcome, each again by largest remainder. A share with
 * nobody to pay goes to the treasury. So the payouts and the treasury sum to the charged total to
 * the base unit, whatever the numbers.
 */
import type { EconomicsParams } from '../economy/params.js'
import type { EconomyState } from '../economy/state.js'
import { jsonHash } from '../economy/hash.js'
import { largestRemainder, sumOf } from '../rewards/split.js'
import { versionKey } from '../training/state.js'
import type { Deployment } from './state.js'
import { servedNow } from './state.js'
import { FEE_SHARES, type FeePayout, type FeeShare, type ShareTotals } from './values.js'

export interface FeeRecipients {
  /** Contributor account → weight (summed attribution of their live contributions). */
  readonly contributors: ReadonlyMap<string, bigint>
  /** Validator account → verdicts that agreed with the outcome. */
  readonly validators: ReadonlyMap<string, bigint>
  readonly proposer: string | null
}

export interface FeeSplit {
  readonly shares: ShareTotals
  readonly payouts: readonly FeePayout[]
}

const add = (m: Map<string, bigint>, k: string, v: bigint): void => {
  m.set(k, (m.get(k) ?? 0n) + v)
}

/**
 * Who a deployment's fees pay, from the state: the members of the served job's dataset version.
 * A revoked contribution earns nothing from then on: its consent is withdrawn.
 */
export function feeRecipients(state: EconomyState, deployment: Deployment): FeeRecipients {
  const served = servedNow(deployment)
  const job = state.training.jobs.get(served.jobId)
  const mandate = state.governance.mandates.get(deployment.mandateId)
  const proposer = mandate === undefined ? null : (state.governance.proposals.get(mandate.proposalId)?.proposer ?? null)
  const contributors = new Map<string, bigint>()
  const validators = new Map<string, bigint>()
  if (job === undefined) return { contributors, validators, proposer }
  const members = state.training.versions.get(versionKey(job.mandateId, job.datasetVersion))?.contributions ?? []
  for (const id of members) {
    const c = state.data.contributions.get(id)
    if (c === undefined) continue
    if (!c.revoked) add(contributors, c.contributor, job.attribution === null ? 1n : BigInt(job.attribution.get(id) ?? 0))
    const agreeing = c.outcome === 'accepted' ? 'accept' : c.outcome === 'rejected' ? 'reject' : c.outcome === 'spam' ? 'spam' : null
    for (const [validator, verdict] of c.verdicts) if (verdict.decision === agreeing) add(validators, validator, 1n)
  }
  return { contributors, validators, proposer }
}

export function splitFees(charged: bigint, weights: EconomicsParams['feeSplit'], to: FeeRecipients): FeeSplit {
  const parts = largestRemainder(charged, new Map(FEE_SHARES.map((s) => [s, BigInt(weights[s])] as const)))
  const share = (s: FeeShare): bigint => parts.get(s) ?? 0n
  const contributors = largestRemainder(share('contributors'), to.contributors)
  const validators = largestRemainder(share('validators'), to.validators)
  const proposer = to.proposer === null ? new Map<string, bigint>() : largestRemainder(share('proposer'), new Map([[to.proposer, 1n]]))
  const payouts: FeePayout[] = []
  for (const [name, map] of [['contributors', contributors], ['validators', validators], ['proposer', proposer]] as const) {
    for (const [account, amount] of [...map].sort(([a], [b]) => (a < b ? -1 : 1))) payouts.push({ account, share: name, amount })
  }
  const paid = { contributors: sumOf(contributors.values()), validators: sumOf(validators.values()), proposer: sumOf(proposer.values()) }
  const treasury = charged - paid.contributors - paid.validators - paid.proposer
  return { shares: { ...paid, treasury }, payouts }
}

/** A receipt's charged amount and its per-answer attribution (contribution id → weight), if it has one. */
export interface ChargedReceipt {
  readonly requestId: string
  readonly charged: bigint
  readonly attribution?: readonly { readonly contribution: string; readonly weight: number }[]
}

/**
 * What each receipt of a batch was charged: each consumer's charged total over that consumer's
 * receipts, in proportion to their fees, by largest remainder (so it is exact to the base unit).
 */
export function chargedPerReceipt(receipts: readonly { readonly requestId: string; readonly fee: bigint; readonly consumer: string }[], charged: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const byConsumer = new Map<string, Map<string, bigint>>()
  for (const r of receipts) {
    const m = byConsumer.get(r.consumer) ?? new Map<string, bigint>()
    m.set(r.requestId, r.fee)
    byConsumer.set(r.consumer, m)
  }
  const out = new Map<string, bigint>()
  for (const [consumer, fees] of byConsumer) for (const [id, amount] of largestRemainder(charged.get(consumer) ?? 0n, fees)) out.set(id, amount)
  return out
}

/**
 * Contributor weights of one attributed answer: each named contribution's weight to its
 * contributor, skipping revoked contributions (their consent is withdrawn: their part goes to the
 * treasury, as a share with nobody to pay does).
 */
export function answerContributors(state: EconomyState, attribution: NonNullable<ChargedReceipt['attribution']>): Map<string, bigint> {
  const out = new Map<string, bigint>()
  for (const { contribution, weight } of attribution) {
    const c = state.data.contributions.get(contribution)
    if (c !== undefined && !c.revoked) add(out, c.contributor, BigInt(weight))
  }
  return out
}

/**
 * The split of a batch. Receipts without per-answer attribution are pooled and split as one total
 * by the job-level recipients (exactly `splitFees(total)`, so a batch without attribution splits as
 * it always did); each attributed receipt's charged amount is split on its own, its contributors'
 * share by the contributions its answer drew on. Every part sums exactly, so the whole does.
 */
export function splitUsage(receipts: readonly ChargedReceipt[], weights: EconomicsParams['feeSplit'], to: FeeRecipients, contributorsOf: (a: NonNullable<ChargedReceipt['attribution']>) => ReadonlyMap<string, bigint>): FeeSplit {
  const pooled = receipts.filter((r) => r.attribution === undefined).reduce((sum, r) => sum + r.charged, 0n)
  const attributed = receipts.filter((r) => r.attribution !== undefined)
  if (attributed.length === 0) return splitFees(pooled, weights, to)
  const parts = [splitFees(pooled, weights, to), ...attributed.map((r) => splitFees(r.charged, weights, { ...to, contributors: contributorsOf(r.attribution ?? []) }))]
  const shares = { contributors: 0n, validators: 0n, proposer: 0n, treasury: 0n }
  const paid = new Map<FeeShare, Map<string, bigint>>()
  for (const part of parts) {
    for (const s of FEE_SHARES) shares[s] += part.shares[s]
    for (const p of part.payouts) {
      const m = paid.get(p.share) ?? new Map<string, bigint>()
      add(m, p.account, p.amount)
      paid.set(p.share, m)
    }
  }
  const payouts: FeePayout[] = []
  for (const name of ['contributors', 'validators', 'proposer'] as const) {
    for (const [account, amount] of [...(paid.get(name) ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) payouts.push({ account, share: name, amount })
  }
  return { shares, payouts }
}

/** SHA-256 of the canonical JSON of the shares and payouts, amounts as decimal strings. */
export function splitHash(split: FeeSplit): string {
  return jsonHash({
    shares: Object.fromEntries(FEE_SHARES.map((s) => [s, split.shares[s].toString()])),
    payouts: split.payouts.map((p) => ({ account: p.account, share: p.share, amount: p.amount.toString() })),
  })
}
