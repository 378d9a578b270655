/**
 * What counts as agreement, and the event that records it. A verdict agrees when it accepted a
 * contribution that was accepted, or refused (reject or spam) one that was not: the same test the
 * validator pool pays for. A rating agrees by how close it came to consensus: 1 − deviation /
 * tolerance, and 0 beyond tolerance or when it was never revealed. Agreement is measured against
 * the outcome every verdict (or reveal) shaped, the validator's own included: a key cannot be told
 * from another key of the same owner, so splitting a stake over several keys that vote alike must
 * leave each key exactly the trust the whole would have had, and it does.
 */
import type { Judged } from '../alignment/consensus.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomicsParams } from '../economy/params.js'
import type { EconomyState } from '../economy/state.js'
import type { Decision, Outcome } from '../datanets/values.js'
import type { Ratio } from '../governance/params.js'
import { nextTrust, TRUST_SCALE } from './ema.js'
import { trustOf } from './state.js'

export interface Observation {
  readonly validator: string
  /** Millionths in [0, TRUST_SCALE]. */
  readonly agreement: number
}

export function verdictAgreement(decision: Decision, outcome: Exclude<Outcome, 'unjudged'>): number {
  const agreed = outcome === 'accepted' ? decision === 'accept' : decision !== 'accept'
  return agreed ? TRUST_SCALE : 0
}

/** 1 − (deviationSum / samples) / tolerance in millionths, as consensus.ts judges it; 0 when penalized. */
export function ratingAgreement(judged: Judged, samples: number, tolerance: Ratio): number {
  const limit = BigInt(samples) * BigInt(tolerance.numerator)
  if (judged.penalized || limit === 0n) return 0
  const scaled = BigInt(judged.deviationSum) * BigInt(tolerance.denominator)
  return Number((BigInt(TRUST_SCALE) * (limit - scaled)) / limit)
}

/** The ValidatorTrustUpdated event for these observations, or none when nobody was observed. */
export function trustUpdated(state: EconomyState, params: EconomicsParams, basis: 'verdicts' | 'ratings', subject: string, observations: readonly Observation[]): EconomyEvent[] {
  if (observations.length === 0) return []
  const rates = { gain: params.trustGain, loss: params.trustLoss }
  const updates = [...observations]
    .sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0))
    .map(({ validator, agreement }) => {
      const before = trustOf(state, validator)
      return { validator, agreement, before, after: nextTrust(before, agreement, rates) }
    })
  return [{ type: 'ValidatorTrustUpdated', data: { basis, subject, updates } }]
}
