import { isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decideAndRecord } from '../../../domain/decider.js'
import { governanceDecider } from '../../../domain/governance/decider.js'
import { ALICE, ALLOCATION, BOB, cmd, LEDGER, params, spec, TREASURY, TREASURY_FUNDS } from './fixtures.js'

describe('genesis', () => {
  it('records the parameters, keys and allocations in the first event', () => {
    spec
      .given()
      .when(cmd.genesis({}, [ALICE]))
      .then([
        {
          type: 'GenesisEstablished',
          data: { params, ledgerKey: LEDGER, treasuryKey: TREASURY, treasury: TREASURY_FUNDS, allocations: [{ account: ALICE, amount: ALLOCATION }] },
        },
      ])
  })

  it('fixes the supply as the treasury plus the allocations', () => {
    const ctx = { recordedAt: '2026-01-01T00:00:00.000Z', commandHash: '00'.repeat(32), ledgerKey: LEDGER, issuedAt: '2026-01-01T00:00:00.000Z' }
    const outcome = decideAndRecord(governanceDecider, governanceDecider.initialState, cmd.genesis({}, [ALICE, BOB]), ctx, 1)
    expect(isRight(outcome)).toBe(true)
    if (isRight(outcome)) expect(outcome.right.state.genesis?.supply).toBe(TREASURY_FUNDS + 2n * ALLOCATION)
  })

  it('happens once: a second genesis is refused', () => {
    spec.given({ command: cmd.genesis() }).when(cmd.genesis()).thenFails('genesis-exists')
  })

  it('is signed by the ledger key, so no one else chooses the rules', () => {
    spec.given().when({ ...cmd.genesis(), actor: ALICE }).thenFails('not-ledger-key')
  })

  it('refuses a ratio above one', () => {
    spec.given().when(cmd.genesis({ quorum: { numerator: 3, denominator: 2 } })).thenFails('invalid-genesis')
  })

  it('refuses an account allocated twice', () => {
    spec.given().when(cmd.genesis({}, [ALICE, ALICE])).thenFails('invalid-genesis')
  })

  it('comes before everything: any other command without it is refused', () => {
    spec.given().when(cmd.register(ALICE)).thenFails('no-genesis')
  })
})

describe('identities', () => {
  it('a key registers itself with a display name', () => {
    spec
      .given({ command: cmd.genesis() })
      .when(cmd.register(ALICE, 'Alice'))
      .then([{ type: 'IdentityRegistered', data: { key: ALICE, displayName: 'Alice' } }])
  })

  it('a key registers once', () => {
    spec.given({ command: cmd.genesis() }, { command: cmd.register(ALICE) }).when(cmd.register(ALICE)).thenFails('already-registered')
  })

  it('an unregistered key cannot move OPEN', () => {
    spec.given({ command: cmd.genesis() }).when(cmd.transfer(ALICE, BOB, 1n)).thenFails('not-registered')
  })
})
