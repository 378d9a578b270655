import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import { cmd as gov } from '../governance/fixtures.js'
import { ALICE, BOB, DAY, DAVE, ecmd, espec, hashOf, idOf, MANDATE, mandated, withDatanet } from './fixtures.js'

const limits = { maxItemBytes: 5_000_000, maxBytesPerDay: 10_000_000, maxItemsPerDay: 20 }

describe('opening a datanet', () => {
  it('the mandate’s proposer opens it with media types, licences and the genesis limits', () => {
    espec
      .given(...mandated())
      .when(ecmd.open())
      .then([{ type: 'DatanetOpened', data: { datanetId: MANDATE, mandateId: MANDATE, opener: ALICE, mediaTypes: ['text/plain', 'application/json'], licences: ['CC-BY-4.0', 'MIT'], limits } }])
  })

  it('only the mandate’s proposer may open it', () => {
    espec.given(...mandated()).when(ecmd.open(BOB)).thenFails('not-mandate-proposer')
  })

  it('needs a mandate', () => {
    espec.given(...mandated()).when(ecmd.open(ALICE, 'ab'.repeat(32))).thenFails('unknown-mandate')
  })

  it('one datanet per mandate', () => {
    espec.given(...withDatanet()).when(ecmd.open()).thenFails('datanet-exists')
  })
})

describe('submitting a contribution', () => {
  it('records the attributed item and locks the bond as a bond stake', () => {
    espec
      .given(...withDatanet())
      .when(ecmd.submit('a'))
      .then([
        {
          type: 'ContributionSubmitted',
          data: { contributionId: idOf('a'), datanetId: MANDATE, contributor: ALICE, contentHash: hashOf('a'), byteLength: 1_000, mediaType: 'text/plain', licence: 'CC-BY-4.0', metadata: { source: 'fixture' }, bond: tokens(100), bondStakeId: 2 },
        },
        { type: 'StakeLocked', data: { account: ALICE, stakeId: 2, purpose: 'bond', amount: tokens(100), proposalId: null } },
      ])
  })

  it('the bond is optional', () => {
    const events = espec.given(...withDatanet()).when(ecmd.submit('a', { bond: false })).events()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ data: { bond: 0n, bondStakeId: null } })
  })

  it('refuses the same content twice in one datanet', () => {
    espec.given(...withDatanet(), { command: ecmd.submit('a') }).when(ecmd.submit('a', { actor: BOB })).thenFails('duplicate-content')
  })

  it('refuses a media type the datanet does not take', () => {
    espec.given(...withDatanet()).when(ecmd.submit('a', { mediaType: 'image/png' })).thenFails('media-type-not-allowed')
  })

  it('refuses a licence off the allow-list', () => {
    espec.given(...withDatanet()).when(ecmd.submit('a', { licence: 'GPL-3.0-only' })).thenFails('licence-not-allowed')
  })

  it('refuses an item over the per-item size limit', () => {
    espec.given(...withDatanet()).when(ecmd.submit('a', { bytes: 5_000_001 })).thenFails('item-too-large')
  })

  it('refuses an item over the contributor’s daily item count', () => {
    espec.given(...withDatanet({ maxItemsPerDay: 1 }), { command: ecmd.submit('a') }).when(ecmd.submit('b')).thenFails('daily-limit')
  })

  it('refuses an item over the contributor’s daily bytes, and takes it the next day', () => {
    const day = [...withDatanet(), { command: ecmd.submit('a', { bytes: 5_000_000 }) }, { command: ecmd.submit('b', { bytes: 5_000_000 }) }]
    espec.given(...day).when(ecmd.submit('c', { bytes: 1 })).thenFails('daily-limit')
    espec.given(...day, { advance: DAY }).when(ecmd.submit('c', { bytes: 1 })).events()
  })

  it('the limits are per contributor', () => {
    espec.given(...withDatanet({ maxItemsPerDay: 1 }), { command: ecmd.submit('a') }).when(ecmd.submit('b', { actor: BOB })).events()
  })

  it('needs a datanet, a registered contributor and OPEN for the bond', () => {
    espec.given(...mandated()).when(ecmd.submit('a')).thenFails('unknown-datanet')
    espec.given(...withDatanet()).when(ecmd.submit('a', { actor: 'e5'.repeat(32) })).thenFails('not-registered')
    espec.given(...withDatanet(), { command: gov.transfer(DAVE, BOB, tokens(20_000)) }).when(ecmd.submit('a', { actor: DAVE })).thenFails('insufficient-open')
  })

  it('a bond cannot be unbonded: only validation settles it', () => {
    espec.given(...withDatanet(), { command: ecmd.submit('a') }).when(gov.unbond(ALICE, 2)).thenFails('not-unbondable')
  })
})

describe('revoking consent', () => {
  it('the contributor withdraws consent once', () => {
    espec.given(...withDatanet(), { command: ecmd.submit('a') }).when(ecmd.revoke('a')).then([{ type: 'ContributionRevoked', data: { contributionId: idOf('a'), datanetId: MANDATE } }])
    espec.given(...withDatanet(), { command: ecmd.submit('a') }, { command: ecmd.revoke('a') }).when(ecmd.revoke('a')).thenFails('already-revoked')
  })

  it('nobody else may revoke it', () => {
    espec.given(...withDatanet(), { command: ecmd.submit('a') }).when(ecmd.revoke('a', BOB)).thenFails('not-contributor')
    espec.given(...withDatanet()).when(ecmd.revoke('zz')).thenFails('unknown-contribution')
  })
})
