import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { slash } from '../../../domain/economy/slash.js'
import { evidenceKey } from '../../../domain/economy/state.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { cmd as gov } from '../governance/fixtures.js'
import { BOB, espec, mandated } from '../datanets/fixtures.js'

const state = espec.play(mandated()).state
const order = { account: BOB, stakeIds: [1], amount: tokens(200), offenseAt: 0, rule: 'rlhf-deviation' as const, subject: 'ab'.repeat(32), sequences: [40, 41] }

describe('slashing by rule', () => {
  it('names the rule, the subject and the evidence sequences, and takes the amount', () => {
    const result = slash(state, order)
    expect(isRight(result) && result.right).toEqual([
      { type: 'StakeSlashed', data: { account: BOB, stakeId: 1, amount: tokens(200), evidence: { kind: 'rule', rule: 'rlhf-deviation', subject: 'ab'.repeat(32), sequences: [40, 41] } } },
    ])
  })

  it('never twice for the same evidence', () => {
    const slashed = { ...state, slashed: new Set([evidenceKey('rlhf-deviation', 'ab'.repeat(32), BOB)]) }
    const result = slash(slashed, order)
    expect(isLeft(result) && result.left.code).toBe('already-slashed')
  })

  it('skips a stake unbonding since before the offense, and takes at most what a stake holds', () => {
    const unbonding = espec.play([...mandated(), { command: gov.unbond(BOB, 1) }]).state
    const later = Date.parse('2030-01-01T00:00:00.000Z')
    const skipped = slash(unbonding, { ...order, offenseAt: later })
    expect(isRight(skipped) && skipped.right).toEqual([])
    const capped = slash(state, { ...order, amount: tokens(1_000_000) })
    expect(isRight(capped) && capped.right[0]?.data.amount).toBe(tokens(10_000))
  })
})
