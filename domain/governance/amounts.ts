/**
 * Money: bigint base units in memory, decimal strings in JSON (a JSON number cannot hold 10^18
 * exactly, and a hash must never depend on how a parser rounds).
 */
import * as t from 'io-ts'

/** OPEN and gOPEN have 18 decimals, so one whole token is 10^18 base units. */
export const DECIMALS = 18
export const ONE = 10n ** BigInt(DECIMALS)

/** Whole tokens to base units: `tokens(1000)` is 1,000 OPEN. */
export function tokens(whole: number | bigint): bigint {
  return BigInt(whole) * ONE
}

// At most 78 digits: every 256-bit amount fits, and no JSON text can smuggle in an absurd one.
const DECIMAL = /^(?:0|[1-9][0-9]{0,77})$/

function amountCodec(name: string, min: bigint): t.Type<bigint, string, unknown> {
  return new t.Type<bigint, string, unknown>(
    name,
    (u): u is bigint => typeof u === 'bigint' && u >= min,
    (u, c) => {
      if (typeof u !== 'string' || !DECIMAL.test(u)) return t.failure(u, c, `expected ${name} as a decimal string`)
      const value = BigInt(u)
      return value >= min ? t.success(value) : t.failure(u, c, `expected ${name} >= ${min}`)
    },
    (value) => value.toString(),
  )
}

/** A non-negative amount of base units. */
export const AmountC = amountCodec('amount', 0n)
/** A strictly positive amount: what a command may move. */
export const PositiveAmountC = amountCodec('positive amount', 1n)

/** `amount * ratio`, rounded down: slashing and quorums never round in the actor's favour by more than a unit. */
export function scale(amount: bigint, ratio: { readonly numerator: number; readonly denominator: number }): bigint {
  return (amount * BigInt(ratio.numerator)) / BigInt(ratio.denominator)
}

/** True when `part / whole >= ratio`, computed without division. */
export function atLeast(part: bigint, whole: bigint, ratio: { readonly numerator: number; readonly denominator: number }): boolean {
  return part * BigInt(ratio.denominator) >= whole * BigInt(ratio.numerator)
}
