import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import { mapHash } from '../../../domain/rewards/map.js'
import { largestRemainder, weightedMedian } from '../../../domain/rewards/split.js'
import { hashFor } from '../decider-spec.js'
import { ALICE, BOB, CAROL, DAY, DAVE, ecmd, espec, MANDATE, mandated, withDatanet, type EStep } from '../datanets/fixtures.js'

describe('largest remainder', () => {
  it('gives the floors, then the leftover units to the largest remainders', () => {
    // 10 split 1:1:1 → 3.33 each; one unit left, all remainders equal: the smallest key gets it.
    expect(largestRemainder(10n, new Map([['b', 1n], ['a', 1n], ['c', 1n]]))).toEqual(new Map([['a', 4n], ['b', 3n], ['c', 3n]]))
    // 100 split 1:2:4 → 14.28, 28.57, 57.14: the 0.57 remainder wins the unit.
    expect(largestRemainder(100n, new Map([['x', 1n], ['y', 2n], ['z', 4n]]))).toEqual(new Map([['x', 14n], ['y', 29n], ['z', 57n]]))
  })

  it('splits nothing when nobody has weight, and leaves zero weights out', () => {
    expect(largestRemainder(10n, new Map([['a', 0n]]))).toEqual(new Map())
    expect(largestRemainder(10n, new Map([['a', 0n], ['b', 5n]]))).toEqual(new Map([['b', 10n]]))
  })

  it('always sums exactly to the pool, never pays a zero weight, and is at most one unit from the exact share', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.array(fc.tuple(fc.constantFrom<string>('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), fc.bigInt({ min: 0n, max: 10n ** 22n })), { maxLength: 12 }), (pool, pairs) => {
        const weights = new Map(pairs)
        const total = [...weights.values()].reduce((a, b) => a + b, 0n)
        const split = largestRemainder(pool, weights)
        const sum = [...split.values()].reduce((a, b) => a + b, 0n)
        expect(sum).toBe(total === 0n ? 0n : pool)
        for (const [k, v] of split) {
          const w = weights.get(k) ?? 0n
          expect(w > 0n).toBe(true)
          expect(v * total <= pool * w + total && v * total >= pool * w - total).toBe(true)
        }
      }),
      { numRuns: 100 },
    )
  })
})

describe('weighted median', () => {
  it('is the smallest value at which half the weight is reached', () => {
    expect(weightedMedian([{ value: 1, weight: 10n }, { value: 5, weight: 20n }, { value: 6, weight: 10n }])).toBe(5)
    expect(weightedMedian([{ value: 1, weight: 10n }, { value: 7, weight: 10n }])).toBe(1)
    expect(weightedMedian([{ value: 9, weight: 0n }])).toBeUndefined()
  })
})

/** Two accepted contributions (Alice q=70, Bob q=30), validators who agreed, and a closed round. */
function epochHistory(): EStep[] {
  const h: EStep[] = [...withDatanet(), { command: ecmd.submit('a') }, { command: ecmd.submit('b', { actor: BOB }) }]
  h.push({ command: ecmd.verdict(BOB, 'a', 'accept', 70) }, { command: ecmd.verdict(CAROL, 'a', 'accept', 70) }, { command: ecmd.verdict(DAVE, 'a', 'reject', 10) }, { command: ecmd.finalize('a') })
  h.push({ command: ecmd.verdict(CAROL, 'b', 'accept', 30) }, { command: ecmd.verdict(DAVE, 'b', 'accept', 30) }, { advance: 3 * DAY }, { command: ecmd.finalize('b', ALICE) })
  return h
}

describe('closing a reward epoch', () => {
  it('not before the epoch length has passed since the mandate (or the last epoch)', () => {
    espec.given(...mandated()).when(ecmd.closeEpoch()).thenFails('epoch-running')
    espec.given(...mandated(), { advance: 7 * DAY }, { command: ecmd.closeEpoch() }, { advance: 7 * DAY - 1 }).when(ecmd.closeEpoch()).thenFails('epoch-running')
    espec.given(...mandated()).when({ type: 'CloseRewardEpoch', actor: DAVE, payload: { mandateId: 'ab'.repeat(32) } }).thenFails('unknown-mandate')
  })

  it('pays the data pool by quality, the validator pool by agreement, from the escrow, with the map’s hash', () => {
    const events = espec.given(...epochHistory(), { advance: 7 * DAY }).when(ecmd.closeEpoch()).events()
    // Epoch pool = 10% of 100,000 = 10,000; data 70% = 7,000 split 70:30; validators 3,000 split by the agreeing verdicts'
    // weights (stake × trust): Bob 10k × 0.1 (a), Carol 20k × 0.1 (a) + 20k × 0.19 (b, her trust after agreeing on a),
    // Dave 10k × 0.066667 (b, his trust after disagreeing on a); Dave's reject of a disagreed.
    const validators = largestRemainder(tokens(3_000), new Map([[BOB, tokens(10_000) * 100_000n], [CAROL, tokens(20_000) * 100_000n + tokens(20_000) * 190_000n], [DAVE, tokens(10_000) * 66_667n]]))
    const payouts = new Map([[ALICE, tokens(4_900)], [BOB, tokens(2_100)], [CAROL, 0n], [DAVE, 0n]])
    for (const [k, v] of validators) payouts.set(k, (payouts.get(k) ?? 0n) + v)
    const sorted = [...payouts].sort(([a], [b]) => (a < b ? -1 : 1))
    expect(events[0]).toEqual({
      type: 'RewardEpochClosed',
      data: { mandateId: MANDATE, epoch: 1, dataPool: tokens(7_000), validatorPool: tokens(3_000), roundRewards: 0n, payouts: sorted.map(([recipient, amount]) => ({ recipient, amount })), mapHash: mapHash(new Map(sorted)) },
    })
    expect(events.slice(1)).toEqual(sorted.map(([account, amount]) => ({ type: 'EscrowPaid', data: { mandateId: MANDATE, account, amount } })))
  })

  it('the next epoch starts empty and draws on what is left', () => {
    const paid = espec.play([...epochHistory(), { advance: 7 * DAY }, { command: ecmd.closeEpoch() }])
    expect(paid.state.governance.mandates.get(MANDATE)?.escrowed).toBe(tokens(90_000))
    const next = espec.given(...epochHistory(), { advance: 7 * DAY }, { command: ecmd.closeEpoch() }, { advance: 7 * DAY }).when(ecmd.closeEpoch()).events()
    expect(next).toEqual([{ type: 'RewardEpochClosed', data: expect.objectContaining({ epoch: 2, dataPool: 0n, validatorPool: 0n, payouts: [] }) as unknown }])
  })

  it('a contribution revoked before the epoch closes earns nothing', () => {
    const events = espec.given(...epochHistory(), { command: ecmd.revoke('b', BOB) }, { advance: 7 * DAY }).when(ecmd.closeEpoch()).events()
    expect(events[0]).toMatchObject({ data: { dataPool: tokens(7_000) } })
    const alice = events.find((e) => e.type === 'EscrowPaid' && e.data.account === ALICE)
    expect(alice).toMatchObject({ data: { amount: tokens(7_000) } })
  })

  it('round rewards are paid in the epoch their round closed, and the unrewarded part of the pool is free again', () => {
    const base = mandated()
    const round = hashFor(espec.play(base).commands + 1)
    const h: EStep[] = [...base, { command: ecmd.round(1, tokens(1_000)) }, { command: ecmd.commit(BOB, round, [4]) }, { advance: DAY }, { command: ecmd.reveal(BOB, round, [4]) }, { advance: DAY }, { command: ecmd.closeRound(round) }, { advance: 7 * DAY }]
    const events = espec.given(...h).when(ecmd.closeEpoch()).events()
    expect(events[0]).toMatchObject({ data: { roundRewards: tokens(1_000), payouts: [{ recipient: BOB, amount: tokens(1_000) }] } })
  })
})
