/**
 * The reward map: one pure function from an epoch's inputs (a fold of the log) and its pools to
 * `{recipient → amount}`. The data pool is split by attribution × quality, the validator pool by
 * agreement with the outcomes, each by largest remainder so it sums exactly to its pool (or to
 * nothing when nobody earned); round rewards, already split when their rounds closed, are added.
 */
import { jsonHash } from '../economy/hash.js'
import { largestRemainder, sumOf } from './split.js'
import type { EpochPools } from './pools.js'
import type { EpochInputs } from './state.js'

/**
 * The attribution seam: a contribution's influence on the trained model, as an integer weight.
 * The training vertical will supply scores from its attribution events; until then every
 * contribution weighs 1, so the data pool is split by quality alone.
 */
export type Attribution = (contributionId: string) => bigint
export const noAttribution: Attribution = () => 1n

export interface RewardMap {
  readonly data: ReadonlyMap<string, bigint>
  readonly validators: ReadonlyMap<string, bigint>
  readonly rounds: ReadonlyMap<string, bigint>
  /** Everything above, merged by recipient. */
  readonly payouts: ReadonlyMap<string, bigint>
}

function add(into: Map<string, bigint>, from: ReadonlyMap<string, bigint>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0n) + v)
}

export function dataWeights(inputs: EpochInputs, attribution: Attribution): Map<string, bigint> {
  const weights = new Map<string, bigint>()
  for (const [id, c] of inputs.contributions) weights.set(c.contributor, (weights.get(c.contributor) ?? 0n) + BigInt(c.quality) * attribution(id))
  return weights
}

export function rewardMap(inputs: EpochInputs, pools: EpochPools, attribution: Attribution = noAttribution): RewardMap {
  const data = largestRemainder(pools.data, dataWeights(inputs, attribution))
  const validators = largestRemainder(pools.validator, inputs.agreement)
  const payouts = new Map<string, bigint>()
  for (const part of [data, validators, inputs.roundRewards]) add(payouts, part)
  for (const [k, v] of payouts) if (v === 0n) payouts.delete(k)
  return { data, validators, rounds: inputs.roundRewards, payouts: new Map([...payouts].sort(([a], [b]) => (a < b ? -1 : 1))) }
}

/** The map as `{recipient: "amount"}`, and its hash: SHA-256 of that object's RFC 8785 canonical JSON. */
export function mapJson(payouts: ReadonlyMap<string, bigint>): Record<string, string> {
  return Object.fromEntries([...payouts].map(([k, v]) => [k, v.toString()]))
}

export function mapHash(payouts: ReadonlyMap<string, bigint>): string {
  return jsonHash(mapJson(payouts))
}

export function totalOf(map: ReadonlyMap<string, bigint>): bigint {
  return sumOf(map.values())
}
