/**
 * Adversarial actors send training and attestation commands with arbitrary arguments. Whatever the
 * rules accept: OPEN is conserved, and a stake only ever shrinks by its owner's own command or by
 * a slash whose evidence cites an event the owner's own signed command produced.
 */
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decideAndRecord } from '../../../domain/decider.js'
import { economyDecider } from '../../../domain/economy/decider.js'
import type { EconomyState } from '../../../domain/economy/state.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { accountOf, circulating } from '../../../domain/governance/state.js'
import { checkpointRoot } from '../../../domain/training/checkpoint.js'
import { contextAt } from '../decider-spec.js'
import { cmd as gov } from '../governance/fixtures.js'
import { LEDGER } from '../datanets/fixtures.js'
import { ALICE, BOB, CAROL, DAVE, dcmd, espec, requested, ROOT_1, ROOT_2, type ECmd } from '../deployment/fixtures.js'
import { completed, EVE, eveValidates } from './fixtures.js'

const ACTORS = [ALICE, BOB, CAROL, DAVE, EVE] as const
const FILES = [1, 2, 4].map((n) => [{ path: 'model.json', sha256: String(n).repeat(64), bytes: n }])
const ROOTS = FILES.map((f) => checkpointRoot(f))

const base = requested()
const fresh = [...base.history, ...eveValidates()]
// Half the runs start from a completed job (Carol evaluated its checkpoint at 0.6 on 50 examples), so attestations, settlements and slashes happen often.
const done = completed()
const jobId = base.jobId
if (done.jobId !== jobId) throw new Error('the two starting points must train the same job')

const actor = fc.constantFrom(...ACTORS)
const root = fc.constantFrom(...ROOTS, ROOT_1, ROOT_2, ROOT_2, 'ab'.repeat(32))
const metric = fc.oneof(fc.constant(0.6), fc.constant(1), fc.double({ min: -1, max: 2, noNaN: true }))
const examples = fc.oneof(fc.constant(50), fc.integer({ min: 0, max: 100 }))

const commandArb: fc.Arbitrary<ECmd | 'advance'> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ who: actor, leaseMs: fc.integer({ min: 1_000, max: 24 * 60 * 60 * 1000 }) }).map(({ who, leaseMs }): ECmd => ({ type: 'ClaimTrainingJob', actor: who, payload: { jobId, leaseMs, manifestHash: 'ab'.repeat(32) } })) },
  { weight: 1, arbitrary: actor.map((who): ECmd => gov.lock(who, 'trainer', tokens(1_000))) },
  { weight: 1, arbitrary: fc.record({ who: actor, i: fc.integer({ min: 0, max: 2 }), step: fc.integer({ min: 0, max: 5 }) }).map(({ who, i, step }): ECmd => ({ ...dcmd.checkpoint(jobId, step, FILES[i] as (typeof FILES)[number], ROOTS[i] as string), actor: who })) },
  { weight: 1, arbitrary: fc.record({ who: actor, v: metric, n: examples }).map(({ who, v, n }): ECmd => ({ ...dcmd.evaluate(jobId, v, n), actor: who })) },
  { weight: 1, arbitrary: fc.record({ who: actor }).map(({ who }): ECmd => ({ ...dcmd.attribute(jobId), actor: who })) },
  { weight: 1, arbitrary: fc.record({ who: actor, r: root }).map(({ who, r }): ECmd => ({ type: 'CompleteTraining', actor: who, payload: { jobId, finalCheckpoint: r } })) },
  { weight: 5, arbitrary: fc.record({ who: actor, r: root, v: metric, n: examples, reproduced: fc.constantFrom(true, false, null) }).map(({ who, r, v, n, reproduced }): ECmd => dcmd.attest(jobId, r, who, v, { examples: n, reproduced })) },
  { weight: 3, arbitrary: fc.record({ who: actor, r: root }).map(({ who, r }): ECmd => dcmd.settle(jobId, r, who)) },
  { weight: 1, arbitrary: fc.record({ who: actor, r: root }).map(({ who, r }): ECmd => dcmd.deploy(jobId, r, who)) },
  { weight: 1, arbitrary: fc.constant('advance' as const) },
)

// Two attestations and a settlement in a row: the way a quorum, honest or not, actually forms.
const quorumArb: fc.Arbitrary<ECmd[]> = fc
  .record({ pair: fc.shuffledSubarray([BOB, DAVE, EVE], { minLength: 2, maxLength: 2 }), r: root, v: fc.tuple(metric, metric), settler: actor })
  .map(({ pair, r, v, settler }) => [dcmd.attest(jobId, r, pair[0] as string, v[0]), dcmd.attest(jobId, r, pair[1] as string, v[1]), dcmd.settle(jobId, r, settler)])
const stepsArb = fc.array(fc.oneof({ weight: 4, arbitrary: commandArb.map((c) => [c]) }, { weight: 1, arbitrary: quorumArb }), { minLength: 1, maxLength: 30 }).map((chunks) => chunks.flat())

let slashed = 0
const stakeOf = (state: EconomyState, who: string): bigint => [...accountOf(state.governance, who).stakes.values()].reduce((sum, s) => sum + s.amount, 0n)

describe('training and attestation under adversarial commands', () => {
  it('conserve OPEN, and stakes shrink only by the owner’s command or a slash citing the owner’s own signed event', () => {
    fc.assert(
      fc.property(fc.boolean(), stepsArb, (fromDone, commands) => {
        let t = espec.play([])
        // Who signed the command that produced each recorded event, the starting history's too.
        const causedBy = new Map<number, string>()
        let supply: bigint | undefined
        const steps = [...(fromDone ? done.history : fresh).map((step) => ('advance' in step ? step.advance : 'event' in step ? 0 : step.command)), ...commands]
        const prefix = (fromDone ? done.history : fresh).length
        for (const [i, c] of steps.entries()) {
          if (i === prefix) supply = circulating(t.state.governance)
          if (typeof c === 'number' || c === 'advance') {
            t = { ...t, now: t.now + (c === 'advance' ? 60 * 60 * 1000 : c) }
            continue
          }
          const outcome = decideAndRecord(economyDecider, t.state, c, contextAt(t, LEDGER), t.sequence + 1)
          if (isLeft(outcome)) {
            if (supply === undefined) throw new Error(`the starting history was refused: ${outcome.left.code}`)
            continue
          }
          for (const r of outcome.right.recorded) {
            causedBy.set(r.sequence, c.actor)
            if (r.event.type !== 'StakeSlashed') continue
            slashed++
            const { account, evidence } = r.event.data
            expect(evidence.kind).toBe('rule')
            if (evidence.kind === 'rule') expect(evidence.sequences.some((s) => causedBy.get(s) === account)).toBe(true)
          }
          // Past the starting history (where bonds come back to their owners), only slashes and locks move stakes.
          for (const who of supply === undefined ? [] : ACTORS) {
            if (stakeOf(outcome.right.state, who) < stakeOf(t.state, who) && c.actor !== who) {
              expect(outcome.right.recorded.some((r) => r.event.type === 'StakeSlashed' && r.event.data.account === who)).toBe(true)
            }
          }
          t = { ...t, state: outcome.right.state, sequence: t.sequence + outcome.right.recorded.length, commands: t.commands + 1 }
          if (supply !== undefined) expect(circulating(t.state.governance)).toBe(supply)
        }
      }),
      { numRuns: 150, seed: 20261130 },
    )
    // The property must have been tested on real slashes, not only on refusals.
    expect(slashed).toBeGreaterThan(0)
  })
})
