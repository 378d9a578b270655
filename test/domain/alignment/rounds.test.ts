import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import { hashFor } from '../decider-spec.js'
import { ALICE, BOB, CAROL, DAY, DAVE, ecmd, espec, hashOf, MANDATE, mandated, SALT, START, type EStep } from '../datanets/fixtures.js'

const base = mandated()
const ROUND = hashFor(espec.play(base).commands + 1)
const opened: EStep[] = [...base, { command: ecmd.round() }]
const iso = (ms: number) => new Date(ms).toISOString()
const openedAt = espec.play(base).now

/** Bob [5,6] and Carol [5,5] are honest; Dave [1,1] is far off. */
const HONEST_BOB = [5, 6]
const HONEST_CAROL = [5, 5]
const DISHONEST_DAVE = [1, 1]
const committed: EStep[] = [
  ...opened,
  { command: ecmd.commit(BOB, ROUND, HONEST_BOB) },
  { command: ecmd.commit(CAROL, ROUND, HONEST_CAROL) },
  { command: ecmd.commit(DAVE, ROUND, DISHONEST_DAVE) },
  { advance: DAY },
]
const revealed: EStep[] = [
  ...committed,
  { command: ecmd.reveal(BOB, ROUND, HONEST_BOB) },
  { command: ecmd.reveal(CAROL, ROUND, HONEST_CAROL) },
  { command: ecmd.reveal(DAVE, ROUND, DISHONEST_DAVE) },
  { advance: DAY },
]

describe('opening a feedback round', () => {
  it('on a checkpoint, with samples, a pool reserved from the mandate’s escrow, and commit and reveal deadlines', () => {
    expect(START).toBeLessThan(openedAt)
    espec
      .given(...base)
      .when(ecmd.round())
      .then([
        {
          type: 'FeedbackRoundOpened',
          data: {
            roundId: ROUND,
            mandateId: MANDATE,
            opener: ALICE,
            checkpoint: 'cc'.repeat(32),
            samples: [{ promptHash: hashOf('p0'), outputHash: hashOf('o0') }, { promptHash: hashOf('p1'), outputHash: hashOf('o1') }],
            rewardPool: tokens(1_000),
            commitEndsAt: iso(openedAt + DAY),
            revealEndsAt: iso(openedAt + 2 * DAY),
          },
        },
      ])
  })

  it('takes generated samples with how they were generated, and refuses two outputs that claim one generation', () => {
    const generation = { seed: 7, temperature: 700, topP: 900, maxTokens: 64 }
    const round = ecmd.round(2)
    if (round.type !== 'OpenFeedbackRound') throw new Error('fixture')
    const first = { promptHash: hashOf('p0'), outputHash: hashOf('o0'), generation }
    const second = { promptHash: hashOf('p0'), outputHash: hashOf('o1'), generation: { ...generation, seed: 8 } }
    const samples = [first, second]
    const events = espec.given(...base).when({ ...round, payload: { ...round.payload, samples } }).events()
    expect(events[0]).toMatchObject({ type: 'FeedbackRoundOpened', data: { samples } })
    // The cheater rates a flattering output under the seed that really produced another one.
    const forged = [first, { ...second, generation }]
    espec.given(...base).when({ ...round, payload: { ...round.payload, samples: forged } }).thenFails('bad-samples')
  })

  it('the pool cannot exceed the unreserved escrow', () => {
    espec.given(...base, { command: ecmd.round(1, tokens(60_000)) }).when(ecmd.round(1, tokens(40_001))).thenFails('pool-exceeds-escrow')
  })

  it('only the mandate’s proposer opens rounds, on distinct samples', () => {
    espec.given(...base).when(ecmd.round(2, tokens(1), BOB)).thenFails('not-mandate-proposer')
    const dup = ecmd.round(2)
    if (dup.type !== 'OpenFeedbackRound') throw new Error('fixture')
    const first = dup.payload.samples[0]
    if (first === undefined) throw new Error('fixture')
    espec.given(...base).when({ ...dup, payload: { ...dup.payload, samples: [first, first] } }).thenFails('bad-samples')
  })
})

describe('commit', () => {
  it('a staked validator commits a hash, with its stake', () => {
    const events = espec.given(...opened).when(ecmd.commit(CAROL, ROUND, HONEST_CAROL)).events()
    expect(events).toMatchObject([{ type: 'RatingsCommitted', data: { roundId: ROUND, validator: CAROL, stake: tokens(20_000) } }])
  })

  it('only validators, once each, within the commit window, on a known round', () => {
    espec.given(...opened).when(ecmd.commit(ALICE, ROUND, [1, 1])).thenFails('not-validator')
    espec.given(...opened, { command: ecmd.commit(BOB, ROUND, [1, 1]) }).when(ecmd.commit(BOB, ROUND, [2, 2])).thenFails('already-committed')
    espec.given(...opened, { advance: DAY }).when(ecmd.commit(BOB, ROUND, [1, 1])).thenFails('commit-closed')
    espec.given(...opened).when(ecmd.commit(BOB, 'ab'.repeat(32), [1, 1])).thenFails('unknown-round')
  })
})

describe('reveal', () => {
  it('the ratings and salt that hash to the commitment are revealed after the commit window', () => {
    espec.given(...committed).when(ecmd.reveal(BOB, ROUND, HONEST_BOB)).then([{ type: 'RatingsRevealed', data: { roundId: ROUND, validator: BOB, scores: HONEST_BOB, salt: SALT } }])
  })

  it('a reveal that does not match its commitment is refused (other scores, or another salt)', () => {
    espec.given(...committed).when(ecmd.reveal(BOB, ROUND, [5, 5])).thenFails('reveal-mismatch')
    espec.given(...committed).when(ecmd.reveal(BOB, ROUND, HONEST_BOB, '00'.repeat(16))).thenFails('reveal-mismatch')
  })

  it('a copied commitment cannot be revealed: the validator’s key is inside the hash', () => {
    const bobs = ecmd.commit(BOB, ROUND, HONEST_BOB)
    if (bobs.type !== 'CommitRatings') throw new Error('fixture')
    const copied: EStep[] = [...opened, { command: bobs }, { command: { ...bobs, actor: DAVE } }, { advance: DAY }, { command: ecmd.reveal(BOB, ROUND, HONEST_BOB) }]
    espec.given(...copied).when(ecmd.reveal(DAVE, ROUND, HONEST_BOB)).thenFails('reveal-mismatch')
  })

  it('one reveal per validator, only while the reveal window is open, only after a commit, one score in range per sample', () => {
    espec.given(...committed, { command: ecmd.reveal(BOB, ROUND, HONEST_BOB) }).when(ecmd.reveal(BOB, ROUND, HONEST_BOB)).thenFails('already-revealed')
    espec.given(...committed.slice(0, -1)).when(ecmd.reveal(BOB, ROUND, HONEST_BOB)).thenFails('reveal-not-open')
    espec.given(...committed, { advance: DAY }).when(ecmd.reveal(BOB, ROUND, HONEST_BOB)).thenFails('reveal-not-open')
    espec.given(...opened, { advance: DAY }).when(ecmd.reveal(BOB, ROUND, HONEST_BOB)).thenFails('not-committed')
    espec.given(...opened, { command: ecmd.commit(BOB, ROUND, [5, 8]) }, { advance: DAY }).when(ecmd.reveal(BOB, ROUND, [5, 8])).thenFails('bad-scores')
    espec.given(...opened, { command: ecmd.commit(BOB, ROUND, [5]) }, { advance: DAY }).when(ecmd.reveal(BOB, ROUND, [5])).thenFails('bad-scores')
  })
})

describe('closing a round', () => {
  it('not before the reveal window ends, and once', () => {
    espec.given(...revealed.slice(0, -1)).when(ecmd.closeRound(ROUND)).thenFails('round-running')
    espec.given(...revealed, { command: ecmd.closeRound(ROUND) }).when(ecmd.closeRound(ROUND)).thenFails('round-closed')
  })

  it('consensus is the weighted median (stake × trust); rewards ∝ weight × (1 − deviation/tolerance); beyond tolerance 2% is slashed citing the round', () => {
    const t = espec.play(revealed)
    const round = t.state.alignment.rounds.get(ROUND)
    const seq = (who: string) => [round?.commits.get(who)?.sequence, round?.reveals.get(who)?.sequence]
    const events = espec.given(...revealed).when(ecmd.closeRound(ROUND)).events()
    // Consensus [5, 5]. Bob deviates 1 over 2 samples (0.5): weight 10k × (2 − 1); Carol 0: 20k × 2; Dave 8/2 = 4 > 1.
    expect(events[0]).toEqual({
      type: 'FeedbackRoundClosed',
      data: {
        roundId: ROUND,
        mandateId: MANDATE,
        rewardPool: tokens(1_000),
        consensus: [5, 5],
        results: [
          { validator: BOB, revealed: true, deviationSum: 1, reward: tokens(200), penalized: false, evidence: seq(BOB) },
          { validator: CAROL, revealed: true, deviationSum: 0, reward: tokens(800), penalized: false, evidence: seq(CAROL) },
          { validator: DAVE, revealed: true, deviationSum: 8, reward: 0n, penalized: true, evidence: seq(DAVE) },
        ].sort((a, b) => (a.validator < b.validator ? -1 : 1)),
      },
    })
    expect(events[1]).toMatchObject({ type: 'ValidatorTrustUpdated', data: { basis: 'ratings', subject: ROUND } })
    expect(events[2]).toEqual({ type: 'StakeSlashed', data: { account: DAVE, stakeId: 1, amount: tokens(200), evidence: { kind: 'rule', rule: 'rlhf-deviation', subject: ROUND, sequences: seq(DAVE) } } })
    expect(events[3]).toMatchObject({
      type: 'PreferenceDatasetVersioned',
      data: { mandateId: MANDATE, version: 1, roundId: ROUND, raters: [BOB, CAROL].sort(), samples: [{ consensus: 5 }, { consensus: 5 }] },
    })
  })

  it('committed but not revealed: penalized, citing the commit', () => {
    const history: EStep[] = [...committed, { command: ecmd.reveal(BOB, ROUND, HONEST_BOB) }, { command: ecmd.reveal(CAROL, ROUND, HONEST_CAROL) }, { advance: DAY }]
    const events = espec.given(...history).when(ecmd.closeRound(ROUND)).events()
    expect(events.find((e) => e.type === 'StakeSlashed')).toMatchObject({ data: { account: DAVE, amount: tokens(200), evidence: { rule: 'rlhf-no-reveal' } } })
  })

  it('a stake whose unbonding was asked after the commit is still slashed (nobody revealed: all three are)', () => {
    const history: EStep[] = [...committed.slice(0, -1), { advance: 60_000 }, { command: { type: 'RequestUnbond', actor: DAVE, payload: { stakeId: 1 } } }, { advance: 2 * DAY }]
    const events = espec.given(...history).when(ecmd.closeRound(ROUND)).events()
    expect(events.filter((e) => e.type === 'StakeSlashed').map((e) => e.data)).toMatchObject([{ account: BOB }, { account: CAROL }, { account: DAVE, amount: tokens(200) }].sort((a, b) => (a.account < b.account ? -1 : 1)))
    expect(events.some((e) => e.type === 'PreferenceDatasetVersioned')).toBe(false)
  })
})
