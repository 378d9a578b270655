/**
 * Token buckets keyed by a client (an IP, an actor key). Each key refills at `perSecond` up to
 * `burst`. Full buckets are forgotten now and then, so memory follows the number of recent
 * clients, not every client ever seen.
 */
export interface RateLimit {
  readonly perSecond: number
  readonly burst: number
}

export interface RateLimiter {
  /** Takes one token: 0 when allowed, else the seconds until a token is due. */
  take(key: string): number
}

interface Bucket {
  tokens: number
  at: number
}

const SWEEP_EVERY = 10_000

export function createRateLimiter(limit: RateLimit, now: () => number = () => performance.now()): RateLimiter {
  const buckets = new Map<string, Bucket>()
  let calls = 0

  function refill(bucket: Bucket, t: number): void {
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond)
    bucket.at = t
  }

  function sweep(t: number): void {
    for (const [key, bucket] of buckets) {
      refill(bucket, t)
      if (bucket.tokens >= limit.burst) buckets.delete(key)
    }
  }

  return {
    take(key) {
      if (!Number.isFinite(limit.perSecond)) return 0
      const t = now()
      if (++calls % SWEEP_EVERY === 0) sweep(t)
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at: t }
      buckets.set(key, bucket)
      refill(bucket, t)
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return 0
      }
      return (1 - bucket.tokens) / limit.perSecond
    },
  }
}
