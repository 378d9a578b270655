/**
 * What the deployment rules remember: deployments with their history of served checkpoints,
 * grants with the terms their consumers accepted and what they used, request ids within the
 * receipt window, and scheduled escrow withdrawals. The consumers' usage
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

/** The terms a consumer signed (GrantAccepted): the only terms a receipt is charged under. */
export interface Acceptance {
  readonly pricing: Pricing
  readonly quotaTokens: number
  /** The acceptance's time (ms): no receipt dated before it is chargeable. */
  readonly validFrom: number
  readonly expiresAt: number
  /** The most the grant may ever bill, in base units. */
  readonly spendCap: bigint
  /** The sequence of GrantAccepted. */
  readonly sequence: number
}

export interface Grant {
  readonly id: string
  readonly consumer: string
  readonly keyHash: string
  /** The offer (AccessGranted): an acceptance may take less, never more. */
  readonly quotaTokens: number
  readonly expiresAt: number
  readonly usedTokens: number
  /** Σ fees of the grant's recorded receipts: what counts against the spending cap. */
  readonly billed: bigint
  /** When it was revoked (ms), or null while it stands: usage dated from then on is not chargeable. */
  readonly revokedAt: number | null
  /** Null until the consumer accepts: an unaccepted grant opens nothing and is charged nothing. */
  readonly accepted: Acceptance | null
}

/** A withdrawal the consumer asked for, taking effect at `dueAt` (ms). */
export interface PendingWithdrawal {
  readonly amount: bigint
  readonly dueAt: number
}

export interface Deployment {
  readonly id: string
  readonly mandateId: string
  readonly deployer: string
  readonly operator: string
  readonly endpoint: string
  readonly pricing: Pricing
  /** `suspended` by governance (issue 17): nothing is served or granted until resumed; usage already served is still recorded. */
  readonly status: 'active' | 'suspended' | 'retired'
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
  /** Consumer → its scheduled usage escrow withdrawal: at most one at a time. */
  readonly withdrawals: ReadonlyMap<string, PendingWithdrawal>
}

export const initialDeploymentState: DeploymentState = { deployments: new Map(), keyHashes: new Map(), withdrawals: new Map() }

export function servedNow(d: Deployment): Served {
  return d.history[d.history.length - 1] as Served
}
