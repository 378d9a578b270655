/**
 * Validator trust as integers: a trust is a number of millionths in [0, 1,000,000], and one
 * observation moves it part of the way toward the observed agreement (an exponential moving
 * average). The arithmetic is on bigint and truncates toward zero, so the step never overshoots
 * and every machine computes the same trust.
 */
import type { Ratio } from '../governance/params.js'

/** Full trust, and full agreement: one million millionths. */
export const TRUST_SCALE = 1_000_000

export interface TrustRates {
  /** The rate when the observed agreement is at or above the trust. */
  readonly gain: Ratio
  /** The rate when it is below: at least `gain`, so trust is lost faster than it is built. */
  readonly loss: Ratio
}

/** trust + rate × (observed − trust), the rate chosen by the direction, truncated toward zero. */
export function nextTrust(trust: number, observed: number, rates: TrustRates): number {
  const rate = observed >= trust ? rates.gain : rates.loss
  const step = (BigInt(observed - trust) * BigInt(rate.numerator)) / BigInt(rate.denominator)
  return trust + Number(step)
}

/**
 * A validator's weight: its stake × its trust (base units × millionths). No division, so a stake
 * split over several keys of equal trust weighs exactly what it weighed whole.
 */
export function trustWeight(stake: bigint, trust: number): bigint {
  return stake * BigInt(trust)
}
