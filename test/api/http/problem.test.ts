/** Every 429 and 503 the API or the gateway can send carries Retry-After; other problems none. */
import { describe, expect, it } from 'vitest'
import { HttpProblem, PROBLEM_KINDS, retryAfterOf, type ProblemKind } from '../../../api/http/problem.js'

describe('Retry-After', () => {
  it('is set for every 429 and 503 kind, given or not, and never below 1 s', () => {
    const kinds = Object.keys(PROBLEM_KINDS) as ProblemKind[]
    const throttled = kinds.filter((kind) => [429, 503].includes(PROBLEM_KINDS[kind].status))
    expect(throttled).toEqual(['too-many-requests', 'quota-exhausted', 'escrow-exhausted', 'spend-cap-exhausted', 'unavailable'])
    for (const kind of throttled) {
      expect(retryAfterOf(new HttpProblem(kind, 'wait')), kind).toBeGreaterThanOrEqual(1)
      expect(retryAfterOf(new HttpProblem(kind, 'wait', { retryAfter: 0.2 })), kind).toBe(1)
      expect(retryAfterOf(new HttpProblem(kind, 'wait', { retryAfter: 7.5 })), kind).toBe(8)
    }
    for (const kind of kinds.filter((k) => !throttled.includes(k) && k !== 'insufficient-storage')) expect(retryAfterOf(new HttpProblem(kind, 'no')), kind).toBeUndefined()
    // A full disk (507) asks for a wait too, because its thrower gives one.
    expect(retryAfterOf(new HttpProblem('insufficient-storage', 'full', { retryAfter: 30 }))).toBe(30)
  })
})
