/**
 * The first half of the lifecycle, through signed commands: genesis, identities, OPEN wrapped into
 * gOPEN and delegated, a staked proposal, a stake-weighted vote in which a late delegation does not
 * count, then queue, execute and the mandate; alongside it, an executable proposal that changes a
 * parameter (parameter-change.ts).
 */
import { defaultEconomics } from '../../../domain/economy/index.js'
import { accountOf, defaultParams, phaseOf, tallyOf, tokens } from '../../../domain/governance/index.js'
import { formatTokens, short } from '../format.js'
import type { DemoContext } from './context.js'
import type { StageReport } from './stages.js'
import { describeParameterChange, proposeParameterChange, voteOnParameterChange } from './parameter-change.js'

/** Windows of seconds instead of days, recorded in genesis like any other parameters. */
export const DEMO_WINDOWS = { votingDelayMs: 1_000, votingPeriodMs: 2_500, timelockMs: 1_000, gracePeriodMs: 60_000, unbondCooldownMs: 5_000, lateQuorumExtensionMs: 1_000 }
// The demo's dataset is 18 notes, so an evaluation holds out a handful: three is its minimum (the default is 20).
// `demo --lm` has each of three contributors submit 40 notes in a minute (the default allows 20 a day).
export const DEMO_ECONOMICS = { ...defaultEconomics, validationWindowMs: 60_000, commitWindowMs: 1_500, revealWindowMs: 1_500, rewardEpochMs: 1_000, minEvalExamples: 3, maxItemsPerDay: 40 }

export async function governanceStage(ctx: DemoContext): Promise<StageReport> {
  const { alice, bob, carol, dave, erin, frank, grace, treasury } = ctx.actors
  const people = [alice, bob, carol, dave, erin, frank, grace]

  await ctx.run(ctx.ledger, {
    type: 'EstablishGenesis',
    payload: {
      params: { ...defaultParams, ...DEMO_WINDOWS, economics: DEMO_ECONOMICS },
      treasuryKey: treasury.key,
      treasury: tokens(1_000_000),
      allocations: people.map((person) => ({ account: person.key, amount: tokens(50_000) })),
    },
  })
  for (const person of [...people, treasury]) await ctx.run(person.signer, { type: 'RegisterIdentity', payload: { displayName: person.name } })
  for (const [person, amount] of [[alice, 20_000], [bob, 5_000], [dave, 12_000]] as const) {
    await ctx.run(person.signer, { type: 'WrapOpen', payload: { amount: tokens(amount) } })
    await ctx.run(person.signer, { type: 'DelegateVotes', payload: { to: person.key } })
  }
  await ctx.run(carol.signer, { type: 'WrapOpen', payload: { amount: tokens(30_000) } })

  const proposalId = await ctx.run(alice.signer, {
    type: 'ProposeModel',
    payload: {
      stake: tokens(1_000),
      spec: {
        title: 'Clinical note triage',
        purpose: 'Route discharge notes to the right follow-up team.',
        domain: 'healthcare',
        baseModel: 'reference-softmax-classifier',
        datasetRequirements: ['de-identified discharge notes', 'clinician-assigned follow-up team'],
        rubric: { metric: 'accuracy', threshold: 0.7, direction: 'maximize' },
        integrationTargets: ['ehr-handover-api'],
        rewardPool: tokens(25_000),
      },
    },
  })
  ctx.shared.set('mandateId', proposalId)
  // Dave's executable proposal runs alongside, through the same windows.
  const change = await proposeParameterChange(ctx)
  // Carol delegates her 30,000 gOPEN to Bob only now: the proposal's snapshot came before it.
  await ctx.run(carol.signer, { type: 'DelegateVotes', payload: { to: bob.key } })

  await ctx.wait(DEMO_WINDOWS.votingDelayMs + 100)
  await ctx.run(alice.signer, { type: 'CastVote', payload: { proposalId, support: 'for' } })
  await ctx.run(bob.signer, { type: 'CastVote', payload: { proposalId, support: 'against' } })
  await ctx.run(dave.signer, { type: 'CastVote', payload: { proposalId, support: 'for' } })
  const doubleVote = await ctx.refusal(bob.signer, { type: 'CastVote', payload: { proposalId, support: 'for' } })
  const carolVote = await ctx.refusal(carol.signer, { type: 'CastVote', payload: { proposalId, support: 'for' } })
  await voteOnParameterChange(ctx, change.proposalId)

  await ctx.wait(DEMO_WINDOWS.votingPeriodMs)
  for (const id of [proposalId, change.proposalId]) await ctx.run(erin.signer, { type: 'QueueProposal', payload: { proposalId: id } })
  await ctx.wait(DEMO_WINDOWS.timelockMs + 100)
  for (const id of [proposalId, change.proposalId]) await ctx.run(erin.signer, { type: 'ExecuteProposal', payload: { proposalId: id } })

  const state = (await ctx.state()).governance
  const proposal = state.proposals.get(proposalId)
  const params = state.genesis?.params
  if (proposal === undefined || params === undefined) throw new Error('the proposal is missing from the replayed state')
  const tally = tallyOf(state, proposal)
  const mandate = state.mandates.get(proposalId)
  return {
    name: 'genesis, identities, OPEN and gOPEN, delegation, proposal with stake, votes, mandate; a parameter changed by an executable proposal',
    details: [
      `genesis: ${people.length} accounts with 50,000 OPEN each, treasury ${formatTokens(tokens(1_000_000))} OPEN (${short(treasury.key)})`,
      `proposal ${short(proposalId)} by alice, 1,000 OPEN staked, reward pool 25,000 OPEN`,
      `votes at the snapshot: for ${formatTokens(tally.for)}, against ${formatTokens(tally.against)} gOPEN (quorum base ${formatTokens(tally.snapshotPower)})`,
      `carol delegated 30,000 gOPEN to bob after the snapshot: bob's vote weighs ${formatTokens(proposal.ballots.get(bob.key)?.weight ?? 0n)}, carol's own vote refused (${carolVote})`,
      `bob voting twice: refused (${doubleVote})`,
      `outcome: ${phaseOf(state, proposal, Date.now())}; mandate ${short(mandate?.id ?? '-')} with ${formatTokens(mandate?.escrowed ?? 0n)} OPEN escrowed from the treasury`,
      `alice's proposal stake released: ${formatTokens(accountOf(state, alice.key).open)} OPEN liquid`,
      ...(await describeParameterChange(ctx, change.proposalId, change.outOfBounds)),
    ],
  }
}
