/**
 * An executable proposal that changes one protocol parameter, run alongside the mandate vote (the
 * two share its voting delay, period and timelock, so it costs the demo no waiting of its own):
 * Dave proposes to halve the appeal bond, the governors vote with reasons, the proposal is queued
 * and executed after the timelock, and the new bond applies from the sequence of its
 * ParameterChanged on, as `paramsAt` shows. The appeal later in the demo posts the new bond.
 */
import { PARAMETER_BOUNDS, paramsAt, tallyOf, tokens, type Support } from '../../../domain/governance/index.js'
import { formatTokens, short } from '../format.js'
import type { Actor, DemoContext } from './context.js'

export const PARAMETER_CHANGE = { name: 'appealBond', to: tokens(50) } as const

const bound = PARAMETER_BOUNDS[PARAMETER_CHANGE.name]
const boundText = bound.kind === 'amount' ? `${formatTokens(bound.min)} – ${formatTokens(bound.max)} OPEN` : ''

/** Proposes the change (after showing that a value outside the bounds is refused); returns the proposal id. */
export async function proposeParameterChange(ctx: DemoContext): Promise<{ proposalId: string; outOfBounds: string }> {
  const { dave } = ctx.actors
  const proposal = (value: bigint) => ({
    type: 'ProposeActions' as const,
    payload: {
      title: 'Halve the appeal bond',
      description: 'An appeal locks 100 OPEN today, as much as the contribution bond a contributor would appeal; 50 OPEN keeps appeals affordable.',
      actions: [{ kind: 'change-parameter' as const, name: PARAMETER_CHANGE.name, value: value.toString() }],
      stake: tokens(1_000),
      minBacking: 0n,
    },
  })
  const outOfBounds = await ctx.refusal(dave.signer, proposal(tokens(2_000_000)))
  const proposalId = await ctx.run(dave.signer, proposal(PARAMETER_CHANGE.to))
  return { proposalId, outOfBounds }
}

const REASONS: readonly (readonly [keyof DemoContext['actors'], Support, string])[] = [
  ['alice', 'for', 'a contributor slashed 100 OPEN should not have to risk 100 more to be heard'],
  ['dave', 'for', 'appeals should be cheap enough to use'],
  ['bob', 'against', 'a cheaper appeal invites an appeal of every slash'],
]

export async function voteOnParameterChange(ctx: DemoContext, proposalId: string): Promise<void> {
  for (const [name, support, reason] of REASONS) {
    const voter: Actor = ctx.actors[name]
    await ctx.run(voter.signer, { type: 'CastVoteWithReason', payload: { proposalId, support, reason } })
  }
}

/** The report's lines, read back from the log: the tally, the reasons, and the parameter before and after its ParameterChanged. */
export async function describeParameterChange(ctx: DemoContext, proposalId: string, outOfBounds: string): Promise<string[]> {
  let changedAt: number | undefined
  for await (const envelope of ctx.events()) {
    if (envelope.type === 'ParameterChanged' && (envelope.data as { proposalId?: string }).proposalId === proposalId) changedAt = envelope.sequence
  }
  if (changedAt === undefined) throw new Error('the parameter change was not executed')
  const state = (await ctx.state()).governance
  const proposal = state.proposals.get(proposalId)
  const before = paramsAt(state, changedAt - 1)?.[PARAMETER_CHANGE.name]
  const after = paramsAt(state, changedAt)?.[PARAMETER_CHANGE.name]
  if (proposal === undefined || before === undefined || after === undefined) throw new Error('the parameter proposal is missing from the replayed state')
  const tally = tallyOf(state, proposal)
  return [
    `dave proposes ${short(proposalId)} (1,000 OPEN staked), one action: change-parameter ${PARAMETER_CHANGE.name} to ${formatTokens(PARAMETER_CHANGE.to)} OPEN; 2,000,000 OPEN, beyond its bounds (${boundText}), is refused (${outOfBounds})`,
    ...REASONS.map(([name, support, reason]) => `  ${name} votes ${support}: "${reason}"`),
    `  for ${formatTokens(tally.for)}, against ${formatTokens(tally.against)} gOPEN; queued with the mandate, executed after the timelock`,
    `ParameterChanged at sequence ${changedAt}: ${PARAMETER_CHANGE.name} is ${formatTokens(before)} OPEN at sequence ${changedAt - 1} and ${formatTokens(after)} OPEN from sequence ${changedAt} on (paramsAt)`,
  ]
}
