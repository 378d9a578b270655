/** The trust event: what one finalized contribution or closed round did to its validators' trust. */
import * as t from 'io-ts'
import { closed, eventCodec as event, integer, pattern } from '../codec.js'
import { KeyC } from '../governance/values.js'
import { contributionStream } from '../datanets/ids.js'
import { roundStream } from '../alignment/codecs.js'

const TrustC = integer('trust (millionths)', 0, 1_000_000)

export const TrustUpdateC = closed({ validator: KeyC, agreement: TrustC, before: TrustC, after: TrustC }, 'TrustUpdate')
export type TrustUpdate = t.TypeOf<typeof TrustUpdateC>

/**
 * `basis` says what was observed: `verdicts` (subject: a contribution id, agreement: all or
 * nothing with its outcome) or `ratings` (subject: a round id, agreement: how close to consensus).
 * One update per validator observed, in key order.
 */
export const ValidatorTrustUpdatedC = event('ValidatorTrustUpdated', {
  basis: t.keyof({ verdicts: null, ratings: null }, 'TrustBasis'),
  subject: pattern('subject (64 hex)', /^[0-9a-f]{64}$/),
  updates: t.array(TrustUpdateC),
})
export type TrustEvent = t.TypeOf<typeof ValidatorTrustUpdatedC>

export const TRUST_EVENT_CODECS = [ValidatorTrustUpdatedC] as const

/** On the stream of what was observed: the contribution's, or the round's. */
export function trustStreamOf(e: TrustEvent): string {
  return e.data.basis === 'verdicts' ? contributionStream(e.data.subject) : roundStream(e.data.subject)
}
