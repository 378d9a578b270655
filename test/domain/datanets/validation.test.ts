import { describe, expect, it } from 'vitest'
import { fromHex } from '../../../domain/crypto/hex.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { accountOf } from '../../../domain/governance/state.js'
import { merkleRoot } from '../../../domain/ledger/merkle.js'
import { cmd as gov } from '../governance/fixtures.js'
import { ALICE, BOB, CAROL, DAY, DAVE, ecmd, espec, hashOf, idOf, MANDATE, withDatanet, type EStep } from './fixtures.js'

/** The genesis initial trust, in millionths. */
const T0 = 100_000n
const submitted = (content = 'a', bond = true): EStep[] => [...withDatanet(), { command: ecmd.submit(content, { bond }) }]
/** Bob 10k, Carol 20k, Dave 10k of validator stake. */
const judged = (b: 'accept' | 'reject' | 'spam', c: 'accept' | 'reject' | 'spam', d: 'accept' | 'reject' | 'spam', content = 'a'): EStep[] => [
  { command: ecmd.verdict(BOB, content, b, 90, 60) },
  { command: ecmd.verdict(CAROL, content, c, 70, 80) },
  { command: ecmd.verdict(DAVE, content, d, 10, 10) },
]

describe('verdicts', () => {
  it('a staked validator’s verdict weighs its validator stake', () => {
    espec
      .given(...submitted())
      .when(ecmd.verdict(CAROL, 'a', 'accept', 75, 60))
      .then([{ type: 'VerdictCast', data: { contributionId: idOf('a'), validator: CAROL, decision: 'accept', quality: 75, relevance: 60, reason: 'accept by fixture', stake: tokens(20_000), trust: 100_000, weight: tokens(20_000) * 100_000n } }])
  })

  it('only staked validators judge', () => {
    espec.given(...submitted('a'), { command: ecmd.submit('b', { actor: BOB }) }).when(ecmd.verdict(ALICE, 'b', 'accept')).thenFails('not-validator')
  })

  it('a validator who asked to unbond is no longer one', () => {
    espec.given(...submitted(), { command: gov.unbond(BOB, 1) }).when(ecmd.verdict(BOB, 'a', 'accept')).thenFails('not-validator')
  })

  it('nobody judges their own contribution', () => {
    espec.given(...submitted(), { command: ecmd.submit('b', { actor: BOB }) }).when(ecmd.verdict(BOB, 'b', 'accept')).thenFails('own-contribution')
  })

  it('one verdict per validator per contribution', () => {
    espec.given(...submitted(), { command: ecmd.verdict(BOB, 'a', 'accept') }).when(ecmd.verdict(BOB, 'a', 'reject')).thenFails('already-judged')
  })

  it('no verdicts after the first N, nor after the validation window', () => {
    espec.given(...withDatanet({ verdictsToFinalize: 1 }), { command: ecmd.submit('a') }, { command: ecmd.verdict(BOB, 'a', 'accept') }).when(ecmd.verdict(CAROL, 'a', 'accept')).thenFails('validation-closed')
    espec.given(...submitted(), { advance: 3 * DAY }).when(ecmd.verdict(BOB, 'a', 'accept')).thenFails('validation-closed')
  })

  it('an unknown contribution cannot be judged', () => {
    espec.given(...submitted()).when(ecmd.verdict(BOB, 'zz', 'accept')).thenFails('unknown-contribution')
  })
})

describe('finalizing', () => {
  it('waits for N verdicts or the end of the window', () => {
    espec.given(...submitted(), { command: ecmd.verdict(BOB, 'a', 'accept') }).when(ecmd.finalize('a')).thenFails('validation-running')
  })

  it('accepted when the weight for accept outweighs the rest; quality and relevance are weighted medians; trust moves toward agreement; the bond comes back', () => {
    // accept: Carol 20k + Dave 10k = 30k against Bob's 10k reject, each × the initial trust 0.1 (100,000 millionths).
    const history = [...submitted(), ...judged('reject', 'accept', 'accept')]
    const t = espec.play(history)
    const seqs = [...(t.state.data.contributions.get(idOf('a'))?.verdicts.values() ?? [])].map((v) => v.sequence)
    espec
      .given(...history)
      .when(ecmd.finalize('a'))
      .then([
        // Quality 10 (10k), 70 (20k), 90 (10k): half of 40k is reached at 70. Relevance 10 (10k), 60 (10k): 20k, half, at 60.
        { type: 'ContributionFinalized', data: { contributionId: idOf('a'), datanetId: MANDATE, outcome: 'accepted', quality: 70, relevance: 60, tally: { accept: tokens(30_000) * T0, reject: tokens(10_000) * T0, spam: 0n }, verdicts: seqs } },
        // Agreeing: 100,000 + (1,000,000 − 100,000) / 10 = 190,000. Bob disagreed: 100,000 − 100,000 / 3 = 66,667 (the step truncated toward zero).
        {
          type: 'ValidatorTrustUpdated',
          data: {
            basis: 'verdicts',
            subject: idOf('a'),
            updates: [
              { validator: BOB, agreement: 0, before: 100_000, after: 66_667 },
              { validator: CAROL, agreement: 1_000_000, before: 100_000, after: 190_000 },
              { validator: DAVE, agreement: 1_000_000, before: 100_000, after: 190_000 },
            ].sort((x, y) => (x.validator < y.validator ? -1 : 1)),
          },
        },
        { type: 'StakeReleased', data: { account: ALICE, stakeId: 2, amount: tokens(100) } },
      ])
  })

  it('spam loses the bond to the treasury, citing the contributor’s own submission and the verdicts', () => {
    const history = [...submitted(), ...judged('spam', 'spam', 'accept')]
    const t = espec.play(history)
    const contribution = t.state.data.contributions.get(idOf('a'))
    const seqs = [contribution?.submittedSequence ?? 0, ...[...(contribution?.verdicts.values() ?? [])].map((v) => v.sequence).sort((a, b) => a - b)]
    const events = espec.given(...history).when(ecmd.finalize('a')).events()
    expect(events[0]).toMatchObject({ data: { outcome: 'spam' } })
    expect(events.slice(2)).toEqual([
      { type: 'StakeSlashed', data: { account: ALICE, stakeId: 2, amount: tokens(100), evidence: { kind: 'rule', rule: 'spam-contribution', subject: idOf('a'), sequences: seqs } } },
    ])
    const after = espec.play([...history, { command: ecmd.finalize('a') }]).state
    expect(after.governance.treasury - t.state.governance.treasury).toBe(tokens(100))
    expect(accountOf(after.governance, ALICE).stakes.has(2)).toBe(false)
  })

  it('a partial spam slash returns the rest of the bond', () => {
    const history = [...withDatanet({ spamSlash: { numerator: 1, denominator: 4 } }), { command: ecmd.submit('a') }, ...judged('spam', 'spam', 'spam')]
    expect(espec.given(...history).when(ecmd.finalize('a')).events().slice(2)).toMatchObject([
      { type: 'StakeSlashed', data: { amount: tokens(25) } },
      { type: 'StakeReleased', data: { amount: tokens(75) } },
    ])
  })

  it('rejected (not spam) returns the bond', () => {
    const events = espec.given(...submitted(), ...judged('reject', 'spam', 'reject')).when(ecmd.finalize('a')).events()
    // spam 20k vs reject 20k: not more, so plain rejection.
    expect(events).toMatchObject([{ data: { outcome: 'rejected' } }, { type: 'ValidatorTrustUpdated' }, { type: 'StakeReleased', data: { amount: tokens(100) } }])
  })

  it('after the window with no verdicts it is unjudged and the bond comes back; an unbonded one records the outcome alone', () => {
    expect(espec.given(...submitted(), { advance: 3 * DAY }).when(ecmd.finalize('a')).events()).toMatchObject([{ data: { outcome: 'unjudged' } }, { type: 'StakeReleased' }])
    expect(espec.given(...submitted('a', false), { advance: 3 * DAY }).when(ecmd.finalize('a')).events()).toMatchObject([{ data: { outcome: 'unjudged', quality: 0 } }])
  })

  it('finalizes once', () => {
    espec.given(...submitted(), ...judged('accept', 'accept', 'accept'), { command: ecmd.finalize('a') }).when(ecmd.finalize('a')).thenFails('validation-closed')
  })
})

describe('dataset versions', () => {
  const accepted = (...contents: string[]): EStep[] => contents.flatMap((c) => [{ command: ecmd.submit(c) }, ...judged('accept', 'accept', 'reject', c), { command: ecmd.finalize(c) }])

  it('version 1 is the accepted contributions in order, their RFC 6962 root, total bytes and a licence summary', () => {
    const history = [...withDatanet(), ...accepted('x', 'y'), { command: ecmd.submit('z', { licence: 'MIT', bytes: 5 }) }, ...judged('accept', 'accept', 'accept', 'z'), { command: ecmd.finalize('z') }]
    espec
      .given(...history)
      .when(ecmd.seal())
      .then([
        {
          type: 'DatasetVersionSealed',
          data: {
            datanetId: MANDATE,
            version: 1,
            contributions: [idOf('x'), idOf('y'), idOf('z')],
            root: merkleRoot(['x', 'y', 'z'].map((c) => fromHex(hashOf(c)))),
            totalBytes: 2_005,
            licences: [{ licence: 'CC-BY-4.0', items: 2, bytes: 2_000 }, { licence: 'MIT', items: 1, bytes: 5 }],
          },
        },
      ])
  })

  it('rejected contributions are left out, and an unchanged set is not sealed again', () => {
    const history = [...withDatanet(), ...accepted('x'), { command: ecmd.submit('s') }, ...judged('spam', 'spam', 'spam', 's'), { command: ecmd.finalize('s') }]
    expect(espec.given(...history).when(ecmd.seal()).events()[0]).toMatchObject({ data: { contributions: [idOf('x')] } })
    espec.given(...history, { command: ecmd.seal() }).when(ecmd.seal()).thenFails('nothing-to-seal')
    espec.given(...withDatanet()).when(ecmd.seal()).thenFails('nothing-to-seal')
  })

  it('a revoked contribution is excluded from later versions; the earlier version stays as sealed', () => {
    const history = [...withDatanet(), ...accepted('x', 'y'), { command: ecmd.seal() }, { command: ecmd.revoke('x') }]
    const v1 = espec.play(history.slice(0, -1))
    expect(v1.state.data.datanets.get(MANDATE)?.lastVersion).toEqual([idOf('x'), idOf('y')])
    expect(espec.given(...history).when(ecmd.seal()).events()[0]).toMatchObject({ data: { version: 2, contributions: [idOf('y')], root: merkleRoot([fromHex(hashOf('y'))]) } })
  })

  it('sealing needs a datanet', () => {
    espec.given(...withDatanet()).when({ type: 'SealDatasetVersion', actor: DAVE, payload: { datanetId: 'ab'.repeat(32) } }).thenFails('unknown-datanet')
  })
})
