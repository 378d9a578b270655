import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import { slashStake } from '../../../domain/governance/deciders/staking.js'
import { rolesOf } from '../../../domain/governance/roles.js'
import { ALICE, cmd, DAY, params, spec } from './fixtures.js'

const registered = [{ command: cmd.genesis() }, { command: cmd.register(ALICE) }]
const validator = [...registered, { command: cmd.lock(ALICE, 'validator', tokens(10_000)) }]
const tally = { for: 0n, against: 1n, abstain: 0n, snapshotPower: 1n, quorum: 1n }
const evidence = { kind: 'proposal-veto' as const, proposalId: 'ab'.repeat(32), tally }

describe('locking stake', () => {
  it('locks OPEN for a purpose under a fresh stake id', () => {
    spec
      .given(...registered)
      .when(cmd.lock(ALICE, 'validator', tokens(10_000)))
      .then([{ type: 'StakeLocked', data: { account: ALICE, stakeId: 1, purpose: 'validator', amount: tokens(10_000), proposalId: null } }])
  })

  it('a validator stake is at least the genesis minimum', () => {
    spec.given(...registered).when(cmd.lock(ALICE, 'validator', tokens(9_999))).thenFails('stake-too-small')
  })

  it('cannot lock more OPEN than held', () => {
    spec.given(...registered).when(cmd.lock(ALICE, 'operator', tokens(50_001))).thenFails('insufficient-open')
  })

  it('the validator role comes from the locked stake, not from asking', () => {
    expect(rolesOf(spec.play(registered).state, ALICE, params)).not.toContain('validator')
    expect(rolesOf(spec.play(validator).state, ALICE, params)).toContain('validator')
  })

  it('asking to unbond gives the role up at once', () => {
    const t = spec.play([...validator, { command: cmd.unbond(ALICE, 1) }])
    expect(rolesOf(t.state, ALICE, params)).not.toContain('validator')
  })
})

describe('unbonding and release', () => {
  it('an unbond request sets the release time one cooldown later', () => {
    spec
      .given(...validator)
      .when(cmd.unbond(ALICE, 1))
      .then([{ type: 'UnbondRequested', data: { account: ALICE, stakeId: 1, releasableAt: '2026-01-08T00:00:00.000Z' } }])
  })

  it('an unknown stake cannot be unbonded', () => {
    spec.given(...validator).when(cmd.unbond(ALICE, 2)).thenFails('unknown-stake')
  })

  it('unbonding is requested once', () => {
    spec.given(...validator, { command: cmd.unbond(ALICE, 1) }).when(cmd.unbond(ALICE, 1)).thenFails('already-unbonding')
  })

  it('a stake is not released without an unbond request', () => {
    spec.given(...validator).when(cmd.release(ALICE, 1)).thenFails('not-unbonding')
  })

  it('a stake is not released before the cooldown ends', () => {
    spec
      .given(...validator, { command: cmd.unbond(ALICE, 1) }, { advance: 7 * DAY - 1 })
      .when(cmd.release(ALICE, 1))
      .thenFails('cooldown-running')
  })

  it('after the cooldown the whole stake returns to OPEN', () => {
    spec
      .given(...validator, { command: cmd.unbond(ALICE, 1) }, { advance: 7 * DAY })
      .when(cmd.release(ALICE, 1))
      .then([{ type: 'StakeReleased', data: { account: ALICE, stakeId: 1, amount: tokens(10_000) } }])
  })

  it('a released stake cannot be released twice', () => {
    spec
      .given(...validator, { command: cmd.unbond(ALICE, 1) }, { advance: 7 * DAY }, { command: cmd.release(ALICE, 1) })
      .when(cmd.release(ALICE, 1))
      .thenFails('unknown-stake')
  })
})

describe('slashing', () => {
  it('stays slashable during the cooldown for an offense before the request', () => {
    const t = spec.play([...validator, { advance: DAY }, { command: cmd.unbond(ALICE, 1) }])
    const before = t.now - 1
    expect(isRight(slashStake(t.state, ALICE, 1, tokens(100), before, evidence))).toBe(true)
  })

  it('is not slashable for an offense after the unbond request', () => {
    const t = spec.play([...validator, { command: cmd.unbond(ALICE, 1) }])
    const result = slashStake(t.state, ALICE, 1, tokens(100), t.now, evidence)
    expect(isLeft(result) && result.left.code).toBe('not-slashable')
  })

  it('is not slashable once released', () => {
    const t = spec.play([...validator, { command: cmd.unbond(ALICE, 1) }, { advance: 7 * DAY }, { command: cmd.release(ALICE, 1) }])
    const result = slashStake(t.state, ALICE, 1, 1n, 0, evidence)
    expect(isLeft(result) && result.left.code).toBe('not-slashable')
  })

  it('never takes more than the stake', () => {
    const t = spec.play(validator)
    const result = slashStake(t.state, ALICE, 1, tokens(1_000_000), t.now, evidence)
    expect(isRight(result) && result.right.data.amount).toBe(tokens(10_000))
  })
})
