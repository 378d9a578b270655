/** The invariants of issue 4 across governance and the economy, over random histories. */
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { commitmentOf } from '../../../domain/alignment/commitment.js'
import { canonicalize } from '../../../domain/canonical/jcs.js'
import { fold } from '../../../domain/decider.js'
import { economyDecider } from '../../../domain/economy/decider.js'
import { ALL_ERROR_CODES } from '../../../domain/economy/errors.js'
import type { EconomyEvent } from '../../../domain/economy/events.js'
import { encodeEvent } from '../../../domain/economy/wire.js'
import { circulating } from '../../../domain/governance/state.js'
import { decideRewards } from '../../../domain/rewards/decide.js'
import { mapHash } from '../../../domain/rewards/map.js'
import { LEDGER } from '../datanets/fixtures.js'
import { actionsArb, play, preambleLog, type World } from './random-economy.js'

const RUNS = { numRuns: 80 }

function assertConservation(w: World): void {
  const g = w.state.governance
  expect(circulating(g)).toBe(g.genesis?.supply)
  expect(g.treasury >= 0n && g.escrowed >= 0n).toBe(true)
  for (const a of g.accounts.values()) {
    expect(a.open >= 0n).toBe(true)
    for (const s of a.stakes.values()) expect(s.amount > 0n).toBe(true)
  }
  for (const m of g.mandates.values()) expect(m.escrowed >= 0n).toBe(true)
}

const sum = (xs: readonly { amount: bigint }[]) => xs.reduce((a, x) => a + x.amount, 0n)

describe('economy invariants over random histories', () => {
  it('conservation of OPEN across governance, bonds, slashes, rounds and payouts; nothing below zero', () => {
    fc.assert(fc.property(actionsArb, (actions) => void play(actions, (_step, after) => assertConservation(after))), RUNS)
  })

  it('every reward map sums exactly to its pools, is paid exactly from the escrow, and carries its own hash', () => {
    fc.assert(
      fc.property(actionsArb, (actions) => {
        play(actions, (step) => {
          const closed = step.recorded.find((r) => r.event.type === 'RewardEpochClosed')?.event
          if (closed?.type !== 'RewardEpochClosed') return
          const { payouts, dataPool, validatorPool, roundRewards } = closed.data
          expect(sum(payouts)).toBe(dataPool + validatorPool + roundRewards)
          const paid = step.recorded.flatMap((r) => (r.event.type === 'EscrowPaid' ? [r.event.data] : []))
          expect(sum(paid)).toBe(sum(payouts))
          expect(mapHash(new Map(payouts.map((p) => [p.recipient, p.amount])))).toBe(closed.data.mapHash)
          expect(payouts.map((p) => p.recipient)).toEqual(payouts.map((p) => p.recipient).sort())
        })
      }),
      RUNS,
    )
  })

  it('one verdict per validator per contribution, one reveal per validator per round, and every reveal matches its commitment', () => {
    fc.assert(
      fc.property(actionsArb, (actions) => {
        const w = play(actions, (step) => {
          if (step.command.type !== 'RevealRatings' || step.refused !== undefined) return
          const { roundId, scores, salt } = step.command.payload
          const commit = step.before.state.alignment.rounds.get(roundId)?.commits.get(step.command.actor)
          expect(commit?.commitment).toBe(commitmentOf(roundId, step.command.actor, scores, salt))
        })
        const seen = new Set<string>()
        for (const { event } of w.log) {
          const key = event.type === 'VerdictCast' ? `v:${event.data.contributionId}:${event.data.validator}` : event.type === 'RatingsRevealed' ? `r:${event.data.roundId}:${event.data.validator}` : undefined
          if (key === undefined) continue
          expect(seen.has(key)).toBe(false)
          seen.add(key)
        }
      }),
      RUNS,
    )
  })

  it('a reveal that does not match its commitment is refused and records nothing', () => {
    fc.assert(
      fc.property(actionsArb, (actions) => {
        play(actions, (step, after) => {
          if (step.command.type !== 'RevealRatings') return
          const { roundId, scores, salt } = step.command.payload
          const commit = step.before.state.alignment.rounds.get(roundId)?.commits.get(step.command.actor)
          if (commit !== undefined && commit.commitment !== commitmentOf(roundId, step.command.actor, scores, salt)) {
            expect(step.refused).toBeDefined()
            expect(after).toBe(step.before)
          }
        })
      }),
      RUNS,
    )
  })

  it('every slash names a rule, evidence from the log, and no evidence is slashed for twice; refusals use published codes', () => {
    fc.assert(
      fc.property(actionsArb, (actions) => {
        const slashedBy = new Map<string, number>()
        let command = 0
        const w = play(actions, (step) => {
          command++
          if (step.refused !== undefined) expect(ALL_ERROR_CODES).toContain(step.refused)
          for (const { event } of step.recorded) {
            if (event.type !== 'StakeSlashed' || event.data.evidence.kind !== 'rule') continue
            const { rule, subject, sequences } = event.data.evidence
            expect(sequences.length).toBeGreaterThan(0)
            const key = `${rule}:${subject}:${event.data.account}`
            expect(slashedBy.get(key) ?? command).toBe(command)
            slashedBy.set(key, command)
          }
        })
        const bySeq = new Map(w.log.map((r) => [r.sequence, r.event.type]))
        for (const { event } of w.log) {
          if (event.type !== 'StakeSlashed' || event.data.evidence.kind !== 'rule') continue
          const cited = event.data.evidence.sequences.map((s) => bySeq.get(s))
          const ALLOWED: Record<string, readonly string[]> = { 'spam-contribution': ['ContributionSubmitted', 'VerdictCast'], 'appeal-rejected': ['SlashAppealed'], 'dispute-rejected': ['UsageDisputed'], 'usage-dispute': ['UsageRecorded'] }
          const allowed = ALLOWED[event.data.evidence.rule] ?? ['RatingsCommitted', 'RatingsRevealed']
          for (const type of cited) expect(allowed).toContain(type)
        }
      }),
      RUNS,
    )
  })

  it('replaying the log from nothing gives the same state and recomputes every reward map byte for byte', () => {
    const preamble = preambleLog()
    fc.assert(
      fc.property(actionsArb, (actions) => {
        const w = play(actions)
        const log = [...preamble, ...w.log]
        expect(fold(economyDecider.evolve, economyDecider.initialState, log)).toEqual(w.state)
        let state = economyDecider.initialState
        for (const recorded of log) {
          const { event } = recorded
          if (event.type === 'RewardEpochClosed' && state.governance.genesis !== null) {
            const ctx = { recordedAt: recorded.recordedAt, commandHash: '00'.repeat(32), ledgerKey: LEDGER, issuedAt: recorded.recordedAt }
            const again = decideRewards({ type: 'CloseRewardEpoch', actor: LEDGER, payload: { mandateId: event.data.mandateId } }, state, state.governance.genesis.params.economics, ctx)
            if (isLeft(again)) throw new Error(`re-deciding the epoch failed: ${again.left.code}`)
            const bytes = (e: EconomyEvent) => canonicalize(encodeEvent(e).data)
            expect(bytes(again.right[0] as EconomyEvent)).toBe(bytes(event))
          }
          state = economyDecider.evolve(state, recorded)
        }
      }),
      { numRuns: 60 },
    )
  })
})

describe('the random histories reach the rules they are meant to test', () => {
  it('over a sample: paid epochs, spam and RLHF slashes, versions, preference datasets, mismatched reveals', () => {
    const counts = new Map<string, number>()
    const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1)
    for (const actions of fc.sample(actionsArb, { numRuns: 80, seed: 4 })) {
      play(actions, (step) => {
        if (step.refused === 'reveal-mismatch') bump('reveal-mismatch')
        for (const { event } of step.recorded) {
          if (event.type === 'StakeSlashed' && event.data.evidence.kind === 'rule') bump(event.data.evidence.rule)
          else if (event.type === 'RewardEpochClosed' && event.data.payouts.length > 0) bump('paid-epoch')
          else bump(event.type)
        }
      })
    }
    for (const k of ['paid-epoch', 'spam-contribution', 'rlhf-deviation', 'rlhf-no-reveal', 'DatasetVersionSealed', 'PreferenceDatasetVersioned', 'reveal-mismatch', 'EscrowPaid']) {
      expect(counts.get(k) ?? 0, k).toBeGreaterThan(0)
    }
  })
})
