import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import { phaseOf } from '../../../domain/governance/outcome.js'
import { accountOf, circulating } from '../../../domain/governance/state.js'
import type { Step } from '../decider-spec.js'
import { ALICE, BOB, CAROL, cmd, DAVE, DAY, governed, proposalIdAt, proposalSpec, spec, TREASURY_FUNDS, type Cmd, type Ev } from './fixtures.js'

const EVE = 'e5'.repeat(32)
// governed() is 13 commands, so a proposal decided next is the 14th and gets this id.
const P = proposalIdAt(14)
const proposed: Step<Cmd, Ev>[] = [...governed(), { command: cmd.propose(ALICE) }]
const active: Step<Cmd, Ev>[] = [...proposed, { advance: DAY }]
const TALLY_FOR = (votes: bigint) => ({ for: votes, against: 0n, abstain: 0n, snapshotPower: tokens(80_000), quorum: tokens(4_000) })
const passed: Step<Cmd, Ev>[] = [...active, { command: cmd.vote(ALICE, P, 'for') }, { advance: 7 * DAY }]
const queued: Step<Cmd, Ev>[] = [...passed, { command: cmd.queue(DAVE, P) }]

describe('proposing a model', () => {
  it('records the proposal and locks the proposer’s stake', () => {
    spec
      .given(...governed())
      .when(cmd.propose(ALICE))
      .then([
        { type: 'ModelProposed', data: { proposalId: P, proposer: ALICE, stakeId: 1, stake: tokens(1_000), spec: proposalSpec() } },
        { type: 'StakeLocked', data: { account: ALICE, stakeId: 1, purpose: 'proposal', amount: tokens(1_000), proposalId: P } },
      ])
  })

  it('the proposer must be registered', () => {
    spec.given(...governed()).when(cmd.propose(EVE)).thenFails('not-registered')
  })

  it('the stake is at least the genesis minimum', () => {
    spec.given(...governed()).when(cmd.propose(ALICE, tokens(999))).thenFails('stake-too-small')
  })

  it('the stake must be covered by free OPEN', () => {
    spec.given(...governed()).when(cmd.propose(ALICE, tokens(30_001))).thenFails('insufficient-open')
  })

  it('the proposer needs the threshold of voting power', () => {
    spec.given(...governed(), { command: cmd.delegate(ALICE, BOB) }).when(cmd.propose(ALICE)).thenFails('insufficient-voting-power')
  })

  it('one live proposal per proposer', () => {
    spec.given(...proposed).when(cmd.propose(ALICE)).thenFails('live-proposal-exists')
  })

  it('a proposal stake cannot be unbonded: the outcome releases it', () => {
    spec.given(...proposed).when(cmd.unbond(ALICE, 1)).thenFails('not-unbondable')
  })
})

describe('canceling', () => {
  it('the proposer may cancel while pending, and gets the stake back', () => {
    spec
      .given(...proposed)
      .when(cmd.cancel(ALICE, P))
      .then([
        { type: 'ProposalCanceled', data: { proposalId: P } },
        { type: 'StakeReleased', data: { account: ALICE, stakeId: 1, amount: tokens(1_000) } },
      ])
  })

  it('only the proposer may cancel', () => {
    spec.given(...proposed).when(cmd.cancel(BOB, P)).thenFails('not-proposer')
  })

  it('cannot cancel once voting has opened', () => {
    spec.given(...active).when(cmd.cancel(ALICE, P)).thenFails('not-pending')
  })

  it('an unknown proposal is refused', () => {
    spec.given(...governed()).when(cmd.cancel(ALICE, 'ab'.repeat(32))).thenFails('unknown-proposal')
  })
})

describe('voting', () => {
  it('votes are weighted by power at the snapshot', () => {
    spec.given(...active).when(cmd.vote(BOB, P, 'against')).then([{ type: 'VoteCast', data: { proposalId: P, voter: BOB, support: 'against', weight: tokens(20_000) } }])
  })

  it('no vote before the voting delay has passed', () => {
    spec.given(...proposed, { advance: DAY - 1 }).when(cmd.vote(BOB, P, 'for')).thenFails('not-active')
  })

  it('no vote after the voting period', () => {
    spec.given(...active, { advance: 7 * DAY }).when(cmd.vote(BOB, P, 'for')).thenFails('not-active')
  })

  it('one vote per governor', () => {
    spec.given(...active, { command: cmd.vote(BOB, P, 'for') }).when(cmd.vote(BOB, P, 'against')).thenFails('already-voted')
  })

  it('a delegation made after the proposal does not count', () => {
    spec
      .given(...proposed, { command: cmd.delegate(CAROL, ALICE) }, { advance: DAY })
      .when(cmd.vote(ALICE, P, 'for'))
      .then([{ type: 'VoteCast', data: { proposalId: P, voter: ALICE, support: 'for', weight: tokens(20_000) } }])
  })

  it('power delegated away before the proposal cannot vote', () => {
    const late = proposalIdAt(15) // the delegation is the 14th command here
    spec
      .given(...governed(), { command: cmd.delegate(CAROL, ALICE) }, { command: cmd.propose(ALICE) }, { advance: DAY })
      .when(cmd.vote(CAROL, late, 'for'))
      .thenFails('no-voting-power')
  })
})

describe('queue and execute', () => {
  it('a passed proposal is queued with an eta one timelock later', () => {
    const events = spec.given(...passed).when(cmd.queue(DAVE, P)).events()
    expect(events).toEqual([{ type: 'ProposalQueued', data: { proposalId: P, eta: '2026-01-10T00:00:00.000Z', tally: TALLY_FOR(tokens(20_000)) } }])
  })

  it('cannot queue while voting is open', () => {
    spec.given(...active, { command: cmd.vote(ALICE, P, 'for') }).when(cmd.queue(DAVE, P)).thenFails('not-succeeded')
  })

  it('cannot queue a proposal that missed quorum', () => {
    const strict = [...governed({ quorum: { numerator: 1, denominator: 2 } }), { command: cmd.propose(ALICE) }, { advance: DAY }]
    spec.given(...strict, { command: cmd.vote(ALICE, P, 'for') }, { advance: 7 * DAY }).when(cmd.queue(DAVE, P)).thenFails('not-succeeded')
  })

  it('cannot queue when Against is not outweighed', () => {
    spec
      .given(...active, { command: cmd.vote(ALICE, P, 'for') }, { command: cmd.vote(BOB, P, 'against') }, { advance: 7 * DAY })
      .when(cmd.queue(DAVE, P))
      .thenFails('not-succeeded')
  })

  it('cannot execute before it is queued', () => {
    spec.given(...passed).when(cmd.execute(DAVE, P)).thenFails('not-queued')
  })

  it('cannot execute before the timelock ends', () => {
    spec.given(...queued, { advance: DAY - 1 }).when(cmd.execute(DAVE, P)).thenFails('timelock-running')
  })

  it('execution issues the mandate, escrows the reward pool and releases the stake', () => {
    const spec0 = proposalSpec()
    spec
      .given(...queued, { advance: DAY })
      .when(cmd.execute(DAVE, P))
      .then([
        { type: 'ProposalExecuted', data: { proposalId: P } },
        {
          type: 'MandateIssued',
          data: {
            mandateId: P,
            proposalId: P,
            title: spec0.title,
            datasetRequirements: spec0.datasetRequirements,
            rubric: spec0.rubric,
            rewardPool: spec0.rewardPool,
            integrationTargets: spec0.integrationTargets,
          },
        },
        { type: 'RewardPoolEscrowed', data: { mandateId: P, amount: spec0.rewardPool } },
        { type: 'StakeReleased', data: { account: ALICE, stakeId: 1, amount: tokens(1_000) } },
      ])
  })

  it('the treasury must cover the reward pool', () => {
    const big = [...governed(), { command: cmd.propose(ALICE, tokens(1_000), TREASURY_FUNDS + 1n) }, { advance: DAY }]
    spec
      .given(...big, { command: cmd.vote(ALICE, P, 'for') }, { advance: 7 * DAY }, { command: cmd.queue(DAVE, P) }, { advance: DAY })
      .when(cmd.execute(DAVE, P))
      .thenFails('treasury-insufficient')
  })

  it('a queued proposal not executed within the grace period expires', () => {
    const t = spec.play([...queued, { advance: DAY + 14 * DAY }])
    const proposal = t.state.proposals.get(P)
    expect(proposal && phaseOf(t.state, proposal, t.now)).toBe('expired')
    spec.given(...queued, { advance: 15 * DAY }).when(cmd.execute(DAVE, P)).thenFails('not-queued')
  })
})

describe('outcome of a defeat', () => {
  it('a defeated proposal’s stake is released', () => {
    const strict = [...governed({ quorum: { numerator: 1, denominator: 2 } }), { command: cmd.propose(ALICE) }, { advance: DAY }]
    const events = spec.given(...strict, { command: cmd.vote(ALICE, P, 'for') }, { advance: 7 * DAY }).when(cmd.finalize(DAVE, P)).events()
    expect(events.map((e) => e.type)).toEqual(['ProposalFinalized', 'StakeReleased'])
    expect(events[0]?.data).toMatchObject({ outcome: 'defeated' })
  })

  it('a vetoed proposal (Against ≥ 1/3 of votes) loses half its stake to the treasury, with the vote as evidence', () => {
    const vetoedSteps: Step<Cmd, Ev>[] = [...active, { command: cmd.vote(BOB, P, 'against') }, { command: cmd.vote(CAROL, P, 'for') }, { command: cmd.vote(DAVE, P, 'against') }, { advance: 7 * DAY }]
    const tally = { for: tokens(20_000), against: tokens(40_000), abstain: 0n, snapshotPower: tokens(80_000), quorum: tokens(4_000) }
    spec
      .given(...vetoedSteps)
      .when(cmd.finalize(DAVE, P))
      .then([
        { type: 'ProposalFinalized', data: { proposalId: P, outcome: 'vetoed', tally } },
        { type: 'StakeSlashed', data: { account: ALICE, stakeId: 1, amount: tokens(500), evidence: { kind: 'proposal-veto', proposalId: P, tally } } },
        { type: 'StakeReleased', data: { account: ALICE, stakeId: 1, amount: tokens(500) } },
      ])
    const t = spec.play([...vetoedSteps, { command: cmd.finalize(DAVE, P) }])
    expect(t.state.treasury).toBe(TREASURY_FUNDS + tokens(500))
    expect(accountOf(t.state, ALICE).liveProposal).toBeNull()
    expect(circulating(t.state)).toBe(t.state.genesis?.supply)
  })

  it('an expired proposal’s stake is released', () => {
    const events = spec.given(...passed, { advance: 14 * DAY }).when(cmd.finalize(DAVE, P)).events()
    expect(events[0]?.data).toMatchObject({ outcome: 'expired' })
  })

  it('cannot finalize while voting is open', () => {
    spec.given(...active).when(cmd.finalize(DAVE, P)).thenFails('not-finalizable')
  })

  it('cannot finalize a passed proposal before it expires', () => {
    spec.given(...passed).when(cmd.finalize(DAVE, P)).thenFails('not-finalizable')
  })

  it('finalizes once', () => {
    const defeated = [...active, { command: cmd.vote(BOB, P, 'against') }, { advance: 7 * DAY }]
    spec.given(...defeated, { command: cmd.finalize(DAVE, P) }).when(cmd.finalize(DAVE, P)).thenFails('not-finalizable')
  })

  it('after the outcome the proposer may propose again', () => {
    const defeated = [...active, { command: cmd.vote(BOB, P, 'against') }, { advance: 7 * DAY }, { command: cmd.finalize(DAVE, P) }]
    expect(spec.given(...defeated).when(cmd.propose(ALICE)).events()[0]?.type).toBe('ModelProposed')
  })
})
