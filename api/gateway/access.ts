/**
 * Who may call: the bearer key's SHA-256 must be the key hash of an AccessGranted event of a
 * deployment this gateway operates; the grant must be neither revoked nor expired, its quota not
 * used up (counting usage written ahead but not yet in the ledger), and the consumer's usage
 * escrow must cover at least the input. Each failure is its own problem type.
 */
import { createHash } from 'node:crypto'
import type { Deployment, Grant, Served } from '../../domain/deployment/state.js'
import { servedNow } from '../../domain/deployment/state.js'
import { feeOf } from '../../domain/deployment/values.js'
import type { EconomyState } from '../../domain/economy/state.js'
import { HttpProblem } from '../http/problem.js'
import type { Meter } from './meter.js'

export interface Access {
  readonly deployment: Deployment
  readonly grant: Grant
  readonly served: Served
  /** Tokens the grant has left, after recorded and pending usage. */
  readonly remaining: number
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
  if (grant.revoked) throw new HttpProblem('access-revoked', `grant ${grant.id} was revoked`, { code: 'access-revoked' })
  if (now >= grant.expiresAt) throw new HttpProblem('access-expired', `grant ${grant.id} expired at ${new Date(grant.expiresAt).toISOString()}`, { code: 'access-expired' })
  const remaining = grant.quotaTokens - grant.usedTokens - meter.pendingTokens(grant.id)
  if (remaining <= 0) throw new HttpProblem('quota-exhausted', `grant ${grant.id} has used its ${grant.quotaTokens} tokens`, { code: 'quota-exhausted' })
  return { deployment, grant, served: servedNow(deployment), remaining }
}

/** Refuses a request the grant's quota or the consumer's escrow cannot cover. */
export function admit(state: EconomyState, access: Access, inputTokens: number, meter: Meter): void {
  if (inputTokens >= access.remaining) {
    throw new HttpProblem('quota-exhausted', `the input alone (${inputTokens} tokens) needs more than the ${access.remaining} tokens the grant has left`, { code: 'quota-exhausted' })
  }
  const consumer = access.grant.consumer
  const available = (state.governance.usageEscrow.get(consumer) ?? 0n) - meter.pendingFees(consumer)
  const least = feeOf(access.deployment.pricing, inputTokens, 1)
  if (available < least) {
    throw new HttpProblem('escrow-exhausted', `the usage escrow holds ${available < 0n ? 0n : available} base units; this request costs at least ${least}`, {
      code: 'escrow-exhausted',
      details: { available: (available < 0n ? 0n : available).toString(), least: least.toString() },
    })
  }
}
