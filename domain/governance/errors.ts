/**
 * Every reason the governance vertical refuses a command. The codes are published API: they are
 * documented in docs/governance.md, and a code is never reused for a different reason.
 */
import { left, type Either } from 'fp-ts/lib/Either.js'
import { domainError, type DomainError, type ErrorDetails } from '../decider.js'

export const GOVERNANCE_ERROR_CODES = [
  // the command itself
  'malformed-command',
  'unknown-command',
  'command-expired',
  'command-from-future',
  // genesis
  'no-genesis',
  'genesis-exists',
  'not-ledger-key',
  'invalid-genesis',
  // identities
  'not-registered',
  'already-registered',
  // balances and delegation
  'insufficient-open',
  'insufficient-gopen',
  'self-transfer',
  'unknown-delegate',
  'delegation-unchanged',
  // staking
  'stake-too-small',
  'unknown-stake',
  'not-unbondable',
  'already-unbonding',
  'not-unbonding',
  'cooldown-running',
  'not-slashable',
  // proposals and votes
  'live-proposal-exists',
  'insufficient-voting-power',
  'unknown-proposal',
  'not-proposer',
  'not-pending',
  'not-active',
  'already-voted',
  'no-voting-power',
  'not-succeeded',
  'not-queued',
  'timelock-running',
  'not-finalizable',
  'treasury-insufficient',
  // executable proposals, backing and the guardian (issue 17)
  'bad-parameter-value',
  'parameter-out-of-bounds',
  'invalid-parameters',
  'bad-vesting',
  'action-needs-economy',
  'unknown-treasury-grant',
  'not-grant-recipient',
  'grant-not-vested',
  'not-guardian',
  'not-cancelable',
  'own-proposal',
  'not-backable',
  'already-backed',
] as const

export type GovernanceErrorCode = (typeof GOVERNANCE_ERROR_CODES)[number]
export type GovernanceError = DomainError<GovernanceErrorCode>

/** A refusal, in the Either shape deciders return. */
export function reject<A = never>(code: GovernanceErrorCode, message: string, details: ErrorDetails = {}): Either<GovernanceError, A> {
  return left(domainError(code, message, details))
}
