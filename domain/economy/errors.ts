/**
 * Every reason the data, alignment and rewards rules refuse a command, on top of governance's.
 * Published API (docs/economics.md): a code never changes meaning once released.
 */
import { left, type Either } from 'fp-ts/lib/Either.js'
import { domainError, type DomainError, type ErrorDetails } from '../decider.js'
import { GOVERNANCE_ERROR_CODES } from '../governance/errors.js'

export const ECONOMY_ERROR_CODES = [
  // datanets and contributions
  'unknown-mandate',
  'not-mandate-proposer',
  'datanet-exists',
  'unknown-datanet',
  'media-type-not-allowed',
  'licence-not-allowed',
  'item-too-large',
  'daily-limit',
  'duplicate-content',
  // validation
  'not-validator',
  'unknown-contribution',
  'own-contribution',
  'already-judged',
  'validation-closed',
  'validation-running',
  'not-contributor',
  'already-revoked',
  'nothing-to-seal',
  // alignment rounds
  'pool-exceeds-escrow',
  'bad-samples',
  'unknown-round',
  'commit-closed',
  'already-committed',
  'reveal-not-open',
  'not-committed',
  'already-revealed',
  'reveal-mismatch',
  'bad-scores',
  'round-running',
  'round-closed',
  // rewards and slashing
  'epoch-running',
  'already-slashed',
  // training jobs
  'unknown-dataset-version',
  'unknown-job',
  'job-leased',
  'job-finished',
  'not-job-holder',
  'step-regression',
  'bad-checkpoint-root',
  'no-checkpoint',
  'bad-attribution',
  'not-trainer',
  'lease-too-long',
  'progress-limit',
  // evaluation attestations
  'job-not-completed',
  'no-evaluation',
  'own-job',
  'already-attested',
  'bad-attestation',
  'attestation-running',
  'evaluation-settled',
  'checkpoint-not-attested',
  // deployments and usage
  'unknown-checkpoint',
  'checkpoint-not-passed',
  'not-deployer',
  'unknown-deployment',
  'not-deployment-operator',
  'deployment-retired',
  'key-in-use',
  'bad-expiry',
  'unknown-grant',
  'grant-revoked',
  'insufficient-escrow',
  'bad-receipts',
  'usage-already-recorded',
  'not-earlier-checkpoint',
  // consent: operators, acceptance, receipts within the accepted terms, escrow withdrawals
  'operator-not-staked',
  'not-grant-consumer',
  'grant-already-accepted',
  'terms-exceed-offer',
  'price-mismatch',
  'grant-not-accepted',
  'receipt-outside-validity',
  'quota-exceeded',
  'spend-cap-exceeded',
  'withdrawal-pending',
  'no-pending-withdrawal',
  'withdrawal-not-due',
  // executable proposals on deployments and mandates (issue 17)
  'deployment-suspended',
  'deployment-not-suspended',
  'pool-below-committed',
  // appeals and disputes (issue 17)
  'unknown-slash',
  'not-slashed-account',
  'appeal-window-closed',
  'already-appealed',
  'unknown-appeal',
  'appeal-resolved',
  'unknown-usage-batch',
  'not-charged-consumer',
  'dispute-window-closed',
  'already-disputed',
  'bad-dispute-receipts',
  'unknown-dispute',
  'dispute-resolved',
  // consent that reaches models (domain/consent)
  'consent-withdrawn',
  'consent-deadline-passed',
  'consent-deadline-not-reached',
  'deployment-consented',
  'already-suspended',
  'not-later-checkpoint',
] as const

export type EconomyOnlyErrorCode = (typeof ECONOMY_ERROR_CODES)[number]
export type EconomyErrorCode = EconomyOnlyErrorCode | (typeof GOVERNANCE_ERROR_CODES)[number]
export type EconomyError = DomainError<EconomyErrorCode>

export const ALL_ERROR_CODES: readonly EconomyErrorCode[] = [...GOVERNANCE_ERROR_CODES, ...ECONOMY_ERROR_CODES]

export function refuse<A = never>(code: EconomyErrorCode, message: string, details: ErrorDetails = {}): Either<EconomyError, A> {
  return left(domainError(code, message, details))
}
