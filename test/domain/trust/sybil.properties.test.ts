/**
 * Sybils: a validator that splits its stake over several keys, all voting alike, so that it
 * "agrees with itself". Against the same history with the stake whole, every outcome, consensus and
 * trust is the same, the keys' weights sum to the whole's, and the reward is the whole's to within
 * rounding (one base unit per key); a fresh key starts at the initial trust, so moving an
 * established record's stake to new keys only loses weight.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import type { EconomyState } from '../../../domain/economy/state.js'
import { consensusOf } from '../../../domain/alignment/consensus.js'
import { accountOf } from '../../../domain/governance/state.js'
import { BOB, CAROL, DAVE, DAY, ecmd, espec, idOf, MANDATE, type EStep } from '../datanets/fixtures.js'
import { hashFor } from '../decider-spec.js'
import { funded, judged, ledger, stake, SYBIL, trustIn, type Decision } from './fixtures.js'

const WHOLE = tokens(20_000)
const decision = fc.constantFrom<Decision>('accept', 'reject', 'spam')
const scores = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 2 })
const historyArb = fc.record({
  split: fc.integer({ min: 1, max: 19_999 }).map((n) => tokens(n)),
  contributions: fc.array(fc.tuple(decision, decision, decision), { minLength: 1, maxLength: 5 }),
  round: fc.option(fc.tuple(scores, scores, scores), { nil: undefined }),
})
type History = typeof historyArb extends fc.Arbitrary<infer H> ? H : never

/** Carol's side votes with every key she holds; Bob and Dave vote as drawn. */
function world(h: History, keys: readonly (readonly [string, bigint])[]): EStep[] {
  const steps: EStep[] = [...ledger(), ...(keys.length > 1 ? funded(SYBIL, CAROL, h.split) : []), stake(BOB, tokens(10_000)), stake(DAVE, tokens(10_000))]
  for (const [key, amount] of keys) steps.push(stake(key, amount))
  h.contributions.forEach(([b, c, d], i) => steps.push(...judged(`item${i}`, [[BOB, b], ...keys.map(([key]) => [key, c] as const), [DAVE, d]])))
  if (h.round !== undefined) {
    const [b, c, d] = h.round
    const roundId = hashFor(espec.play([...steps]).commands + 1)
    const raters: [string, number[]][] = [[BOB, b], ...keys.map(([key]): [string, number[]] => [key, c]), [DAVE, d]]
    steps.push({ command: ecmd.round() }, ...raters.map(([v, s]): EStep => ({ command: ecmd.commit(v, roundId, s) })), { advance: DAY })
    steps.push(...raters.map(([v, s]): EStep => ({ command: ecmd.reveal(v, roundId, s) })), { advance: DAY }, { command: ecmd.closeRound(roundId) })
  }
  return [...steps, { advance: 7 * DAY }, { command: ecmd.closeEpoch() }]
}

/** What a key holds: free OPEN and every stake. */
function holdings(state: EconomyState, key: string): bigint {
  const account = accountOf(state.governance, key)
  return [...account.stakes.values()].reduce((sum, st) => sum + st.amount, account.open)
}

describe('a validator split over sybil keys', () => {
  it('gains nothing: the same outcomes, consensus and trust, weights that sum to the whole’s, rewards within a base unit per key', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const whole = world(h, [[CAROL, WHOLE]])
        const split = world(h, [[CAROL, WHOLE - h.split], [SYBIL, h.split]])
        const a = espec.play(whole).state
        const b = espec.play(split).state
        for (let i = 0; i < h.contributions.length; i++) {
          const [ca, cb] = [a.data.contributions.get(idOf(`item${i}`)), b.data.contributions.get(idOf(`item${i}`))]
          expect(cb?.outcome).toBe(ca?.outcome)
          expect(cb?.quality).toBe(ca?.quality)
          const weightOf = (c: typeof ca, keys: string[]) => keys.reduce((sum, k) => sum + (c?.verdicts.get(k)?.weight ?? 0n), 0n)
          expect(weightOf(cb, [CAROL, SYBIL])).toBe(weightOf(ca, [CAROL]))
        }
        for (const v of [CAROL, BOB, DAVE]) expect(trustIn(split, v)).toBe(trustIn(whole, v))
        expect(trustIn(split, SYBIL)).toBe(trustIn(whole, CAROL))
        const consensus = (s: EconomyState) => [...s.alignment.rounds.values()].map(consensusOf)
        expect(consensus(b)).toEqual(consensus(a))
        // Money: the keys together hold what the whole holds, give or take the largest-remainder units of two pool splits.
        expect([a, b].map((st) => st.rewards.mandates.get(MANDATE)?.epochs)).toEqual([1, 1])
        const gained = holdings(b, CAROL) + holdings(b, SYBIL) - holdings(a, CAROL)
        expect(gained).toBeLessThanOrEqual(4n)
        expect(gained).toBeGreaterThanOrEqual(-4n)
      }),
      { numRuns: 25 },
    )
  })
})

describe('fresh keys', () => {
  it('start at the initial trust: moving an established record’s stake to a new key only loses weight', () => {
    const record: EStep[] = [...ledger(), stake(BOB, tokens(10_000)), stake(CAROL, tokens(20_000)), stake(DAVE, tokens(10_000))]
    for (let i = 0; i < 5; i++) record.push(...judged(`good${i}`, [[BOB, 'accept'], [CAROL, 'accept'], [DAVE, 'accept']]))
    const established = trustIn(record, CAROL)
    expect(established).toBeGreaterThan(trustIn(record, SYBIL))
    // Carol's last 10k OPEN: staked on a new key, or added to her own.
    const next = (extra: EStep[], keys: string[]) => {
      const steps: EStep[] = [...record, ...extra, { command: ecmd.submit('next', { bond: false }) }, ...keys.map((k): EStep => ({ command: ecmd.verdict(k, 'next', 'accept') }))]
      const c = espec.play(steps).state.data.contributions.get(idOf('next'))
      return { c, weight: keys.reduce((sum, k) => sum + (c?.verdicts.get(k)?.weight ?? 0n), 0n) }
    }
    const sybil = next([...funded(SYBIL, CAROL, tokens(10_000)), stake(SYBIL, tokens(10_000))], [CAROL, SYBIL])
    const own = next([stake(CAROL, tokens(10_000))], [CAROL])
    expect(sybil.c?.verdicts.get(SYBIL)?.weight).toBe(tokens(10_000) * BigInt(trustIn(record, SYBIL)))
    expect(own.weight).toBe(tokens(30_000) * BigInt(established))
    expect(sybil.weight).toBeLessThan(own.weight)
  })
})
