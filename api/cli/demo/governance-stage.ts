/**
 * The first half of the lifecycle, through signed commands posted to the HTTP API with the SDK: genesis, identities, OPEN wrapped into
 * gOPEN and delegated, a staked proposal, a stake-weighted vote in which a late delegation does not
 * count, then queue, execute and the mandate.
 */
import { GovernanceRequestC, tokens, defaultParams, type GovernanceRequest } from '../../../domain/governance/index.js'
import type { JsonValue } from '../../../domain/json.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import { isApiError } from '../../sdk/errors.js'
import { formatTokens, short } from '../format.js'
import type { DemoContext } from './context.js'
import type { StageReport } from './stages.js'

/** Windows of seconds instead of days, recorded in genesis like any other parameters. */
export const DEMO_WINDOWS = { votingDelayMs: 1_000, votingPeriodMs: 3_000, timelockMs: 1_000, gracePeriodMs: 60_000, unbondCooldownMs: 5_000 }

export async function governanceStage(ctx: DemoContext): Promise<StageReport> {
  let last = 0
  const { alice, bob, carol, dave, erin, frank, grace, treasury } = ctx.actors
  const run = async (by: Signer, request: GovernanceRequest): Promise<string> => {
    const wire = GovernanceRequestC.encode(request) as { type: string; payload: JsonValue }
    const result = await ctx.client.submit(ctx.sign(by, wire.type, wire.payload))
    last = result.lastSequence
    return result.commandHash
  }
  const refusal = async (by: Signer, request: GovernanceRequest): Promise<string> => {
    const wire = GovernanceRequestC.encode(request) as { type: string; payload: JsonValue }
    try {
      await ctx.client.submit(ctx.sign(by, wire.type, wire.payload))
      return 'accepted'
    } catch (error) {
      if (isApiError(error)) return error.code ?? error.kind
      throw error
    }
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

  // The summary reads the read models through the API, once they have folded the last command.
  const proposal = await ctx.client.proposal(proposalId, { after: last })
  const tally = proposal.outcomeTally
  if (tally === null) throw new Error('the proposal has no recorded outcome')
  const votes = await ctx.client.votes(proposalId)
  const bobWeight = votes.items.find((vote) => vote.voter === bob.key)?.weight ?? '0'
  const mandate = (await ctx.client.mandate(proposalId)) as { id: string; escrowed: string }
  const aliceAccount = await ctx.client.account(alice.key)
  ctx.shared.set('mandateId', mandate.id)
  return {
    name: 'genesis, identities, OPEN and gOPEN, delegation, proposal with stake, votes, mandate',
    built: true,
    details: [
      `genesis: ${people.length} accounts with 50,000 OPEN each, treasury ${formatTokens(tokens(1_000_000))} OPEN (${short(treasury.key)})`,
      `proposal ${short(proposalId)} by alice, 1,000 OPEN staked, reward pool 25,000 OPEN`,
      `votes at the snapshot: for ${formatTokens(BigInt(tally.for))}, against ${formatTokens(BigInt(tally.against))} gOPEN (quorum base ${formatTokens(BigInt(tally.snapshotPower))})`,
      `carol delegated 30,000 gOPEN to bob after the snapshot: bob's vote weighs ${formatTokens(BigInt(bobWeight))}, carol's own vote refused (${carolVote})`,
      `bob voting twice: refused (${doubleVote})`,
      `outcome: ${proposal.status}; mandate ${short(mandate.id)} with ${formatTokens(BigInt(mandate.escrowed))} OPEN escrowed from the treasury`,
      `alice's stake released: ${formatTokens(BigInt(aliceAccount.open))} OPEN liquid`,
    ],
  }
}
