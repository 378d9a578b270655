/**
 * Who may call: the bearer key's SHA-256 must be the key hash of an AccessGranted event of a
 * deployment this gateway operates; the consumer must have accepted the grant (only its accepted
 * terms count: prices, quota, expiry, spending cap); the grant must be neither revoked nor
 * expired, its quota not used up (counting usage written ahead but not yet in the ledger); the
 * grant's cap and the consumer's usage escrow, less any scheduled withdrawal, must cover at least
 * the input; and the checkpoint served must not be past a retrain deadline (consent withdrawn from
 * its training data). So the gateway serves only what the ledger will charge. Each failure is its
 * own problem type.
 */
import { createHash } from 'node:crypto'
import type { Acceptance, Deployment, Grant, Served } from '../../domain/deployment/state.js'
import { servedNow } from '../../domain/deployment/state.js'
import { feeOf } from '../../domain/deployment/values.js'
import type { EconomyState } from '../../domain/economy/state.js'
import { consentOf, type DeploymentConsent } from '../../domain/consent/view.js'
import { HttpProblem } from '../http/problem.js'
import type { Meter } from './meter.js'

export interface Access {
  readonly deployment: Deployment
  readonly grant: Grant
  /** The terms the consumer accepted: what every receipt of this grant is priced and bounded by. */
  readonly terms: Acceptance
  readonly served: Served
  /** Tokens the grant has left, after recorded and pending usage. */
  readonly remaining: number
  /** Whether the checkpoint served was trained on withdrawn data (docs/gateway.md, X-Model-Ledger-Consent). */
  readonly consent: DeploymentConsent
}

export const keyHashOf = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex')

export function bearerKey(header: string | undefined): string {
  const match = /^Bearer\s+(\S{16,512})$/i.exec(header ?? '')
  if (match === null) throw new HttpProblem('unauthorized', 'send the API key as Authorization: Bearer <key>')
  return match[1] as string
}

/** The deployment and grant a key opens, checked for use now; `model`, when given, must be that deployment. */
export function authorize(state: EconomyState, operator: string, key: string, model: string | undefined, meter: Meter, now: number): Access {
  const bound = state.deployment.keyHashes.get(keyHashOf(key))
  const deployment = bound === undefined ? undefined : state.deployment.deployments.get(bound.deploymentId)
  const grant = bound === undefined ? undefined : deployment?.grants.get(bound.grantId)
  if (bound === undefined || deployment === undefined || grant === undefined) throw new HttpProblem('unauthorized', 'the API key opens no access grant')
  if (deployment.operator !== operator) throw new HttpProblem('not-found', `deployment ${deployment.id} is not served by this gateway`)
  if (model !== undefined && model !== deployment.id) throw new HttpProblem('not-found', `the key opens model ${deployment.id}, not ${model}`)
  if (deployment.status === 'retired') throw new HttpProblem('deployment-retired', `deployment ${deployment.id} is retired`)
  if (deployment.status === 'suspended') throw new HttpProblem('deployment-suspended', `deployment ${deployment.id} is suspended by governance`)
  // Past the retrain deadline the ledger refuses this checkpoint's usage: serving it would be unpaid and against consent.
  const consent = consentOf(state, deployment.id, now) as DeploymentConsent
  if (consent.status === 'deadline-passed' || consent.suspended) {
    throw new HttpProblem('consent-withdrawn', `deployment ${deployment.id} serves checkpoint ${consent.checkpoint}, trained on ${consent.contributions.length} withdrawn contribution(s); its retrain deadline ${consent.retrainBy ?? ''} has passed`, {
      code: 'consent-withdrawn',
      details: { retrainBy: consent.retrainBy, contributions: consent.contributions.length },
    })
  }
  if (grant.revokedAt !== null) throw new HttpProblem('access-revoked', `grant ${grant.id} was revoked`, { code: 'access-revoked' })
  const terms = grant.accepted
  if (terms === null) throw new HttpProblem('grant-not-accepted', `grant ${grant.id} is not accepted yet: its consumer accepts it with AcceptGrant`, { code: 'grant-not-accepted' })
  if (now >= terms.expiresAt) throw new HttpProblem('access-expired', `grant ${grant.id} expired at ${new Date(terms.expiresAt).toISOString()}`, { code: 'access-expired' })
  const remaining = terms.quotaTokens - grant.usedTokens - meter.pendingTokens(grant.id)
  if (remaining <= 0) throw new HttpProblem('quota-exhausted', `grant ${grant.id} has used its ${terms.quotaTokens} tokens`, { code: 'quota-exhausted' })
  return { deployment, grant, terms, served: servedNow(deployment), remaining, consent }
}

const nonNegative = (n: bigint): string => (n < 0n ? 0n : n).toString()

/**
 * Refuses a request the grant's quota, its spending cap or the consumer's escrow cannot cover. A
 * scheduled withdrawal is money on its way out: it is not available, though the ledger still
 * charges it until the withdrawal completes.
 */
export function admit(state: EconomyState, access: Access, inputTokens: number, meter: Meter): { readonly maxOutput: number } {
  if (inputTokens >= access.remaining) {
    throw new HttpProblem('quota-exhausted', `the input alone (${inputTokens} tokens) needs more than the ${access.remaining} tokens the grant has left`, { code: 'quota-exhausted' })
  }
  const { grant, terms } = access
  const least = feeOf(terms.pricing, inputTokens, 1)
  const capLeft = terms.spendCap - grant.billed - meter.pendingGrantFees(grant.id)
  if (capLeft < least) {
    throw new HttpProblem('spend-cap-exhausted', `the grant’s spending cap has ${nonNegative(capLeft)} base units left; this request costs at least ${least}`, {
      code: 'spend-cap-exhausted',
      details: { available: nonNegative(capLeft), least: least.toString() },
    })
  }
  const withdrawing = state.deployment.withdrawals.get(grant.consumer)?.amount ?? 0n
  const available = (state.governance.usageEscrow.get(grant.consumer) ?? 0n) - withdrawing - meter.pendingFees(grant.consumer)
  if (available < least) {
    throw new HttpProblem('escrow-exhausted', `the usage escrow has ${nonNegative(available)} base units available (${withdrawing} being withdrawn); this request costs at least ${least}`, {
      code: 'escrow-exhausted',
      details: { available: nonNegative(available), least: least.toString(), withdrawing: withdrawing.toString() },
    })
  }
  return { maxOutput: affordableOutput(terms.pricing.inputPer1k, terms.pricing.outputPer1k, inputTokens, capLeft) }
}

/** The most output tokens whose fee, with the input's, stays within `cap`: ceil((in·a + out·b) / 1000) ≤ cap ⟺ out ≤ (1000·cap − in·a) / b. */
function affordableOutput(inputPer1k: bigint, outputPer1k: bigint, inputTokens: number, cap: bigint): number {
  if (outputPer1k === 0n) return Number.MAX_SAFE_INTEGER
  const out = (1000n * cap - BigInt(inputTokens) * inputPer1k) / outputPer1k
  return out > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(out)
}
