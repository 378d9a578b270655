/** Appeals of slashes and disputes of usage batches, decided by governance, every movement citing its evidence. */
import { describe, expect, it } from 'vitest'
import type { EconomyEvent } from '../../../domain/economy/events.js'
import type { ProposalAction } from '../../../domain/governance/actions.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { accountOf, circulating } from '../../../domain/governance/state.js'
import { hashFor } from '../decider-spec.js'
import { cmd as gov, enacted, governed } from '../governance/fixtures.js'
import { ALICE, BOB, CAROL, DAVE, DAY, dcmd, deployed, espec, OPERATOR, type ECmd, type EStep } from '../deployment/fixtures.js'

const play = (steps: EStep[]) => espec.play(steps)
const nextId = (steps: EStep[]): string => hashFor(play(steps).commands + 1)
const appealCmd = (actor: string, slashSequence: number): ECmd => ({ type: 'AppealSlash', actor, payload: { slashSequence, statement: 'the tally counted a delegation made after the snapshot' } })
const disputeCmd = (actor: string, usageSequence: number, requestIds: string[]): ECmd => ({ type: 'DisputeUsage', actor, payload: { usageSequence, requestIds, statement: 'these requests timed out and returned nothing' } })
const resolve = (before: EStep[], action: ProposalAction) => {
  const r = enacted(before, [action], play, { proposer: CAROL })
  return { ...r, execute: gov.execute(DAVE, r.proposalId) }
}
const slashesIn = (events: readonly EconomyEvent[]) => events.flatMap((e) => (e.type === 'StakeSlashed' ? [e.data] : []))
const refundsIn = (events: readonly EconomyEvent[]) => events.flatMap((e) => (e.type === 'UsageRefunded' ? [e.data] : []))
const reversalsIn = (events: readonly EconomyEvent[]) => events.flatMap((e) => (e.type === 'SlashReversed' ? [e.data] : []))

// Alice's model proposal is vetoed: half her 1,000 OPEN stake goes to the treasury.
const P = hashFor(14)
const vetoed: EStep[] = [...governed(), { command: gov.propose(ALICE) }, { advance: DAY }, { command: gov.vote(BOB, P, 'against') }, { advance: 7 * DAY }, { command: gov.finalize(DAVE, P) }]
const SLASH = [...play(vetoed).state.appeals.slashes.keys()][0] as number
const APPEAL = nextId(vetoed)
const appealed: EStep[] = [...vetoed, { command: appealCmd(ALICE, SLASH) }]

describe('appealing a slash', () => {
  it('the slashed account appeals within the window, locking the bond', () => {
    espec
      .given(...vetoed)
      .when(appealCmd(ALICE, SLASH))
      .then([
        { type: 'SlashAppealed', data: { appealId: APPEAL, account: ALICE, slashSequence: SLASH, amount: tokens(500), bond: tokens(100), bondStakeId: 2, statement: 'the tally counted a delegation made after the snapshot' } },
        { type: 'StakeLocked', data: { account: ALICE, stakeId: 2, purpose: 'appeal', amount: tokens(100), proposalId: null } },
      ])
  })

  it('only the slashed account, only a real slash, only within the window, only once', () => {
    espec.given(...vetoed).when(appealCmd(BOB, SLASH)).thenFails('not-slashed-account')
    espec.given(...vetoed).when(appealCmd(ALICE, SLASH + 1)).thenFails('unknown-slash')
    espec.given(...vetoed, { advance: 7 * DAY + 1 }).when(appealCmd(ALICE, SLASH)).thenFails('appeal-window-closed')
    espec.given(...appealed).when(appealCmd(ALICE, SLASH)).thenFails('already-appealed')
    espec.given(...appealed).when(gov.unbond(ALICE, 2)).thenFails('not-unbondable')
  })

  it('upheld: the slash is paid back from the treasury and the bond released', () => {
    const r = resolve(appealed, { kind: 'resolve-appeal', appealId: APPEAL, upheld: true, reason: 'the snapshot rule was misapplied' })
    const events = espec.given(...r.steps).when(r.execute).events()
    expect(events.slice(1, 4)).toEqual([
      { type: 'AppealResolved', data: { appealId: APPEAL, proposalId: r.proposalId, upheld: true, reason: 'the snapshot rule was misapplied' } },
      { type: 'SlashReversed', data: { appealId: APPEAL, account: ALICE, slashSequence: SLASH, amount: tokens(500) } },
      { type: 'StakeReleased', data: { account: ALICE, stakeId: 2, amount: tokens(100) } },
    ])
    const t = play([...r.steps, { command: r.execute }])
    expect(accountOf(t.state.governance, ALICE).open).toBe(tokens(30_000))
    expect(circulating(t.state.governance)).toBe(t.state.governance.genesis?.supply)
  })

  it('rejected: the bond goes to the treasury, citing the appeal itself', () => {
    const r = resolve(appealed, { kind: 'resolve-appeal', appealId: APPEAL, upheld: false, reason: 'the veto stands' })
    const events = espec.given(...r.steps).when(r.execute).events()
    const appealSequence = play(vetoed).sequence + 1
    expect(slashesIn(events)).toEqual([{ account: ALICE, stakeId: 2, amount: tokens(100), evidence: { kind: 'rule', rule: 'appeal-rejected', subject: APPEAL, sequences: [appealSequence] } }])
    expect(reversalsIn(events)).toEqual([])
  })

  it('is resolved once: a proposal resolving it twice executes nothing', () => {
    const twice = enacted(appealed, [{ kind: 'resolve-appeal', appealId: APPEAL, upheld: true, reason: 'once' }, { kind: 'resolve-appeal', appealId: APPEAL, upheld: false, reason: 'twice' }], play, { proposer: CAROL })
    espec.given(...twice.steps).when(gov.execute(DAVE, twice.proposalId)).thenFails('appeal-resolved')
    const unknown = resolve(vetoed, { kind: 'resolve-appeal', appealId: 'ab'.repeat(32), upheld: true, reason: 'none' })
    espec.given(...unknown.steps).when(unknown.execute).thenFails('unknown-appeal')
  })
})

describe('disputing a usage batch', () => {
  const { history, deploymentId, grantId } = deployed()
  const at = new Date(play(history).now).toISOString()
  const receipts = [
    { requestId: 'req-1', grantId, inputTokens: 1_000, outputTokens: 1_000, at },
    { requestId: 'req-2', grantId, inputTokens: 2_000, outputTokens: 0, at },
  ]
  const used: EStep[] = [...history, { command: dcmd.usage(deploymentId, receipts) }]
  const USAGE = play(history).sequence + 1
  const DISPUTE = nextId(used)
  const fee1 = 1_000n + 3_000n // 1k input at 1,000 and 1k output at 3,000 base units per thousand
  const disputed: EStep[] = [...used, { command: disputeCmd(BOB, USAGE, ['req-1']) }]

  it('a charged consumer disputes receipts of the batch, locking the bond', () => {
    const events = espec.given(...used).when(disputeCmd(BOB, USAGE, ['req-1'])).events()
    expect(events[0]).toEqual({
      type: 'UsageDisputed',
      data: { disputeId: DISPUTE, consumer: BOB, deploymentId, operator: OPERATOR, usageSequence: USAGE, requestIds: ['req-1'], amount: fee1, bond: tokens(10), bondStakeId: events[1]?.type === 'StakeLocked' ? events[1].data.stakeId : -1, statement: 'these requests timed out and returned nothing' },
    })
    expect(events[1]?.data).toMatchObject({ account: BOB, purpose: 'dispute', amount: tokens(10) })
  })

  it('only a consumer charged in the batch, only its own receipts, within the window, once', () => {
    espec.given(...used).when(disputeCmd(CAROL, USAGE, ['req-1'])).thenFails('not-charged-consumer')
    espec.given(...used).when(disputeCmd(BOB, USAGE, ['req-9'])).thenFails('bad-dispute-receipts')
    espec.given(...used).when(disputeCmd(BOB, USAGE + 1, ['req-1'])).thenFails('unknown-usage-batch')
    espec.given(...used, { advance: 7 * DAY + 1 }).when(disputeCmd(BOB, USAGE, ['req-1'])).thenFails('dispute-window-closed')
    espec.given(...disputed).when(disputeCmd(BOB, USAGE, ['req-2'])).thenFails('already-disputed')
  })

  it('upheld: the operator’s stake refunds the consumer, citing the operator’s own batch', () => {
    const r = resolve(disputed, { kind: 'resolve-dispute', disputeId: DISPUTE, upheld: true, reason: 'the gateway logs show timeouts' })
    const events = espec.given(...r.steps).when(r.execute).events()
    const [slashed] = slashesIn(events)
    expect(slashed).toMatchObject({ account: OPERATOR, amount: fee1, evidence: { kind: 'rule', rule: 'usage-dispute', subject: DISPUTE, sequences: [USAGE] } })
    expect(refundsIn(events)).toEqual([{ disputeId: DISPUTE, consumer: BOB, operator: OPERATOR, amount: fee1 }])
    const before = play(r.steps).state.governance
    const t = play([...r.steps, { command: r.execute }])
    expect(accountOf(t.state.governance, BOB).open).toBe(accountOf(before, BOB).open + fee1 + tokens(10))
    expect(t.state.governance.treasury).toBe(before.treasury)
    expect(circulating(t.state.governance)).toBe(t.state.governance.genesis?.supply)
  })

  it('rejected: the consumer’s bond goes to the treasury; the operator keeps its stake', () => {
    const r = resolve(disputed, { kind: 'resolve-dispute', disputeId: DISPUTE, upheld: false, reason: 'the responses were served' })
    const events = espec.given(...r.steps).when(r.execute).events()
    expect(slashesIn(events).map((d) => [d.account, d.amount])).toEqual([[BOB, tokens(10)]])
    expect(refundsIn(events)).toEqual([])
  })
})
