/**
 * Integer-exact splitting and weighted medians: the arithmetic every payout and consensus uses.
 * All on bigint, so no rule ever depends on how a float rounds.
 */

/**
 * Splits `pool` in proportion to `weights` by largest remainder: everyone gets the floor of their
 * exact share, then the units left over go one each to the largest remainders, ties broken by key
 * (ascending), so the parts sum to the pool to the last base unit. Zero weights get nothing and
 * are left out; when no weight is positive, nothing is split and the result is empty.
 */
export function largestRemainder(pool: bigint, weights: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const entries = [...weights].filter(([, w]) => w > 0n).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const total = entries.reduce((sum, [, w]) => sum + w, 0n)
  const out = new Map<string, bigint>()
  if (total === 0n || pool <= 0n) return out
  const remainders: { key: string; rest: bigint }[] = []
  let given = 0n
  for (const [key, w] of entries) {
    const share = (pool * w) / total
    out.set(key, share)
    given += share
    remainders.push({ key, rest: (pool * w) % total })
  }
  // Stable sort on the key-sorted list: equal remainders stay in key order.
  remainders.sort((a, b) => (a.rest > b.rest ? -1 : a.rest < b.rest ? 1 : 0))
  for (let i = 0n; i < pool - given; i++) {
    const { key } = remainders[Number(i)] as { key: string }
    out.set(key, (out.get(key) ?? 0n) + 1n)
  }
  for (const [key, amount] of out) if (amount === 0n) out.delete(key)
  return out
}

/**
 * The lower weighted median: the smallest value at which the weight at or below it reaches half
 * the total. Undefined when there is no positive weight.
 */
export function weightedMedian(values: readonly { readonly value: number; readonly weight: bigint }[]): number | undefined {
  const positive = values.filter((v) => v.weight > 0n).sort((a, b) => a.value - b.value)
  const total = positive.reduce((sum, v) => sum + v.weight, 0n)
  if (total === 0n) return undefined
  let running = 0n
  for (const { value, weight } of positive) {
    running += weight
    if (running * 2n >= total) return value
  }
  return undefined
}

export function sumOf(amounts: Iterable<bigint>): bigint {
  let sum = 0n
  for (const a of amounts) sum += a
  return sum
}
