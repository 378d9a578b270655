/** Keys, parameters and command builders shared by the governance specs. */
import { hashFor, specFor, type Step } from '../decider-spec.js'
import { governanceDecider } from '../../../domain/governance/decider.js'
import type { GovernanceCommand } from '../../../domain/governance/commands.js'
import type { GovernanceEvent } from '../../../domain/governance/events.js'
import { defaultParams, type GenesisParams } from '../../../domain/governance/params.js'
import { tokens } from '../../../domain/governance/amounts.js'
import type { ProposalSpec, Support } from '../../../domain/governance/values.js'
import type { ProposalAction } from '../../../domain/governance/actions.js'

export const DAY = 24 * 60 * 60 * 1000
export const START = Date.UTC(2026, 0, 1)

const key = (byte: string) => byte.repeat(32)
export const LEDGER = key('ee')
export const TREASURY = key('ff')
export const ALICE = key('a1')
export const BOB = key('b2')
export const CAROL = key('c3')
export const DAVE = key('d4')

export const params: GenesisParams = defaultParams
export const ALLOCATION = tokens(50_000)
export const TREASURY_FUNDS = tokens(1_000_000)

export type Cmd = GovernanceCommand
export type Ev = GovernanceEvent

export const spec = specFor(governanceDecider, { ledgerKey: LEDGER, start: START })

export const cmd = {
  genesis: (overrides: Partial<GenesisParams> = {}, allocations = [ALICE, BOB, CAROL, DAVE]): Cmd => ({
    type: 'EstablishGenesis',
    actor: LEDGER,
    payload: {
      params: { ...params, ...overrides },
      treasuryKey: TREASURY,
      treasury: TREASURY_FUNDS,
      allocations: allocations.map((account) => ({ account, amount: ALLOCATION })),
    },
  }),
  register: (actor: string, displayName = `user ${actor.slice(0, 4)}`): Cmd => ({ type: 'RegisterIdentity', actor, payload: { displayName } }),
  transfer: (actor: string, to: string, amount: bigint): Cmd => ({ type: 'TransferOpen', actor, payload: { to, amount } }),
  wrap: (actor: string, amount: bigint): Cmd => ({ type: 'WrapOpen', actor, payload: { amount } }),
  unwrap: (actor: string, amount: bigint): Cmd => ({ type: 'UnwrapGopen', actor, payload: { amount } }),
  delegate: (actor: string, to: string | null): Cmd => ({ type: 'DelegateVotes', actor, payload: { to } }),
  lock: (actor: string, purpose: 'validator' | 'contribution' | 'trainer' | 'operator', amount: bigint): Cmd => ({
    type: 'LockStake',
    actor,
    payload: { purpose, amount },
  }),
  unbond: (actor: string, stakeId: number): Cmd => ({ type: 'RequestUnbond', actor, payload: { stakeId } }),
  release: (actor: string, stakeId: number): Cmd => ({ type: 'ReleaseStake', actor, payload: { stakeId } }),
  propose: (actor: string, stake = tokens(1_000), rewardPool = tokens(5_000)): Cmd => ({
    type: 'ProposeModel',
    actor,
    payload: { spec: proposalSpec(rewardPool), stake },
  }),
  cancel: (actor: string, proposalId: string): Cmd => ({ type: 'CancelProposal', actor, payload: { proposalId } }),
  vote: (actor: string, proposalId: string, support: Support): Cmd => ({ type: 'CastVote', actor, payload: { proposalId, support } }),
  queue: (actor: string, proposalId: string): Cmd => ({ type: 'QueueProposal', actor, payload: { proposalId } }),
  execute: (actor: string, proposalId: string): Cmd => ({ type: 'ExecuteProposal', actor, payload: { proposalId } }),
  finalize: (actor: string, proposalId: string): Cmd => ({ type: 'FinalizeProposal', actor, payload: { proposalId } }),
  proposeActions: (actor: string, actions: readonly ProposalAction[], o: { stake?: bigint; minBacking?: bigint } = {}): Cmd => ({
    type: 'ProposeActions',
    actor,
    payload: { title: 'Protocol housekeeping', description: 'Actions executed by the ledger when the vote passes.', actions, stake: o.stake ?? tokens(1_000), minBacking: o.minBacking ?? 0n },
  }),
  voteWithReason: (actor: string, proposalId: string, support: Support, reason: string): Cmd => ({ type: 'CastVoteWithReason', actor, payload: { proposalId, support, reason } }),
  back: (actor: string, proposalId: string, amount: bigint): Cmd => ({ type: 'BackProposal', actor, payload: { proposalId, amount } }),
  guardianCancel: (actor: string, proposalId: string, reason = 'the actions would drain the treasury'): Cmd => ({ type: 'CancelProposalAsGuardian', actor, payload: { proposalId, reason } }),
  claimGrant: (actor: string, grantId: number): Cmd => ({ type: 'ClaimTreasuryGrant', actor, payload: { grantId } }),
}

/** Steps that take actions from proposal (by Alice) to a passed, queued proposal whose timelock has ended, after `before`; and its id. */
export function enacted<C extends { readonly type: string }, E>(
  before: Step<C, E>[],
  actions: readonly ProposalAction[],
  play: (steps: Step<C, E>[]) => { commands: number },
  o: { proposer?: string } = {},
): { steps: Step<C, E>[]; proposalId: string; queued: Step<C, E>[] } {
  const proposer = o.proposer ?? ALICE
  const proposalId = hashFor(play(before).commands + 1)
  const asC = (c: Cmd): C => c as unknown as C
  const queued: Step<C, E>[] = [
    ...before,
    { command: asC(cmd.proposeActions(proposer, actions)) },
    { advance: DAY },
    { command: asC(cmd.vote(ALICE, proposalId, 'for')) },
    { command: asC(cmd.vote(BOB, proposalId, 'for')) },
    { advance: 7 * DAY },
    { command: asC(cmd.queue(DAVE, proposalId)) },
  ]
  return { steps: [...queued, { advance: DAY }], proposalId, queued }
}

export function proposalSpec(rewardPool = tokens(5_000)): ProposalSpec {
  return {
    title: 'Clinical note summarizer',
    purpose: 'Summarize discharge notes for primary care handover.',
    domain: 'healthcare',
    baseModel: 'open-llm-7b',
    datasetRequirements: ['de-identified discharge notes, 10k+', 'clinician-written summaries'],
    rubric: { metric: 'rougeL', threshold: 0.42, direction: 'maximize' },
    integrationTargets: ['ehr-handover-api'],
    rewardPool,
  }
}

/** Genesis, four registered actors, each with 20,000 gOPEN delegated to themselves. */
export function governed(overrides: Partial<GenesisParams> = {}): Step<Cmd, Ev>[] {
  const steps: Step<Cmd, Ev>[] = [{ command: cmd.genesis(overrides) }]
  for (const actor of [ALICE, BOB, CAROL, DAVE]) {
    steps.push({ command: cmd.register(actor) }, { command: cmd.wrap(actor, tokens(20_000)) }, { command: cmd.delegate(actor, actor) })
  }
  return steps
}

/** The id the spec helper gives the proposal decided as the n-th command (commands count from 1). */
export { hashFor as proposalIdAt } from '../decider-spec.js'
