/**
 * An appeal decided by governance: Dave appeals the slash of his spam contribution's bond within
 * the appeal window, posting the appeal bond in force (the one governance halved earlier); Alice
 * proposes an executable `resolve-appeal` action, the governors vote with reasons, and after the
 * timelock the execution upholds it: `SlashReversed` pays the slash back from the treasury and the
 * bond is released. It mostly waits out the vote's windows, so the demo runs it alongside the
 * training, RLHF and reward stages (stages.ts); balances are read at the sequences around the
 * execution, so what the other stages append meanwhile does not blur them.
 */
import { accountOf, tokens } from '../../../domain/governance/index.js'
import { formatTokens, short } from '../format.js'
import type { DemoContext } from './context.js'
import { DEMO_WINDOWS } from './governance-stage.js'
import type { StageReport } from './stages.js'

const STATEMENT = 'A test upload sent to the datanet by mistake, not an attempt to be paid for spam; I withdraw it.'
const VOTES = [
  ['alice', 'the upload was a one-off and the appellant owned it at once'],
  ['bob', 'I judged it spam and it was; a first mistake need not cost the bond'],
] as const

export async function appealStage(ctx: DemoContext): Promise<StageReport> {
  const { alice, dave, frank, erin } = ctx.actors
  let slashSequence: number | undefined
  for await (const envelope of ctx.events()) {
    if (envelope.type === 'StakeSlashed' && (envelope.data as { account?: string }).account === dave.key) slashSequence = envelope.sequence
  }
  if (slashSequence === undefined) throw new Error('the data stage slashed no bond of dave’s')
  const notHis = await ctx.refusal(frank.signer, { type: 'AppealSlash', payload: { slashSequence, statement: 'not mine to appeal' } })
  const appealId = await ctx.run(dave.signer, { type: 'AppealSlash', payload: { slashSequence, statement: STATEMENT } })
  const twice = await ctx.refusal(dave.signer, { type: 'AppealSlash', payload: { slashSequence, statement: STATEMENT } })
  const proposalId = await ctx.run(alice.signer, {
    type: 'ProposeActions',
    payload: {
      title: 'Uphold dave’s appeal',
      description: `Dave’s appeal ${appealId} of the slash at sequence ${slashSequence}: ${STATEMENT}`,
      actions: [{ kind: 'resolve-appeal', appealId, upheld: true, reason: 'a mistaken upload, owned at once; the slash is paid back' }],
      stake: tokens(1_000),
      minBacking: 0n,
    },
  })
  await ctx.wait(DEMO_WINDOWS.votingDelayMs + 100)
  for (const [name, reason] of VOTES) await ctx.run(ctx.actors[name].signer, { type: 'CastVoteWithReason', payload: { proposalId, support: 'for', reason } })
  await ctx.wait(DEMO_WINDOWS.votingPeriodMs)
  await ctx.run(erin.signer, { type: 'QueueProposal', payload: { proposalId } })
  await ctx.wait(DEMO_WINDOWS.timelockMs + 100)
  const execution = await ctx.run(erin.signer, { type: 'ExecuteProposal', payload: { proposalId } })

  // The execution's events are consecutive: the balances are read just before and just after them.
  let appealed: { sequence: number; bond: bigint } | undefined
  let reversed: { sequence: number; amount: bigint } | undefined
  const executed: number[] = []
  for await (const envelope of ctx.events()) {
    const data = envelope.data as { appealId?: string; bond?: string; amount?: string }
    if (envelope.type === 'SlashAppealed' && data.appealId === appealId) appealed = { sequence: envelope.sequence, bond: BigInt(data.bond ?? '0') }
    if (envelope.cause.kind === 'command' && envelope.cause.commandHash === execution) executed.push(envelope.sequence)
    if (envelope.type === 'SlashReversed' && data.appealId === appealId) reversed = { sequence: envelope.sequence, amount: BigInt(data.amount ?? '0') }
  }
  const [first, last] = [executed[0], executed.at(-1)]
  if (appealed === undefined || reversed === undefined || first === undefined || last === undefined) throw new Error('the appeal was not upheld')
  const before = await ctx.state(first - 1)
  const after = await ctx.state(last)
  const dv = (s: typeof before) => accountOf(s.governance, dave.key).open
  return {
    name: 'an appeal of a slash, upheld by a governance vote',
    details: [
      `dave appeals the slash at sequence ${slashSequence} (appeal ${short(appealId)}, sequence ${appealed.sequence}), posting the appeal bond in force: ${formatTokens(appealed.bond)} OPEN`,
      `  frank appealing dave's slash: refused (${notHis}); dave appealing it again: refused (${twice})`,
      `alice proposes ${short(proposalId)}, one action: resolve-appeal upheld`,
      ...VOTES.map(([name, reason]) => `  ${name} votes for: "${reason}"`),
      `executed after the timelock (sequences ${first}–${last}): AppealResolved upheld, SlashReversed at sequence ${reversed.sequence} pays dave ${formatTokens(reversed.amount)} OPEN back from the treasury, and his ${formatTokens(appealed.bond)} OPEN bond is released`,
      `  dave's free OPEN ${formatTokens(dv(before))} → ${formatTokens(dv(after))}; treasury ${formatTokens(before.governance.treasury)} → ${formatTokens(after.governance.treasury)} OPEN`,
    ],
  }
}
