/**
 * Random governance command sequences for property tests: a few actors, amounts around the
 * thresholds (so both acceptance and refusal are common), and time jumps long enough to carry
 * proposals through every phase.
 */
import fc from 'fast-check'
import { tokens } from '../../../domain/governance/amounts.js'
import type { GovernanceState } from '../../../domain/governance/state.js'
import { ALICE, BOB, CAROL, cmd, DAVE, DAY, type Cmd } from './fixtures.js'

export const ACTORS = [ALICE, BOB, CAROL, DAVE, 'e5'.repeat(32)] as const

/** A step picks proposal ids by index into the proposals that exist when it runs. */
export type Action = { readonly advance: number } | { readonly make: (state: GovernanceState) => Cmd }

const actor = fc.constantFrom(...ACTORS)
const amount = fc.oneof(
  fc.integer({ min: 1, max: 60_000 }).map((n) => tokens(n)),
  fc.bigInt({ min: 1n, max: 10n ** 20n }),
)
const pick = fc.nat(2)

/** Counts back from the newest proposal, where the action is. */
function proposalAt(state: GovernanceState, index: number): string {
  const ids = [...state.proposals.keys()].reverse()
  return ids.length === 0 ? 'ab'.repeat(32) : (ids[index % ids.length] as string)
}

function stakeAt(state: GovernanceState, who: string, index: number): number {
  const ids = [...(state.accounts.get(who)?.stakes.keys() ?? [])]
  return ids.length === 0 ? 1 : (ids[index % ids.length] as number)
}

const onProposal = (build: (who: string, id: string) => Cmd) =>
  fc.tuple(actor, pick).map(([who, i]): Action => ({ make: (s) => build(who, proposalAt(s, i)) }))

// Proposal steps weigh more, so that random runs carry proposals through to their outcomes.
export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.constantFrom(0, 60 * 60 * 1000, DAY, DAY, 3 * DAY, 3 * DAY, 8 * DAY, 15 * DAY).map((ms): Action => ({ advance: ms })), weight: 4 },
  actor.map((who): Action => ({ make: () => cmd.register(who) })),
  fc.tuple(actor, actor, amount).map(([who, to, n]): Action => ({ make: () => cmd.transfer(who, to, n) })),
  fc.tuple(actor, amount).map(([who, n]): Action => ({ make: () => cmd.wrap(who, n) })),
  fc.tuple(actor, amount).map(([who, n]): Action => ({ make: () => cmd.unwrap(who, n) })),
  fc.tuple(actor, fc.option(actor)).map(([who, to]): Action => ({ make: () => cmd.delegate(who, to) })),
  fc.tuple(actor, fc.constantFrom('validator', 'contribution', 'trainer', 'operator' as const), amount).map(([who, purpose, n]): Action => ({ make: () => cmd.lock(who, purpose, n) })),
  fc.tuple(actor, pick).map(([who, i]): Action => ({ make: (s) => cmd.unbond(who, stakeAt(s, who, i)) })),
  fc.tuple(actor, pick).map(([who, i]): Action => ({ make: (s) => cmd.release(who, stakeAt(s, who, i)) })),
  {
    arbitrary: fc
      .tuple(actor, fc.integer({ min: 900, max: 40_000 }), fc.integer({ min: 0, max: 2_000_000 }))
      .map(([who, stake, pool]): Action => ({ make: () => cmd.propose(who, tokens(stake), tokens(pool)) })),
    weight: 3,
  },
  onProposal((who, id) => cmd.cancel(who, id)),
  {
    arbitrary: fc
      .tuple(actor, pick, fc.constantFrom('for', 'against', 'abstain' as const))
      .map(([who, i, support]): Action => ({ make: (s) => cmd.vote(who, proposalAt(s, i), support) })),
    weight: 6,
  },
  { arbitrary: onProposal((who, id) => cmd.queue(who, id)), weight: 3 },
  { arbitrary: onProposal((who, id) => cmd.execute(who, id)), weight: 3 },
  { arbitrary: onProposal((who, id) => cmd.finalize(who, id)), weight: 3 },
)

/** Genesis and four registered governors with 20,000 gOPEN each delegated to themselves; a fifth actor stays unregistered. */
export const preamble: Cmd[] = [
  cmd.genesis(),
  ...[ALICE, BOB, CAROL, DAVE].flatMap((who) => [cmd.register(who), cmd.wrap(who, tokens(20_000)), cmd.delegate(who, who)]),
]

/** A proposal's whole life in order, with random votes, so outcomes of every kind come up often. */
const lifecycleArb: fc.Arbitrary<Action[]> = fc
  .tuple(
    actor,
    fc.array(fc.tuple(actor, fc.constantFrom('for', 'against', 'abstain' as const)), { maxLength: 5 }),
    fc.array(actionArb, { maxLength: 4 }),
    fc.constantFrom(0, DAY, 20 * DAY),
  )
  .map(([proposer, votes, noise, lateness]) => [
    { make: () => cmd.propose(proposer, tokens(1_000), tokens(10_000)) },
    { advance: DAY },
    ...votes.map(([who, support]): Action => ({ make: (s) => cmd.vote(who, proposalAt(s, 0), support) })),
    ...noise,
    { advance: 7 * DAY },
    { make: (s) => cmd.queue(proposer, proposalAt(s, 0)) },
    { make: (s) => cmd.finalize(proposer, proposalAt(s, 0)) },
    { advance: DAY + lateness },
    { make: (s) => cmd.execute(proposer, proposalAt(s, 0)) },
    { make: (s) => cmd.finalize(proposer, proposalAt(s, 0)) },
  ])

/** Random steps mixed with whole proposal lifecycles. */
export const actionsArb: fc.Arbitrary<Action[]> = fc
  .array(fc.oneof({ arbitrary: actionArb.map((a) => [a]), weight: 4 }, { arbitrary: lifecycleArb, weight: 1 }), { minLength: 5, maxLength: 40 })
  .map((chunks) => chunks.flat())
