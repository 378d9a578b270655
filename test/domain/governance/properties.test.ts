/** The invariants of issue 3, over random command sequences decided and recorded purely. */
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decideAndRecord, fold, type Recorded } from '../../../domain/decider.js'
import { governanceDecider } from '../../../domain/governance/decider.js'
import { GOVERNANCE_ERROR_CODES } from '../../../domain/governance/errors.js'
import type { GovernanceEvent } from '../../../domain/governance/events.js'
import { phaseOf, tallyOf } from '../../../domain/governance/outcome.js'
import {
  circulating,
  currentVotingPower,
  totalPowerAt,
  votingPowerAt,
  type GovernanceState,
} from '../../../domain/governance/state.js'
import { hashFor } from '../decider-spec.js'
import { LEDGER, START } from './fixtures.js'
import { actionsArb, preamble, type Action } from './random-commands.js'

interface Run {
  readonly state: GovernanceState
  readonly log: readonly Recorded<GovernanceEvent>[]
  readonly now: number
}

const RUNS = { numRuns: 150 }

/** Plays the preamble and the actions; calls `check` after each step with the refusal, if any. */
function run(actions: readonly Action[], check: (before: Run, after: Run, refused: string | undefined) => void = () => {}): Run {
  let r: Run = { state: governanceDecider.initialState, log: [], now: START }
  let commands = 0
  const steps: Action[] = [...preamble.map((c) => ({ make: () => c })), ...actions]
  for (const action of steps) {
    if ('advance' in action) {
      r = { ...r, now: r.now + action.advance }
      continue
    }
    commands++
    const ctx = { recordedAt: new Date(r.now).toISOString(), commandHash: hashFor(commands), ledgerKey: LEDGER, issuedAt: new Date(r.now).toISOString() }
    const outcome = decideAndRecord(governanceDecider, r.state, action.make(r.state), ctx, r.log.length + 1)
    const next = isLeft(outcome) ? r : { ...r, state: outcome.right.state, log: [...r.log, ...outcome.right.recorded] }
    check(r, next, isLeft(outcome) ? outcome.left.code : undefined)
    r = next
  }
  return r
}

function assertBalances(state: GovernanceState): void {
  expect(circulating(state)).toBe(state.genesis?.supply)
  expect(state.treasury >= 0n && state.escrowed >= 0n).toBe(true)
  for (const account of state.accounts.values()) {
    expect(account.open >= 0n && account.gopen >= 0n).toBe(true)
    for (const stake of account.stakes.values()) expect(stake.amount > 0n).toBe(true)
  }
}

/** Every delegated gOPEN unit is counted for exactly one governor. */
function assertPowerCountedOnce(state: GovernanceState): void {
  let delegated = 0n
  for (const account of state.accounts.values()) if (account.delegate !== null) delegated += account.gopen
  let sum = 0n
  for (const governor of state.power.keys()) sum += currentVotingPower(state, governor)
  expect(sum).toBe(delegated)
  expect(totalPowerAt(state, Number.MAX_SAFE_INTEGER)).toBe(delegated)
}

function assertVotesWithinSnapshot(state: GovernanceState): void {
  for (const proposal of state.proposals.values()) {
    let cast = 0n
    for (const [voter, ballot] of proposal.ballots) {
      expect(ballot.weight).toBe(votingPowerAt(state, voter, proposal.snapshot))
      cast += ballot.weight
    }
    expect(cast <= totalPowerAt(state, proposal.snapshot)).toBe(true)
  }
}

describe('governance invariants over random command sequences', () => {
  it('conservation: OPEN + gOPEN + staked + treasury equals the genesis supply, and nothing goes below zero', () => {
    fc.assert(
      fc.property(actionsArb, (actions) => {
        run(actions, (_before, after) => assertBalances(after.state))
      }),
      RUNS,
    )
  })

  it('no governor is counted twice, and a vote weighs exactly the voter’s power at the snapshot', () => {
    fc.assert(
      fc.property(actionsArb, (actions) => {
        run(actions, (_before, after) => {
          assertPowerCountedOnce(after.state)
          assertVotesWithinSnapshot(after.state)
        })
      }),
      RUNS,
    )
  })

  it('a refused command yields a published error code and records nothing', () => {
    fc.assert(
      fc.property(actionsArb, (actions) => {
        run(actions, (before, after, refused) => {
          if (refused === undefined) return
          expect(GOVERNANCE_ERROR_CODES).toContain(refused)
          expect(after.log).toBe(before.log)
          expect(after.state).toBe(before.state)
        })
      }),
      RUNS,
    )
  })

  it('the outcome is a pure function of the recorded events', () => {
    fc.assert(
      fc.property(actionsArb, fc.nat(30), (actions, laterDays) => {
        const live = run(actions)
        const replayed = fold(governanceDecider.evolve, governanceDecider.initialState, live.log)
        expect(replayed).toEqual(live.state)
        const params = live.state.genesis?.params
        if (params === undefined) return
        const at = live.now + laterDays * 24 * 60 * 60 * 1000
        for (const proposal of live.state.proposals.values()) {
          const again = replayed.proposals.get(proposal.id)
          if (again === undefined) throw new Error('proposal lost in replay')
          expect(phaseOf(replayed, again, at)).toBe(phaseOf(live.state, proposal, at))
          // The tally is the sum of the recorded VoteCast events, nothing else.
          const sums = { for: 0n, against: 0n, abstain: 0n }
          for (const { event } of live.log) if (event.type === 'VoteCast' && event.data.proposalId === proposal.id) sums[event.data.support] += event.data.weight
          expect(tallyOf(replayed, again)).toMatchObject(sums)
        }
      }),
      RUNS,
    )
  })
})
