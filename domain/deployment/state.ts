/**
 * What the deployment rules remember: deployments with their history of served checkpoints,
 * grants with the tokens they used, and every request id already charged. The consumers' usage
 * escrow is money, so it lives in the governance state beside every other balance.
 */
import type { Pricing } from './values.js'

export interface Served {
  readonly jobId: string
  readonly checkpoint: string
  readonly evaluationSequence: number
  /** The sequence of the event that put it in service (ModelDeployed or DeploymentRolledBack), and its time (ms). */
  readonly since: number
  readonly sinceAt: number
}

export interface Grant {
  readonly id: string
  readonly consumer: string
  readonly keyHash: string
  readonly quotaTokens: number
  readonly usedTokens: number
  readonly expiresAt: number
  readonly revoked: boolean
}

export interface Deployment {
  readonly id: string
  readonly mandateId: string
  readonly deployer: string
  readonly operator: string
  readonly endpoint: string
  readonly pricing: Pricing
  readonly status: 'active' | 'retired'
  /** Every checkpoint served, oldest first; the last is the one served now. */
  readonly history: readonly Served[]
  readonly grants: ReadonlyMap<string, Grant>
  /**
   * Request ids recorded within the receipt window, with their receipt's time (ms), in the order
   * recorded: the same receipt twice is charged once. Older ids are forgotten, and receipts older
   * than the window are refused, so the memory is bounded by the window, not by all usage ever.
   */
  readonly requests: ReadonlyMap<string, number>
}

export interface DeploymentState {
  readonly deployments: ReadonlyMap<string, Deployment>
  /** Key hash → its grant: a key opens one grant of one deployment only. */
  readonly keyHashes: ReadonlyMap<string, { readonly deploymentId: string; readonly grantId: string }>
}

export const initialDeploymentState: DeploymentState = { deployments: new Map(), keyHashes: new Map() }

export function servedNow(d: Deployment): Served {
  return d.history[d.history.length - 1] as Served
}
