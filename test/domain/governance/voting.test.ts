/** Voting as OZ Governor users expect it: reasons, quorum of the supply, late-quorum extension; and backing. */
import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import type { ProposalAction } from '../../../domain/governance/actions.js'
import { phaseOf, tallyOf } from '../../../domain/governance/outcome.js'
import { accountOf, circulating } from '../../../domain/governance/state.js'
import type { Step } from '../decider-spec.js'
import { ALICE, BOB, CAROL, cmd, DAVE, DAY, governed, proposalIdAt, spec, type Cmd, type Ev } from './fixtures.js'

const HOUR = 60 * 60 * 1000
const P = proposalIdAt(14)
const TRANSFER: ProposalAction[] = [{ kind: 'transfer-treasury', to: DAVE, amount: tokens(10), memo: 'tip' }]

describe('votes with a reason', () => {
  it('records the vote, then the reason', () => {
    spec
      .given(...governed(), { command: cmd.propose(ALICE) }, { advance: DAY })
      .when(cmd.voteWithReason(BOB, P, 'against', 'the rubric is too lax for clinical use'))
      .then([
        { type: 'VoteCast', data: { proposalId: P, voter: BOB, support: 'against', weight: tokens(20_000) } },
        { type: 'VoteReasonGiven', data: { proposalId: P, voter: BOB, reason: 'the rubric is too lax for clinical use' } },
      ])
  })

  it('is one vote like any other', () => {
    spec
      .given(...governed(), { command: cmd.propose(ALICE) }, { advance: DAY }, { command: cmd.vote(BOB, P, 'for') })
      .when(cmd.voteWithReason(BOB, P, 'against', 'changed my mind'))
      .thenFails('already-voted')
  })
})

describe('quorum', () => {
  // Carol wraps 30,000 more gOPEN and delegates none of it.
  const idle: Step<Cmd, Ev>[] = [{ command: cmd.wrap(CAROL, tokens(30_000)) }, { command: cmd.delegate(CAROL, null) }]

  it('is a share of all gOPEN at the snapshot, delegated or not (quorumBasis supply, the default)', () => {
    const t = spec.play([...governed(), ...idle, { command: cmd.propose(ALICE) }])
    const proposal = t.state.proposals.get(proposalIdAt(16))
    expect(proposal && tallyOf(t.state, proposal)).toMatchObject({ snapshotPower: tokens(110_000), quorum: tokens(5_500) })
  })

  it('may instead be a share of the delegated gOPEN (quorumBasis delegated)', () => {
    const t = spec.play([...governed({ quorumBasis: 'delegated' }), ...idle, { command: cmd.propose(ALICE) }])
    const proposal = t.state.proposals.get(proposalIdAt(16))
    expect(proposal && tallyOf(t.state, proposal)).toMatchObject({ snapshotPower: tokens(60_000), quorum: tokens(3_000) })
  })
})

describe('late-quorum extension', () => {
  // A quorum of 25% of 80,000: one governor's 20,000 reaches it.
  const open: Step<Cmd, Ev>[] = [...governed({ quorum: { numerator: 25, denominator: 100 } }), { command: cmd.propose(ALICE) }, { advance: DAY }]
  const lastHour: Step<Cmd, Ev>[] = [...open, { advance: 7 * DAY - HOUR }]
  const end = Date.UTC(2026, 0, 9)

  it('a whale vote that brings quorum near the deadline extends the period', () => {
    spec
      .given(...lastHour)
      .when(cmd.vote(DAVE, P, 'for'))
      .then([
        { type: 'VoteCast', data: { proposalId: P, voter: DAVE, support: 'for', weight: tokens(20_000) } },
        { type: 'VotingExtended', data: { proposalId: P, votingEndsAt: new Date(end - HOUR + DAY).toISOString() } },
      ])
  })

  it('so the others can still answer after the original deadline, and nobody can queue meanwhile', () => {
    const whale: Step<Cmd, Ev>[] = [...lastHour, { command: cmd.vote(DAVE, P, 'for') }, { advance: 2 * HOUR }]
    spec.given(...whale).when(cmd.queue(CAROL, P)).thenFails('not-succeeded')
    const answered: Step<Cmd, Ev>[] = [...whale, { command: cmd.vote(BOB, P, 'against') }, { command: cmd.vote(CAROL, P, 'against') }, { advance: DAY }]
    const t = spec.play(answered)
    const proposal = t.state.proposals.get(P)
    expect(proposal && phaseOf(t.state, proposal, t.now)).toBe('defeated')
  })

  it('a vote that reaches quorum early does not move the deadline; nor do votes after quorum', () => {
    expect(spec.given(...open).when(cmd.vote(DAVE, P, 'for')).events()).toHaveLength(1)
    expect(spec.given(...lastHour.slice(0, -1), { command: cmd.vote(BOB, P, 'for') }, { advance: 7 * DAY - HOUR }).when(cmd.vote(DAVE, P, 'for')).events()).toHaveLength(1)
  })
})

describe('backing', () => {
  const A = proposalIdAt(14)
  const proposed = (minBacking = 0n): Step<Cmd, Ev>[] => [...governed(), { command: cmd.proposeActions(ALICE, TRANSFER, { minBacking }) }]
  const backed: Step<Cmd, Ev>[] = [...proposed(), { command: cmd.back(BOB, A, tokens(3_000)) }, { command: cmd.back(CAROL, A, tokens(1_000)) }]

  it('locks the backer’s stake behind the proposal', () => {
    spec
      .given(...proposed())
      .when(cmd.back(BOB, A, tokens(3_000)))
      .then([
        { type: 'ProposalBacked', data: { proposalId: A, backer: BOB, stakeId: 1, amount: tokens(3_000) } },
        { type: 'StakeLocked', data: { account: BOB, stakeId: 1, purpose: 'backing', amount: tokens(3_000), proposalId: A } },
      ])
    expect(accountOf(spec.play(backed).state, BOB).liveProposal).toBeNull()
  })

  it('refuses the proposer, a second backing, a backing after voting, and more than free OPEN; a backing stake cannot be unbonded', () => {
    spec.given(...proposed()).when(cmd.back(ALICE, A, tokens(1))).thenFails('own-proposal')
    spec.given(...backed).when(cmd.back(BOB, A, tokens(1))).thenFails('already-backed')
    spec.given(...proposed(), { advance: 8 * DAY }).when(cmd.back(BOB, A, tokens(1))).thenFails('not-backable')
    spec.given(...proposed()).when(cmd.back(BOB, A, tokens(30_001))).thenFails('insufficient-open')
    spec.given(...backed).when(cmd.unbond(BOB, 1)).thenFails('not-unbondable')
  })

  it('is released with the proposer’s stake when the proposal executes', () => {
    const passed: Step<Cmd, Ev>[] = [...backed, { advance: DAY }, { command: cmd.vote(ALICE, A, 'for') }, { advance: 7 * DAY }, { command: cmd.queue(DAVE, A) }, { advance: DAY }]
    const events = spec.given(...passed).when(cmd.execute(DAVE, A)).events()
    expect(events.slice(-3)).toEqual([
      { type: 'StakeReleased', data: { account: ALICE, stakeId: 1, amount: tokens(1_000) } },
      { type: 'StakeReleased', data: { account: BOB, stakeId: 1, amount: tokens(3_000) } },
      { type: 'StakeReleased', data: { account: CAROL, stakeId: 1, amount: tokens(1_000) } },
    ])
  })

  it('is slashed pro rata with the proposer’s when the proposal is vetoed, each citing the veto', () => {
    const vetoed: Step<Cmd, Ev>[] = [...backed, { advance: DAY }, { command: cmd.vote(DAVE, A, 'against') }, { advance: 7 * DAY }]
    const events = spec.given(...vetoed).when(cmd.finalize(DAVE, A)).events()
    const slashes = events.filter((e) => e.type === 'StakeSlashed').map((e) => e.type === 'StakeSlashed' && [e.data.account, e.data.amount, e.data.evidence.kind])
    expect(slashes).toEqual([
      [ALICE, tokens(500), 'proposal-veto'],
      [BOB, tokens(1_500), 'proposal-veto'],
      [CAROL, tokens(500), 'proposal-veto'],
    ])
    const t = spec.play([...vetoed, { command: cmd.finalize(DAVE, A) }])
    expect(accountOf(t.state, BOB).open).toBe(tokens(30_000) - tokens(1_500))
    expect(circulating(t.state)).toBe(t.state.genesis?.supply)
  })

  it('is released when the proposer cancels, or the guardian does', () => {
    const events = spec.given(...backed).when(cmd.cancel(ALICE, A)).events()
    expect(events.filter((e) => e.type === 'StakeReleased')).toHaveLength(3)
  })

  it('a proposal that asks for backing passes only with that much behind it', () => {
    const short: Step<Cmd, Ev>[] = [...proposed(tokens(5_000)), { command: cmd.back(BOB, A, tokens(4_999)) }, { advance: DAY }, { command: cmd.vote(ALICE, A, 'for') }, { advance: 7 * DAY }]
    spec.given(...short).when(cmd.queue(DAVE, A)).thenFails('not-succeeded')
    expect(spec.given(...short).when(cmd.finalize(DAVE, A)).events()[0]?.data).toMatchObject({ outcome: 'defeated' })
    const enough: Step<Cmd, Ev>[] = [...proposed(tokens(5_000)), { command: cmd.back(BOB, A, tokens(4_999)) }, { command: cmd.back(CAROL, A, tokens(1)) }, { advance: DAY }, { command: cmd.vote(ALICE, A, 'for') }, { advance: 7 * DAY }]
    expect(spec.given(...enough).when(cmd.queue(DAVE, A)).events()[0]?.type).toBe('ProposalQueued')
  })
})
