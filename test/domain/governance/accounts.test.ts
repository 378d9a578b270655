import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import { accountOf, currentVotingPower, totalPowerAt } from '../../../domain/governance/state.js'
import { ALICE, BOB, CAROL, cmd, spec } from './fixtures.js'

const registered = [{ command: cmd.genesis() }, { command: cmd.register(ALICE) }, { command: cmd.register(BOB) }]

describe('OPEN transfers', () => {
  it('a transfer debits the sender and credits the recipient, one event in each account', () => {
    const data = { from: ALICE, to: CAROL, amount: tokens(10) }
    spec.given(...registered).when(cmd.transfer(ALICE, CAROL, tokens(10))).then([
      { type: 'OpenSent', data },
      { type: 'OpenReceived', data },
    ])
  })

  it('cannot spend more OPEN than the account holds', () => {
    spec.given(...registered).when(cmd.transfer(ALICE, BOB, tokens(50_001))).thenFails('insufficient-open')
  })

  it('a transfer to oneself is refused', () => {
    spec.given(...registered).when(cmd.transfer(ALICE, ALICE, 1n)).thenFails('self-transfer')
  })

  it('OPEN staked is not spendable', () => {
    spec
      .given(...registered, { command: cmd.lock(ALICE, 'validator', tokens(45_000)) })
      .when(cmd.transfer(ALICE, BOB, tokens(5_001)))
      .thenFails('insufficient-open')
  })
})

describe('wrapping', () => {
  it('wraps OPEN into gOPEN one to one', () => {
    spec.given(...registered).when(cmd.wrap(ALICE, tokens(7))).then([{ type: 'OpenWrapped', data: { account: ALICE, amount: tokens(7) } }])
  })

  it('cannot wrap more OPEN than held', () => {
    spec.given(...registered).when(cmd.wrap(ALICE, tokens(50_001))).thenFails('insufficient-open')
  })

  it('unwraps gOPEN back into OPEN', () => {
    spec
      .given(...registered, { command: cmd.wrap(ALICE, tokens(7)) })
      .when(cmd.unwrap(ALICE, tokens(7)))
      .then([{ type: 'GopenUnwrapped', data: { account: ALICE, amount: tokens(7) } }])
  })

  it('cannot unwrap more gOPEN than held', () => {
    spec.given(...registered, { command: cmd.wrap(ALICE, tokens(7)) }).when(cmd.unwrap(ALICE, tokens(8))).thenFails('insufficient-gopen')
  })
})

describe('delegation', () => {
  it('gOPEN counts as voting power only once delegated', () => {
    const timeline = spec.play([...registered, { command: cmd.wrap(ALICE, tokens(100)) }])
    expect(currentVotingPower(timeline.state, ALICE)).toBe(0n)
    const after = spec.play([...registered, { command: cmd.wrap(ALICE, tokens(100)) }, { command: cmd.delegate(ALICE, ALICE) }])
    expect(currentVotingPower(after.state, ALICE)).toBe(tokens(100))
  })

  it('delegating to another governor moves the power, never copies it', () => {
    const t = spec.play([
      ...registered,
      { command: cmd.wrap(ALICE, tokens(100)) },
      { command: cmd.delegate(ALICE, ALICE) },
      { command: cmd.delegate(ALICE, BOB) },
    ])
    expect(currentVotingPower(t.state, ALICE)).toBe(0n)
    expect(currentVotingPower(t.state, BOB)).toBe(tokens(100))
    expect(totalPowerAt(t.state, t.sequence)).toBe(tokens(100))
  })

  it('power follows the delegator’s wraps and unwraps', () => {
    const t = spec.play([
      ...registered,
      { command: cmd.delegate(ALICE, BOB) },
      { command: cmd.wrap(ALICE, tokens(100)) },
      { command: cmd.unwrap(ALICE, tokens(30)) },
    ])
    expect(currentVotingPower(t.state, BOB)).toBe(tokens(70))
    expect(accountOf(t.state, ALICE).gopen).toBe(tokens(70))
  })

  it('records the previous delegate, so each account’s history reads on its own', () => {
    spec
      .given(...registered, { command: cmd.delegate(ALICE, ALICE) })
      .when(cmd.delegate(ALICE, BOB))
      .then([{ type: 'VotesDelegated', data: { account: ALICE, from: ALICE, to: BOB } }])
  })

  it('a delegation may be withdrawn', () => {
    spec
      .given(...registered, { command: cmd.delegate(ALICE, BOB) })
      .when(cmd.delegate(ALICE, null))
      .then([{ type: 'VotesDelegated', data: { account: ALICE, from: BOB, to: null } }])
  })

  it('power goes only to a registered identity', () => {
    spec.given(...registered).when(cmd.delegate(ALICE, CAROL)).thenFails('unknown-delegate')
  })

  it('re-delegating to the same governor is refused', () => {
    spec.given(...registered, { command: cmd.delegate(ALICE, BOB) }).when(cmd.delegate(ALICE, BOB)).thenFails('delegation-unchanged')
  })
})
