import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import { nextTrust, TRUST_SCALE, trustWeight } from '../../../domain/trust/ema.js'
import { economicsProblem, defaultEconomics } from '../../../domain/economy/params.js'
import { ALICE, BOB, CAROL, DAVE, DAY, ecmd, espec, idOf, type EStep } from '../datanets/fixtures.js'
import { hashFor } from '../decider-spec.js'
import { judged, ledger, stake, trustIn, type Decision } from './fixtures.js'

const RATES = { gain: defaultEconomics.trustGain, loss: defaultEconomics.trustLoss }
const T0 = defaultEconomics.trustInitial

describe('the moving average', () => {
  it('gains a tenth of the way up, loses a third of the way down, truncating toward the old trust', () => {
    expect(nextTrust(100_000, TRUST_SCALE, RATES)).toBe(190_000)
    expect(nextTrust(100_000, 0, RATES)).toBe(66_667)
    expect(nextTrust(900_000, 500_000, RATES)).toBe(766_667)
    expect(nextTrust(3, 0, RATES)).toBe(2)
    expect(nextTrust(2, 0, RATES)).toBe(2)
  })

  it('stays between the old trust and the observation, and never loses slower than (1 − loss) per step', () => {
    const trust = fc.integer({ min: 0, max: TRUST_SCALE })
    fc.assert(
      fc.property(trust, trust, (t, observed) => {
        const next = nextTrust(t, observed, RATES)
        expect(next).toBeGreaterThanOrEqual(Math.min(t, observed))
        expect(next).toBeLessThanOrEqual(Math.max(t, observed))
        // Toward 0: next ≤ t × 2/3, plus the truncation's under-one millionth.
        if (observed === 0) expect(next).toBeLessThanOrEqual((t * 2) / 3 + 1)
      }),
      { numRuns: 300 },
    )
  })

  it('weighs stake × trust exactly, so a stake split at equal trust weighs what it weighed whole', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 24n }), fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.integer({ min: 0, max: TRUST_SCALE }), (a, b, t) => {
        expect(trustWeight(a, t) + trustWeight(b, t)).toBe(trustWeight(a + b, t))
      }),
    )
  })

  it('genesis refuses rates outside (0, 1] and a loss slower than the gain', () => {
    expect(economicsProblem(defaultEconomics)).toBeUndefined()
    expect(economicsProblem({ ...defaultEconomics, trustGain: { numerator: 0, denominator: 1 } })).toBe('trustGain must be in (0, 1]')
    expect(economicsProblem({ ...defaultEconomics, trustLoss: { numerator: 4, denominator: 3 } })).toBe('trustLoss must be in (0, 1]')
    expect(economicsProblem({ ...defaultEconomics, trustGain: { numerator: 1, denominator: 2 }, trustLoss: { numerator: 1, denominator: 3 } })).toBe('trustLoss must be at least trustGain')
  })
})

/** Bob 10k, Carol 20k, Dave 10k of validator stake. */
const base: EStep[] = [...ledger(), stake(BOB, tokens(10_000)), stake(CAROL, tokens(20_000)), stake(DAVE, tokens(10_000))]
const everyone = (b: Decision, c: Decision, d: Decision): [string, Decision][] => [[BOB, b], [CAROL, c], [DAVE, d]]

describe('verdicts and trust', () => {
  it('a new validator’s verdict carries the genesis initial trust; its weight is stake × trust', () => {
    espec
      .given(...base, { command: ecmd.submit('a', { bond: false }) })
      .when(ecmd.verdict(BOB, 'a', 'accept', 80, 70))
      .then([{ type: 'VerdictCast', data: { contributionId: idOf('a'), validator: BOB, decision: 'accept', quality: 80, relevance: 70, reason: 'accept by fixture', stake: tokens(10_000), trust: T0, weight: tokens(10_000) * BigInt(T0) } }])
  })

  it('finalizing records every judge’s agreement and new trust; the next verdict weighs the new trust', () => {
    const history = [...base, ...judged('a', everyone('accept', 'accept', 'reject'))]
    const events = espec.given(...history.slice(0, -1)).when(ecmd.finalize('a')).events()
    expect(events[1]).toEqual({
      type: 'ValidatorTrustUpdated',
      data: {
        basis: 'verdicts',
        subject: idOf('a'),
        updates: [
          { validator: BOB, agreement: TRUST_SCALE, before: T0, after: 190_000 },
          { validator: CAROL, agreement: TRUST_SCALE, before: T0, after: 190_000 },
          { validator: DAVE, agreement: 0, before: T0, after: 66_667 },
        ].sort((x, y) => (x.validator < y.validator ? -1 : 1)),
      },
    })
    const next = espec.given(...history, { command: ecmd.submit('b', { bond: false }) }).when(ecmd.verdict(DAVE, 'b', 'spam')).events()
    expect(next[0]).toMatchObject({ data: { stake: tokens(10_000), trust: 66_667, weight: tokens(10_000) * 66_667n } })
  })

  it('a refusal (reject or spam) agrees with a rejected or spam outcome; an unjudged contribution observes nobody', () => {
    const events = espec.given(...base, ...judged('a', everyone('reject', 'spam', 'spam')).slice(0, -1)).when(ecmd.finalize('a')).events()
    expect(events[0]).toMatchObject({ data: { outcome: 'spam' } })
    expect(events[1]).toMatchObject({ data: { updates: [{ agreement: TRUST_SCALE }, { agreement: TRUST_SCALE }, { agreement: TRUST_SCALE }] } })
    const unjudged = espec.given(...base, { command: ecmd.submit('u', { bond: false }) }, { advance: 3 * DAY }).when(ecmd.finalize('u')).events()
    expect(unjudged.map((e) => e.type)).toEqual(['ContributionFinalized'])
  })

  it('trust is replayed from the log: the fold holds each validator’s last recorded trust', () => {
    const history = [...base, ...judged('a', everyone('accept', 'accept', 'reject')), ...judged('b', everyone('accept', 'accept', 'reject'))]
    expect(trustIn(history, DAVE)).toBe(nextTrust(66_667, 0, RATES))
    expect(trustIn(history, BOB)).toBe(nextTrust(190_000, TRUST_SCALE, RATES))
    expect(trustIn(history, ALICE)).toBe(T0)
  })
})

describe('a validator that turns dishonest after a good record', () => {
  // Twelve honest contributions: all three agree, and trust builds slowly toward 1.
  const record: EStep[] = [...base, ...Array.from({ length: 12 }, (_, i) => judged(`good${i}`, everyone('accept', 'accept', 'accept'))).flat()]
  /** Carol, the largest stake, accepts spam that Bob and Dave call spam: outvoted, she loses a third of her trust each time. */
  const turned = (times: number): EStep[] => [...record, ...Array.from({ length: times }, (_, i) => judged(`bad${i}`, everyone('spam', 'accept', 'spam'))).flat()]
  /** The test: Carol alone against Bob alone on a spam item. */
  const duel = (history: EStep[]) => espec.given(...history, ...judged('duel', [[CAROL, 'accept'], [BOB, 'spam']]).slice(0, -1)).when(ecmd.finalize('duel')).events()

  it('with her record intact, Carol’s 20k outweighs Bob’s 10k alone: she can swing a contribution', () => {
    expect(trustIn(record, CAROL)).toBe(trustIn(record, BOB))
    expect(trustIn(record, CAROL)).toBeGreaterThan(700_000)
    expect(duel(record)[0]).toMatchObject({ data: { outcome: 'accepted' } })
  })

  it('each time she is outvoted her trust falls by a third, while the honest gain a tenth of the rest', () => {
    const before = trustIn(record, CAROL)
    expect(trustIn(turned(1), CAROL)).toBe(nextTrust(before, 0, RATES))
    expect(trustIn(turned(1), BOB)).toBe(nextTrust(before, TRUST_SCALE, RATES))
  })

  it('after two dishonest verdicts her weight (20k × trust) is below Bob’s (10k × trust): she can no longer swing one alone', () => {
    const history = turned(2)
    const carol = tokens(20_000) * BigInt(trustIn(history, CAROL))
    const bob = tokens(10_000) * BigInt(trustIn(history, BOB))
    expect(carol).toBeLessThan(bob)
    const events = duel(history)
    expect(events[0]).toMatchObject({ data: { outcome: 'spam', tally: { accept: carol, spam: bob, reject: 0n } } })
    // And the duel she lost costs her another third.
    expect(events[1]).toMatchObject({ type: 'ValidatorTrustUpdated' })
  })

  it('in an RLHF round her far-off ratings no longer move the consensus once her trust has fallen', () => {
    const roundAfter = (history: EStep[]) => {
      const roundId = hashFor(espec.play(history).commands + 1)
      const steps: EStep[] = [
        ...history,
        { command: ecmd.round(1) },
        { command: ecmd.commit(CAROL, roundId, [1]) },
        { command: ecmd.commit(BOB, roundId, [6]) },
        { advance: DAY },
        { command: ecmd.reveal(CAROL, roundId, [1]) },
        { command: ecmd.reveal(BOB, roundId, [6]) },
        { advance: DAY },
      ]
      return espec.given(...steps).when(ecmd.closeRound(roundId)).events()[0]
    }
    expect(roundAfter(record)).toMatchObject({ data: { consensus: [1] } })
    expect(roundAfter(turned(2))).toMatchObject({ data: { consensus: [6] } })
  })
})

describe('ratings and trust', () => {
  it('agreement is 1 − deviation / tolerance: within tolerance it gains, beyond it or silent it loses', () => {
    const roundId = hashFor(espec.play(base).commands + 1)
    const steps: EStep[] = [
      ...base,
      { command: ecmd.round() },
      { command: ecmd.commit(BOB, roundId, [5, 6]) },
      { command: ecmd.commit(CAROL, roundId, [5, 5]) },
      { command: ecmd.commit(DAVE, roundId, [1, 1]) },
      { advance: DAY },
      { command: ecmd.reveal(BOB, roundId, [5, 6]) },
      { command: ecmd.reveal(CAROL, roundId, [5, 5]) },
      { advance: DAY },
    ]
    const events = espec.given(...steps).when(ecmd.closeRound(roundId)).events()
    // Consensus [5, 5]; Bob deviates 1 over 2 samples with tolerance 1: agreement 1 − 0.5/1; Dave never revealed.
    expect(events[1]).toEqual({
      type: 'ValidatorTrustUpdated',
      data: {
        basis: 'ratings',
        subject: roundId,
        updates: [
          { validator: BOB, agreement: 500_000, before: T0, after: 140_000 },
          { validator: CAROL, agreement: TRUST_SCALE, before: T0, after: 190_000 },
          { validator: DAVE, agreement: 0, before: T0, after: 66_667 },
        ].sort((x, y) => (x.validator < y.validator ? -1 : 1)),
      },
    })
  })
})

