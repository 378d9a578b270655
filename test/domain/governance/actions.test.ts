import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import type { ProposalAction } from '../../../domain/governance/actions.js'
import { phaseOf } from '../../../domain/governance/outcome.js'
import { leafNames, PARAMETER_BOUNDS, PARAMETER_NAMES } from '../../../domain/governance/parameters.js'
import { accountOf, circulating, paramsAt } from '../../../domain/governance/state.js'
import type { Step } from '../decider-spec.js'
import { ALICE, BOB, CAROL, cmd, DAVE, DAY, enacted, governed, proposalIdAt, spec, TREASURY_FUNDS, type Cmd, type Ev } from './fixtures.js'

const EVE = 'e5'.repeat(32)
const play = (steps: Step<Cmd, Ev>[]) => spec.play(steps)
const ready = (actions: readonly ProposalAction[], before: Step<Cmd, Ev>[] = governed()) => enacted(before, actions, play)
const change = (name: string, value: unknown): ProposalAction => ({ kind: 'change-parameter', name, value } as ProposalAction)

describe('the parameters governance can change', () => {
  it('every leaf of the genesis parameters has a bound, and nothing else does', () => {
    expect([...PARAMETER_NAMES].sort()).toEqual(leafNames().sort())
    for (const name of PARAMETER_NAMES) expect(PARAMETER_BOUNDS[name], name).toBeDefined()
  })
})

describe('proposing actions', () => {
  it('records the actions and locks the proposer’s stake', () => {
    const actions = [change('votingPeriodMs', 3 * DAY)]
    const events = spec.given(...governed()).when(cmd.proposeActions(ALICE, actions)).events()
    expect(events.map((e) => e.type)).toEqual(['ActionsProposed', 'StakeLocked'])
    expect(events[0]?.data).toMatchObject({ proposalId: proposalIdAt(14), proposer: ALICE, actions, minBacking: 0n })
    expect(events[1]?.data).toMatchObject({ purpose: 'proposal', amount: tokens(1_000) })
  })

  it('a value outside the bound governance may set is refused at once', () => {
    spec.given(...governed()).when(cmd.proposeActions(ALICE, [change('timelockMs', 0)])).thenFails('parameter-out-of-bounds')
    spec.given(...governed()).when(cmd.proposeActions(ALICE, [change('quorum', { numerator: 0, denominator: 1 })])).thenFails('parameter-out-of-bounds')
  })

  it('a value of the wrong shape is refused at once', () => {
    spec.given(...governed()).when(cmd.proposeActions(ALICE, [change('proposalStakeMin', 5)])).thenFails('bad-parameter-value')
  })

  it('the proposer rules of model proposals hold', () => {
    spec.given(...governed()).when(cmd.proposeActions(EVE, [change('votingPeriodMs', 3 * DAY)])).thenFails('not-registered')
    spec.given(...governed()).when(cmd.proposeActions(ALICE, [change('votingPeriodMs', 3 * DAY)], { stake: tokens(10) })).thenFails('stake-too-small')
  })
})

describe('changing a parameter', () => {
  const { steps, queued, proposalId } = ready([change('votingPeriodMs', 3 * DAY)])

  it('executes after the timelock: the change, with what it replaced, then the stake released', () => {
    spec
      .given(...steps)
      .when(cmd.execute(CAROL, proposalId))
      .then([
        { type: 'ProposalExecuted', data: { proposalId } },
        { type: 'ParameterChanged', data: { proposalId, name: 'votingPeriodMs', from: 7 * DAY, to: 3 * DAY } },
        { type: 'StakeReleased', data: { account: ALICE, stakeId: 1, amount: tokens(1_000) } },
      ])
  })

  it('not before the timelock ends', () => {
    spec.given(...queued, { advance: DAY - 1 }).when(cmd.execute(CAROL, proposalId)).thenFails('timelock-running')
  })

  it('applies from its execution sequence on, never before: point-in-time and replay agree', () => {
    const before = play(steps)
    const after = play([...steps, { command: cmd.execute(CAROL, proposalId) }])
    // ProposalExecuted is the next sequence, ParameterChanged the one after it.
    const changedAt = before.sequence + 2
    expect(paramsAt(after.state, changedAt - 1)?.votingPeriodMs).toBe(7 * DAY)
    expect(paramsAt(after.state, changedAt)?.votingPeriodMs).toBe(3 * DAY)
    expect(paramsAt(after.state, changedAt - 1)).toEqual(before.state.genesis?.params)
    expect(after.state.genesis?.params.votingPeriodMs).toBe(3 * DAY)
  })

  it('a proposal made after the change votes for the new period; one made before keeps its own', () => {
    const open = [...steps, { command: cmd.propose(BOB) }, { command: cmd.execute(CAROL, proposalId) }, { command: cmd.propose(CAROL) }]
    const t = play(open)
    const early = t.state.proposals.get(proposalIdAt(t.commands - 2))
    const late = t.state.proposals.get(proposalIdAt(t.commands))
    expect(early && early.votingEndsAt - early.votingStartsAt).toBe(7 * DAY)
    expect(late && late.votingEndsAt - late.votingStartsAt).toBe(3 * DAY)
  })

  it('the same proposal made one command earlier is judged by the old minimum', () => {
    const stricter = ready([change('proposalStakeMin', tokens(2_000).toString())])
    const cheap = cmd.propose(BOB, tokens(1_500))
    expect(spec.given(...stricter.steps).when(cheap).events()[0]?.type).toBe('ModelProposed')
    spec.given(...stricter.steps, { command: cmd.execute(CAROL, stricter.proposalId) }).when(cheap).thenFails('stake-too-small')
  })

  it('a change that breaks a rule between parameters fails, and with it every action of the proposal', () => {
    const broken = ready([{ kind: 'transfer-treasury', to: DAVE, amount: tokens(10), memo: 'first' }, change('economics.scoreMin', 7)])
    spec.given(...broken.steps).when(cmd.execute(CAROL, broken.proposalId)).thenFails('invalid-parameters')
  })

  it('actions see the ones before them: raise the ceiling, then the floor', () => {
    const both = ready([change('economics.scoreMax', 10), change('economics.scoreMin', 8)])
    const t = play([...both.steps, { command: cmd.execute(CAROL, both.proposalId) }])
    expect(t.state.genesis?.params.economics).toMatchObject({ scoreMin: 8, scoreMax: 10 })
    const reversed = ready([change('economics.scoreMin', 8), change('economics.scoreMax', 10)])
    spec.given(...reversed.steps).when(cmd.execute(CAROL, reversed.proposalId)).thenFails('invalid-parameters')
  })
})

describe('treasury transfers and grants', () => {
  it('a transfer pays free treasury OPEN to the account; supply is conserved', () => {
    const { steps, proposalId } = ready([{ kind: 'transfer-treasury', to: EVE, amount: tokens(2_500), memo: 'audit bounty' }])
    const events = spec.given(...steps).when(cmd.execute(CAROL, proposalId)).events()
    expect(events[1]).toEqual({ type: 'TreasuryTransferred', data: { proposalId, to: EVE, amount: tokens(2_500), memo: 'audit bounty' } })
    const t = play([...steps, { command: cmd.execute(CAROL, proposalId) }])
    expect(t.state.treasury).toBe(TREASURY_FUNDS - tokens(2_500))
    expect(accountOf(t.state, EVE).open).toBe(tokens(2_500))
    expect(circulating(t.state)).toBe(t.state.genesis?.supply)
  })

  it('the treasury must hold the amount; two transfers together may not exceed it', () => {
    const half = TREASURY_FUNDS / 2n + 1n
    const { steps, proposalId } = ready([
      { kind: 'transfer-treasury', to: EVE, amount: half, memo: 'one' },
      { kind: 'transfer-treasury', to: DAVE, amount: half, memo: 'two' },
    ])
    spec.given(...steps).when(cmd.execute(CAROL, proposalId)).thenFails('treasury-insufficient')
  })

  const vestsAt = new Date(Date.UTC(2026, 1, 15)).toISOString()
  const granted = ready([{ kind: 'grant-treasury', to: EVE, amount: tokens(3_000), vestsAt, memo: 'tooling grant' }])
  const executed: Step<Cmd, Ev>[] = [...granted.steps, { command: cmd.execute(CAROL, granted.proposalId) }]

  it('a grant sets OPEN aside for the recipient until it vests', () => {
    const t = play(executed)
    expect(t.state.treasuryGrants.get(1)).toMatchObject({ to: EVE, amount: tokens(3_000) })
    expect(t.state.treasury).toBe(TREASURY_FUNDS - tokens(3_000))
    expect(circulating(t.state)).toBe(t.state.genesis?.supply)
  })

  it('only the recipient claims it, only once it has vested, and only once', () => {
    const withEve: Step<Cmd, Ev>[] = [...executed, { command: cmd.register(EVE) }]
    spec.given(...withEve).when(cmd.claimGrant(EVE, 1)).thenFails('grant-not-vested')
    const vested: Step<Cmd, Ev>[] = [...withEve, { advance: 40 * DAY }]
    spec.given(...vested).when(cmd.claimGrant(BOB, 1)).thenFails('not-grant-recipient')
    spec.given(...vested).when(cmd.claimGrant(EVE, 1)).then([{ type: 'TreasuryGrantClaimed', data: { grantId: 1, to: EVE, amount: tokens(3_000) } }])
    spec.given(...vested, { command: cmd.claimGrant(EVE, 1) }).when(cmd.claimGrant(EVE, 1)).thenFails('unknown-treasury-grant')
  })

  it('a grant that would vest before it executes is refused at execution', () => {
    const past = ready([{ kind: 'grant-treasury', to: EVE, amount: tokens(1), vestsAt: new Date(Date.UTC(2026, 0, 2)).toISOString(), memo: 'late' }])
    spec.given(...past.steps).when(cmd.execute(CAROL, past.proposalId)).thenFails('bad-vesting')
  })
})

describe('actions the governance vertical alone cannot execute', () => {
  it('a deployment action needs the economy vertical, and nothing executes', () => {
    const { steps, proposalId } = ready([{ kind: 'set-guardian', guardian: CAROL }, { kind: 'retire-deployment', deploymentId: 'ab'.repeat(32), reason: 'unsafe' }])
    spec.given(...steps).when(cmd.execute(CAROL, proposalId)).thenFails('action-needs-economy')
    const t = play(steps)
    const proposal = t.state.proposals.get(proposalId)
    expect(proposal && phaseOf(t.state, proposal, t.now)).toBe('queued')
  })
})

describe('the guardian', () => {
  const appointed = ready([{ kind: 'set-guardian', guardian: CAROL }])
  const withGuardian: Step<Cmd, Ev>[] = [...appointed.steps, { command: cmd.execute(DAVE, appointed.proposalId) }]

  it('is set by governance', () => {
    const events = spec.given(...appointed.steps).when(cmd.execute(DAVE, appointed.proposalId)).events()
    expect(events[1]).toEqual({ type: 'GuardianSet', data: { proposalId: appointed.proposalId, guardian: CAROL } })
    expect(play(withGuardian).state.guardian).toBe(CAROL)
  })

  it('cancels a queued proposal before execution, with the reason, releasing the stake', () => {
    const target = ready([{ kind: 'transfer-treasury', to: DAVE, amount: tokens(900_000), memo: 'drain' }], withGuardian)
    spec
      .given(...target.steps)
      .when(cmd.guardianCancel(CAROL, target.proposalId, 'drains the treasury'))
      .then([
        { type: 'ProposalCanceledByGuardian', data: { proposalId: target.proposalId, guardian: CAROL, reason: 'drains the treasury' } },
        { type: 'StakeReleased', data: { account: ALICE, stakeId: 2, amount: tokens(1_000) } },
      ])
    spec.given(...target.steps, { command: cmd.guardianCancel(CAROL, target.proposalId) }).when(cmd.execute(DAVE, target.proposalId)).thenFails('not-queued')
  })

  it('cannot cancel after execution', () => {
    const target = ready([{ kind: 'transfer-treasury', to: DAVE, amount: tokens(1), memo: 'small' }], withGuardian)
    spec.given(...target.steps, { command: cmd.execute(DAVE, target.proposalId) }).when(cmd.guardianCancel(CAROL, target.proposalId)).thenFails('not-cancelable')
  })

  it('nobody else may cancel, and without a guardian nobody can', () => {
    const target = ready([{ kind: 'transfer-treasury', to: DAVE, amount: tokens(1), memo: 'small' }], withGuardian)
    spec.given(...target.steps).when(cmd.guardianCancel(BOB, target.proposalId)).thenFails('not-guardian')
    spec.given(...appointed.steps).when(cmd.guardianCancel(CAROL, appointed.proposalId)).thenFails('not-guardian')
  })

  it('does not rescue a vetoed proposal from its slash', () => {
    const pid = proposalIdAt(play(withGuardian).commands + 1)
    const vetoed: Step<Cmd, Ev>[] = [...withGuardian, { command: cmd.propose(BOB) }, { advance: DAY }, { command: cmd.vote(ALICE, pid, 'against') }, { advance: 7 * DAY }]
    spec.given(...vetoed).when(cmd.guardianCancel(CAROL, pid)).thenFails('not-cancelable')
  })
})

