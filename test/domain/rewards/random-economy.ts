/**
 * Random economy histories for property tests: contributions, verdicts, finalizations, seals,
 * revocations, RLHF rounds with honest, wrong and missing reveals, reward epochs, and governance
 * moves mixed in (transfers, validator stakes and unbonding), from a ledger with a mandate, three
 * validators and a datanet.
 */
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { decideAndRecord, type Recorded } from '../../../domain/decider.js'
import { economyDecider } from '../../../domain/economy/decider.js'
import type { EconomyEvent } from '../../../domain/economy/events.js'
import type { EconomyState } from '../../../domain/economy/state.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { hashFor } from '../decider-spec.js'
import { cmd as gov } from '../governance/fixtures.js'
import { ALICE, BOB, CAROL, DAVE, DAY, ecmd, espec, LEDGER, START, withDatanet, type ECmd } from '../datanets/fixtures.js'
import type { ProposalAction } from '../../../domain/governance/actions.js'

const ACTORS = [ALICE, BOB, CAROL, DAVE] as const
const CONTENTS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'] as const

export interface World {
  readonly state: EconomyState
  readonly log: readonly Recorded<EconomyEvent>[]
  readonly now: number
  readonly commands: number
  /** Rounds opened, in order, and what each validator committed in each (the test's memory, not the ledger's). */
  readonly rounds: readonly string[]
  readonly committed: ReadonlyMap<string, readonly number[]>
  /** Proposals made, in order (their ids are their commands' hashes). */
  readonly proposals: readonly string[]
}

export interface Step {
  readonly command: ECmd
  readonly refused: string | undefined
  readonly recorded: readonly Recorded<EconomyEvent>[]
  readonly before: World
}

export type Action = { readonly advance: number } | { readonly make: (w: World) => { command: ECmd; remember?: [string, number[]] } }

const start = espec.play(withDatanet())
export const initialWorld: World = { state: start.state, log: [], now: start.now, commands: start.commands, rounds: [], committed: new Map(), proposals: [] }

/**
 * The events the preamble recorded, decided again the way the spec helper decides them, so a
 * replay can start from nothing; and who signed the command behind each sequence.
 */
export function replayPreamble(): { log: Recorded<EconomyEvent>[]; actors: Map<number, string> } {
  const log: Recorded<EconomyEvent>[] = []
  const actors = new Map<number, string>()
  let state = economyDecider.initialState
  let now = START
  let n = 0
  for (const step of withDatanet()) {
    if ('advance' in step) {
      now += step.advance
      continue
    }
    if (!('command' in step)) continue
    n++
    const ctx = { recordedAt: new Date(now).toISOString(), commandHash: hashFor(n), ledgerKey: LEDGER, issuedAt: new Date(now).toISOString() }
    const outcome = decideAndRecord(economyDecider, state, step.command, ctx, log.length + 1)
    if (isLeft(outcome)) throw new Error(`preamble refused: ${outcome.left.code}`)
    state = outcome.right.state
    log.push(...outcome.right.recorded)
    for (const r of outcome.right.recorded) actors.set(r.sequence, step.command.actor)
  }
  return { log, actors }
}

export const preambleLog = (): Recorded<EconomyEvent>[] => replayPreamble().log

const actor = fc.constantFrom(...ACTORS)
const validator = fc.constantFrom(BOB, CAROL, DAVE)
const content = fc.constantFrom(...CONTENTS)
const pick = fc.nat(3)
const roundAt = (w: World, i: number): string => w.rounds[w.rounds.length - 1 - (i % Math.max(1, w.rounds.length))] ?? 'ab'.repeat(32)
const scoresArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 2 })

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.constantFrom(60 * 60 * 1000, DAY, 3 * DAY, 7 * DAY).map((ms): Action => ({ advance: ms })), weight: 3 },
  { arbitrary: fc.tuple(content, actor, fc.boolean(), fc.integer({ min: 1, max: 6_000_000 })).map(([c, a, bond, bytes]): Action => ({ make: () => ({ command: ecmd.submit(c, { actor: a, bond, bytes }) }) })), weight: 4 },
  {
    arbitrary: fc.tuple(validator, content, fc.constantFrom('accept', 'reject', 'spam' as const), fc.nat(100), fc.nat(100)).map(([v, c, d, q, r]): Action => ({ make: () => ({ command: ecmd.verdict(v, c, d, q, r) }) })),
    weight: 6,
  },
  { arbitrary: content.map((c): Action => ({ make: () => ({ command: ecmd.finalize(c) }) })), weight: 3 },
  fc.tuple(content, actor).map(([c, a]): Action => ({ make: () => ({ command: ecmd.revoke(c, a) }) })),
  fc.constant<Action>({ make: () => ({ command: ecmd.seal() }) }),
  fc.integer({ min: 0, max: 3_000 }).map((pool): Action => ({ make: () => ({ command: ecmd.round(2, tokens(pool)) }) })),
  {
    arbitrary: fc.tuple(validator, pick, scoresArb).map(([v, i, scores]): Action => ({ make: (w) => ({ command: ecmd.commit(v, roundAt(w, i), scores), remember: [`${roundAt(w, i)}:${v}`, scores] }) })),
    weight: 3,
  },
  {
    // Mostly the committed scores; sometimes others, which must be refused.
    arbitrary: fc.tuple(validator, pick, fc.boolean(), scoresArb).map(([v, i, honest, other]): Action => ({
      make: (w) => ({ command: ecmd.reveal(v, roundAt(w, i), honest ? [...(w.committed.get(`${roundAt(w, i)}:${v}`) ?? other)] : other) }),
    })),
    weight: 3,
  },
  { arbitrary: pick.map((i): Action => ({ make: (w) => ({ command: ecmd.closeRound(roundAt(w, i)) }) })), weight: 2 },
  { arbitrary: fc.constant<Action>({ make: () => ({ command: ecmd.closeEpoch() }) }), weight: 2 },
  fc.tuple(actor, actor, fc.integer({ min: 1, max: 30_000 })).map(([a, b, n]): Action => ({ make: () => ({ command: gov.transfer(a, b, tokens(n)) }) })),
  fc.tuple(actor, fc.integer({ min: 9_000, max: 15_000 })).map(([a, n]): Action => ({ make: () => ({ command: gov.lock(a, 'validator', tokens(n)) }) })),
  fc.tuple(validator, fc.nat(3)).map(([a, id]): Action => ({ make: () => ({ command: gov.unbond(a, id + 1) }) })),
)

const decision = fc.constantFrom('accept', 'accept', 'reject', 'spam', 'spam' as const)

/** A contribution's whole validation, with random verdicts, so every outcome comes up often. */
const contributionLifecycle: fc.Arbitrary<Action[]> = fc
  .tuple(content, actor, fc.boolean(), fc.tuple(decision, decision, decision), fc.nat(100))
  .map(([c, a, bond, ds, q]) => [
    { make: () => ({ command: ecmd.submit(c, { actor: a, bond }) }) },
    ...[BOB, CAROL, DAVE].map((v, i): Action => ({ make: () => ({ command: ecmd.verdict(v, c, ds[i] ?? 'accept', (q + i * 17) % 101) }) })),
    { make: () => ({ command: ecmd.finalize(c) }) },
  ])

/** A round's whole life: three commits, honest, wrong or missing reveals, close. */
const roundLifecycle: fc.Arbitrary<Action[]> = fc
  .tuple(fc.integer({ min: 0, max: 2_000 }), fc.array(fc.tuple(scoresArb, fc.constantFrom('honest', 'honest', 'wrong', 'silent' as const)), { minLength: 3, maxLength: 3 }))
  .map(([pool, plans]) => {
    const validators = [BOB, CAROL, DAVE]
    return [
      { make: () => ({ command: ecmd.round(2, tokens(pool)) }) },
      ...validators.map((v, i): Action => ({ make: (w) => ({ command: ecmd.commit(v, roundAt(w, 0), plans[i]?.[0] ?? [4, 4]), remember: [`${roundAt(w, 0)}:${v}`, plans[i]?.[0] ?? [4, 4]] }) })),
      { advance: DAY },
      ...validators.flatMap((v, i): Action[] => {
        const [scores, plan] = plans[i] ?? [[4, 4], 'honest']
        if (plan === 'silent') return []
        return [{ make: (w) => ({ command: ecmd.reveal(v, roundAt(w, 0), plan === 'honest' ? scores : scores.map((x) => (x % 7) + 1)) }) }]
      }),
      { advance: DAY },
      { make: (w) => ({ command: ecmd.closeRound(roundAt(w, 0)) }) },
    ]
  })

/** Parameter changes a proposal may carry: most within bounds, some outside them or breaking a rule between parameters (those fail at proposal or execution). */
const PARAMETER_CHANGES: readonly ProposalAction[] = [
  { kind: 'change-parameter', name: 'economics.spamSlash', value: { numerator: 50, denominator: 100 } },
  { kind: 'change-parameter', name: 'economics.verdictsToFinalize', value: 2 },
  { kind: 'change-parameter', name: 'economics.feedbackPenalty', value: { numerator: 10, denominator: 100 } },
  { kind: 'change-parameter', name: 'economics.contributionBond', value: tokens(50).toString() },
  { kind: 'change-parameter', name: 'roleStakes.validator', value: tokens(12_000).toString() },
  { kind: 'change-parameter', name: 'vetoSlash', value: { numerator: 100, denominator: 100 } },
  { kind: 'change-parameter', name: 'appealBond', value: tokens(10).toString() },
  { kind: 'change-parameter', name: 'economics.scoreMin', value: 7 },
  { kind: 'change-parameter', name: 'unbondCooldownMs', value: 0 },
]

const latestAppeal = (w: World): string => [...w.state.appeals.appeals.keys()].at(-1) ?? 'ab'.repeat(32)
const latestProposal = (w: World, i: number): string => w.proposals[w.proposals.length - 1 - (i % Math.max(1, w.proposals.length))] ?? 'ab'.repeat(32)

/** One or two actions for a proposal: parameter changes, a treasury transfer, the resolution of the latest appeal. */
const proposalActionArb: fc.Arbitrary<(w: World) => ProposalAction> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PARAMETER_CHANGES).map((a) => () => a) },
  fc.tuple(actor, fc.integer({ min: 1, max: 2_000_000 })).map(([to, n]) => () => ({ kind: 'transfer-treasury' as const, to, amount: tokens(n), memo: 'random' })),
  { weight: 2, arbitrary: fc.boolean().map((upheld) => (w: World) => ({ kind: 'resolve-appeal' as const, appealId: latestAppeal(w), upheld, reason: 'random tribunal' })) },
)

/** A proposal's whole life: proposed, maybe backed, voted (passing or vetoed), queued and executed, or finalized. */
const proposalLifecycle: fc.Arbitrary<Action[]> = fc
  .tuple(actor, fc.array(proposalActionArb, { minLength: 1, maxLength: 2 }), fc.option(fc.tuple(actor, fc.integer({ min: 1, max: 5_000 }))), fc.boolean())
  .map(([proposer, makers, backing, passes]) => [
    { make: (w: World) => ({ command: gov.proposeActions(proposer, makers.map((m) => m(w))) }) },
    ...(backing === null ? [] : [{ make: (w: World) => ({ command: gov.back(backing[0], latestProposal(w, 0), tokens(backing[1])) }) }]),
    { advance: DAY },
    ...[ALICE, BOB, CAROL].map((v): Action => ({ make: (w) => ({ command: gov.vote(v, latestProposal(w, 0), passes ? 'for' : 'against') }) })),
    { advance: 7 * DAY },
    { make: (w) => ({ command: passes ? gov.queue(DAVE, latestProposal(w, 0)) : gov.finalize(DAVE, latestProposal(w, 0)) }) },
    { advance: DAY },
    { make: (w) => ({ command: gov.execute(DAVE, latestProposal(w, 0)) }) },
  ])

/** Whoever was slashed last appeals it. */
const appealArb: fc.Arbitrary<Action> = fc.constant<Action>({
  make: (w) => {
    const [sequence, slash] = [...w.state.appeals.slashes].at(-1) ?? [1, { account: ALICE }]
    return { command: { type: 'AppealSlash', actor: slash.account, payload: { slashSequence: sequence, statement: 'random appeal' } } }
  },
})

export const actionsArb: fc.Arbitrary<Action[]> = fc
  .array(
    fc.oneof(
      { arbitrary: actionArb.map((a) => [a]), weight: 5 },
      { arbitrary: contributionLifecycle, weight: 2 },
      { arbitrary: roundLifecycle, weight: 1 },
      { arbitrary: proposalLifecycle, weight: 1 },
      { arbitrary: appealArb.map((a) => [a]), weight: 1 },
    ),
    { minLength: 5, maxLength: 30 },
  )
  .map((chunks) => chunks.flat())

/** Plays the actions from the initial world (or `from`); `check` sees every step. */
export function play(actions: readonly Action[], check: (step: Step, after: World) => void = () => {}, from: World = initialWorld): World {
  let w = from
  for (const action of actions) {
    if ('advance' in action) {
      w = { ...w, now: w.now + action.advance }
      continue
    }
    const { command, remember } = action.make(w)
    const ctx = { recordedAt: new Date(w.now).toISOString(), commandHash: hashFor(w.commands + 1), ledgerKey: LEDGER, issuedAt: new Date(w.now).toISOString() }
    const outcome = decideAndRecord(economyDecider, w.state, command, ctx, start.sequence + w.log.length + 1)
    const before = w
    if (isLeft(outcome)) {
      check({ command, refused: outcome.left.code, recorded: [], before }, w)
      continue
    }
    const opened = command.type === 'OpenFeedbackRound' ? [...w.rounds, ctx.commandHash] : w.rounds
    const committed = remember === undefined ? w.committed : new Map(w.committed).set(...remember)
    const proposals = command.type === 'ProposeActions' || command.type === 'ProposeModel' ? [...w.proposals, ctx.commandHash] : w.proposals
    w = { ...w, state: outcome.right.state, log: [...w.log, ...outcome.right.recorded], commands: w.commands + 1, rounds: opened, committed, proposals }
    check({ command, refused: undefined, recorded: outcome.right.recorded, before }, w)
  }
  return w
}

export { start as preamble }
