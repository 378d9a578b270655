/**
 * The first half of the lifecycle, through signed commands: genesis, identities, OPEN wrapped into
 * gOPEN and delegated, a staked proposal, a stake-weighted vote in which a late delegation does not
 * count, then queue, execute and the mandate.
 */
import { governance, GovernanceRequestC, phaseOf, tallyOf, tokens, defaultParams, accountOf, type GovernanceRequest } from '../../../domain/governance/index.js'
import type { JsonValue } from '../../../domain/json.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import { createCommandHandler } from '../../../infrastructure/command-handler.js'
import { formatTokens, short } from '../format.js'
import type { DemoContext } from './context.js'
import type { StageReport } from './stages.js'

/** Windows of seconds instead of days, recorded in genesis like any other parameters. */
export const DEMO_WINDOWS = { votingDelayMs: 1_000, votingPeriodMs: 3_000, timelockMs: 1_000, gracePeriodMs: 60_000, unbondCooldownMs: 5_000 }

export async function governanceStage(ctx: DemoContext): Promise<StageReport> {
  const handler = createCommandHandler({ store: ctx.store, vertical: governance })
  const { alice, bob, carol, dave, erin, frank, grace, treasury } = ctx.actors
  const run = async (by: Signer, request: GovernanceRequest): Promise<string> => {
    const wire = GovernanceRequestC.encode(request) as { type: string; payload: JsonValue }
    const result = await handler.handle(ctx.sign(by, wire.type, wire.payload))
    if (!result.ok) throw new Error(`${request.type} refused: ${result.error.code}: ${result.error.message}`)
    return result.commandHash
  }
  const refusal = async (by: Signer, request: GovernanceRequest): Promise<string> => {
    const wire = GovernanceRequestC.encode(request) as { type: string; payload: JsonValue }
    const result = await handler.handle(ctx.sign(by, wire.type, wire.payload))
    return result.ok ? 'accepted' : result.error.code
  }
  const people = [alice, bob, carol, dave, erin, frank, grace]

  await run(ctx.ledger, {
    type: 'EstablishGenesis',
    payload: {
      params: { ...defaultParams, ...DEMO_WINDOWS },
      treasuryKey: treasury.key,
      treasury: tokens(1_000_000),
      allocations: people.map((person) => ({ account: person.key, amount: tokens(50_000) })),
    },
  })
  for (const person of [...people, treasury]) await run(person.signer, { type: 'RegisterIdentity', payload: { displayName: person.name } })
  await run(alice.signer, { type: 'WrapOpen', payload: { amount: tokens(20_000) } })
  await run(alice.signer, { type: 'DelegateVotes', payload: { to: alice.key } })
  await run(bob.signer, { type: 'WrapOpen', payload: { amount: tokens(5_000) } })
  await run(bob.signer, { type: 'DelegateVotes', payload: { to: bob.key } })
  await run(dave.signer, { type: 'WrapOpen', payload: { amount: tokens(12_000) } })
  await run(dave.signer, { type: 'DelegateVotes', payload: { to: dave.key } })
  await run(carol.signer, { type: 'WrapOpen', payload: { amount: tokens(30_000) } })

  const proposalId = await run(alice.signer, {
    type: 'ProposeModel',
    payload: {
      stake: tokens(1_000),
      spec: {
        title: 'Clinical note summarizer',
        purpose: 'Summarize discharge notes for primary care handover.',
        domain: 'healthcare',
        baseModel: 'reference-softmax-classifier',
        datasetRequirements: ['de-identified discharge notes', 'clinician-written labels'],
        rubric: { metric: 'accuracy', threshold: 0.7, direction: 'maximize' },
        integrationTargets: ['ehr-handover-api'],
        rewardPool: tokens(25_000),
      },
    },
  })
  ctx.shared.set('proposalId', proposalId)
  // Carol delegates her 30,000 gOPEN to Bob only now: the proposal's snapshot came before it.
  await run(carol.signer, { type: 'DelegateVotes', payload: { to: bob.key } })

  await ctx.wait(DEMO_WINDOWS.votingDelayMs + 100)
  await run(alice.signer, { type: 'CastVote', payload: { proposalId, support: 'for' } })
  await run(bob.signer, { type: 'CastVote', payload: { proposalId, support: 'against' } })
  await run(dave.signer, { type: 'CastVote', payload: { proposalId, support: 'for' } })
  const doubleVote = await refusal(bob.signer, { type: 'CastVote', payload: { proposalId, support: 'for' } })
  const carolVote = await refusal(carol.signer, { type: 'CastVote', payload: { proposalId, support: 'for' } })

  await ctx.wait(DEMO_WINDOWS.votingPeriodMs)
  await run(erin.signer, { type: 'QueueProposal', payload: { proposalId } })
  await ctx.wait(DEMO_WINDOWS.timelockMs + 100)
  await run(erin.signer, { type: 'ExecuteProposal', payload: { proposalId } })

  const state = await handler.state()
  const proposal = state.proposals.get(proposalId)
  const params = state.genesis?.params
  if (proposal === undefined || params === undefined) throw new Error('the proposal is missing from the replayed state')
  const tally = tallyOf(state, proposal, params)
  const mandate = state.mandates.get(proposalId)
  ctx.shared.set('mandateId', mandate?.id ?? '')
  return {
    name: 'genesis, identities, OPEN and gOPEN, delegation, proposal with stake, votes, mandate',
    built: true,
    details: [
      `genesis: ${people.length} accounts with 50,000 OPEN each, treasury ${formatTokens(tokens(1_000_000))} OPEN (${short(treasury.key)})`,
      `proposal ${short(proposalId)} by alice, 1,000 OPEN staked, reward pool 25,000 OPEN`,
      `votes at the snapshot: for ${formatTokens(tally.for)}, against ${formatTokens(tally.against)} gOPEN (quorum base ${formatTokens(tally.snapshotPower)})`,
      `carol delegated 30,000 gOPEN to bob after the snapshot: bob's vote weighs ${formatTokens(proposal.ballots.get(bob.key)?.weight ?? 0n)}, carol's own vote refused (${carolVote})`,
      `bob voting twice: refused (${doubleVote})`,
      `outcome: ${phaseOf(state, proposal, params, Date.now())}; mandate ${short(mandate?.id ?? '-')} with ${formatTokens(mandate?.escrowed ?? 0n)} OPEN escrowed from the treasury`,
      `alice's stake released: ${formatTokens(accountOf(state, alice.key).open)} OPEN liquid`,
    ],
  }
}
