/**
 * Slashing by rule: every slash names its rule, what it was about and the sequences that justify
 * it, goes to the treasury (governance's StakeSlashed), and is refused a second time for the same
 * evidence.
 */
import { isRight, right, type Either } from 'fp-ts/lib/Either.js'
import { slashStake } from '../governance/deciders/staking.js'
import type { EventOf } from '../governance/events.js'
import { refuse, type EconomyError } from './errors.js'
import { evidenceKey, type EconomyState } from './state.js'

export type SlashRule =
  | 'spam-contribution'
  | 'rlhf-deviation'
  | 'rlhf-no-reveal'
  | 'training-contradicted'
  | 'attestation-minority'
  // issue 17: an upheld usage dispute takes the refund from the operator; a rejected appeal or dispute loses its bond
  | 'usage-dispute'
  | 'appeal-rejected'
  | 'dispute-rejected'

export interface SlashOrder {
  readonly account: string
  /** The stakes to draw from, in order, until the amount is taken. */
  readonly stakeIds: readonly number[]
  readonly amount: bigint
  /** When the offense happened: a stake unbonding since before then is not slashable (governance rule). */
  readonly offenseAt: number
  readonly rule: SlashRule
  readonly subject: string
  readonly sequences: readonly number[]
}

export function slash(state: EconomyState, order: SlashOrder): Either<EconomyError, EventOf<'StakeSlashed'>[]> {
  const { account, rule, subject } = order
  if (state.slashed.has(evidenceKey(rule, subject, account))) {
    return refuse('already-slashed', 'this evidence was already slashed for', { rule, subject, account })
  }
  const evidence = { kind: 'rule' as const, rule, subject, sequences: [...order.sequences] }
  const events: EventOf<'StakeSlashed'>[] = []
  let remaining = order.amount
  for (const stakeId of order.stakeIds) {
    if (remaining <= 0n) break
    const taken = slashStake(state.governance, account, stakeId, remaining, order.offenseAt, evidence)
    // A stake that is no longer slashable (released, or unbonding since before the offense) is skipped.
    if (!isRight(taken)) continue
    events.push(taken.right)
    remaining -= taken.right.data.amount
  }
  return right(events)
}
