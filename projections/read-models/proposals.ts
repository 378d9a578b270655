/**
 * The proposals read model: every proposal, model (ModelProposed) or executable (ActionsProposed),
 * with its actions and what each did when executed, its votes with their reasons, its backers, the
 * quorum it is judged against and its deadline (mapping in this file).
 *
 *   params                     { params } in force (genesis, then ParameterChanged): windows and quorum of new proposals
 *   supply                     { gopen, delegated } now: all gOPEN, and the gOPEN delegated to some governor (internal)
 *   holder:<key>               { gopen, delegate } of one account (internal: what delegation moves)
 *   executing                  { proposalId, commandHash } of the last execution (internal: ties its events to the actions)
 *   proposal:<id>              the proposal (ProposalRowC below)
 *   vote:<id>:<voter>          { proposalId, voter, support, weight, reason, sequence, recordedAt }
 *   backer:<id>:<backer>       { proposalId, backer, stakeId, amount, sequence, recordedAt }
 *
 * `status` is what the log has recorded: open, canceled, queued, executed, defeated, vetoed,
 * expired. Whether an open proposal is pending, active, succeeded (or already defeated or expired
 * without a FinalizeProposal yet) depends on the time of the question: `proposalPhase(row, at)`
 * answers exactly as the rules do (domain/governance/outcome.ts `phaseOf`), from the row alone.
 * `votes` sums the ballots as cast so far (a voter who votes again replaces their ballot);
 * `quorum` is fixed at the snapshot (the proposal's own sequence), as the rules judge it;
 * `outcomeTally` is the tally the queue or finalize event recorded. Each action's `executed` is
 * null until the execution, then names the sequence it applies from (its first event), the events
 * it caused, a changed parameter's old and new value, and the OPEN it moved.
 */
import * as t from 'io-ts'
import { JsonValueC, Timestamp } from '../../domain/codec.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { AmountC } from '../../domain/governance/amounts.js'
import { ProposalActionC, type ProposalAction } from '../../domain/governance/actions.js'
import { parameterCodec, withParameter } from '../../domain/governance/parameters.js'
import { GenesisParamsC, RatioC } from '../../domain/governance/params.js'
import { KeyC, ProposalIdC, ProposalSpecC, SupportC, TallyC, TextC } from '../../domain/governance/values.js'
import type { JsonValue } from '../../domain/json.js'
import { applyWith, type ChangeSet } from '../changes.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection } from '../projection.js'
import { nullable, rowCodec } from '../row-codec.js'

const ParamsRowC = t.type({ kind: t.literal('params'), params: GenesisParamsC })
const SupplyRowC = t.type({ kind: t.literal('supply'), gopen: AmountC, delegated: AmountC })
const HolderRowC = t.type({ kind: t.literal('holder'), gopen: AmountC, delegate: nullable(KeyC) })
const ExecutingRowC = t.type({ kind: t.literal('executing'), proposalId: ProposalIdC, commandHash: t.string })
const VotesC = t.type({ for: AmountC, against: AmountC, abstain: AmountC }, 'Votes')
const StatusC = t.keyof({ open: null, canceled: null, queued: null, executed: null, defeated: null, vetoed: null, expired: null }, 'ProposalStatus')
/** What one action did when its proposal executed. */
export const ActionResultC = t.type(
  {
    /** The sequence of the action's first event: a changed parameter is in force from here on. */
    sequence: t.number,
    events: t.array(t.type({ type: t.string, sequence: t.number })),
    /** change-parameter: the value before and after (JSON as ParameterChanged records it); null for other kinds. */
    from: nullable(JsonValueC),
    to: nullable(JsonValueC),
    /** OPEN the action moved: a transfer or grant, escrow added or returned by an amendment, a reversed slash or a dispute refund. */
    amount: nullable(AmountC),
  },
  'ActionResult',
)
export const ActionRowC = t.type({ action: ProposalActionC, summary: t.string, executed: nullable(ActionResultC) }, 'ProposalActionRow')
const QuorumC = t.type(
  {
    basis: t.keyof({ supply: null, delegated: null }),
    ratio: RatioC,
    /** All gOPEN (basis supply) or the delegated gOPEN (basis delegated) at the snapshot. */
    snapshotSupply: AmountC,
    /** For + abstain must reach this: the ratio of the snapshot supply, rounded up. */
    required: AmountC,
  },
  'Quorum',
)
const CanceledC = t.type({ by: t.keyof({ proposer: null, guardian: null }), guardian: nullable(KeyC), reason: nullable(TextC), sequence: t.number }, 'Cancellation')
export const ProposalRowC = t.type(
  {
    kind: t.literal('proposal'),
    id: ProposalIdC,
    type: t.keyof({ model: null, actions: null }),
    proposer: KeyC,
    title: t.string,
    description: t.string,
    /** A model proposal's spec; null for an executable one. */
    spec: nullable(ProposalSpecC),
    actions: t.array(ActionRowC),
    stakeId: t.number,
    stake: AmountC,
    minBacking: AmountC,
    backers: t.number,
    backing: AmountC,
    snapshotSequence: t.number,
    createdAt: Timestamp,
    votingStartsAt: Timestamp,
    /** The deadline: as scheduled, or later by a late-quorum extension. */
    votingEndsAt: Timestamp,
    scheduledVotingEndsAt: Timestamp,
    extendedSequence: nullable(t.number),
    gracePeriodMs: t.number,
    quorum: QuorumC,
    status: StatusC,
    canceled: nullable(CanceledC),
    votes: VotesC,
    voters: t.number,
    outcomeTally: nullable(TallyC),
    queuedAt: nullable(Timestamp),
    eta: nullable(Timestamp),
    executedSequence: nullable(t.number),
    mandateId: nullable(ProposalIdC),
    updatedAt: Timestamp,
    updatedSequence: t.number,
  },
  'ProposalRow',
)
export const VoteRowC = t.type(
  { kind: t.literal('vote'), proposalId: ProposalIdC, voter: KeyC, support: SupportC, weight: AmountC, reason: nullable(TextC), sequence: t.number, recordedAt: Timestamp },
  'VoteRow',
)
export const BackerRowC = t.type({ kind: t.literal('backer'), proposalId: ProposalIdC, backer: KeyC, stakeId: t.number, amount: AmountC, sequence: t.number, recordedAt: Timestamp }, 'BackerRow')
export const ProposalsRowC = t.union([ParamsRowC, SupplyRowC, HolderRowC, ExecutingRowC, ProposalRowC, VoteRowC, BackerRowC])
export type ProposalsRow = t.TypeOf<typeof ProposalsRowC>
export type ProposalRow = t.TypeOf<typeof ProposalRowC>
export type VoteRow = t.TypeOf<typeof VoteRowC>
export type ActionRow = t.TypeOf<typeof ActionRowC>
export type ProposalStatus = t.TypeOf<typeof StatusC>

export const PARAMS_KEY = 'params'
export const SUPPLY_KEY = 'supply'
const EXECUTING_KEY = 'executing'
export const proposalKey = (id: string): string => `proposal:${id}`
export const voteKey = (id: string, voter: string): string => `vote:${id}:${voter}`
export const backerKey = (id: string, backer: string): string => `backer:${id}:${backer}`
const holderKey = (key: string): string => `holder:${key}`

/** The events an execution records for its actions, each tied to the action it belongs to. */
const EFFECTS = [
  'ParameterChanged',
  'TreasuryTransferred',
  'TreasuryGranted',
  'GuardianSet',
  'DeploymentRetired',
  'DeploymentSuspended',
  'DeploymentResumed',
  'MandateAmended',
  'RewardPoolEscrowed',
  'RewardPoolReturned',
  'AppealResolved',
  'SlashReversed',
  'DisputeResolved',
  'UsageRefunded',
  'StakeSlashed',
] as const
const TYPES = [
  'GenesisEstablished',
  'OpenWrapped',
  'GopenUnwrapped',
  'VotesDelegated',
  'ModelProposed',
  'ActionsProposed',
  'ProposalCanceled',
  'ProposalCanceledByGuardian',
  'VoteCast',
  'VoteReasonGiven',
  'VotingExtended',
  'ProposalBacked',
  'ProposalQueued',
  'ProposalExecuted',
  'ProposalFinalized',
  'MandateIssued',
  ...EFFECTS,
] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>
type Effect = EconomyEventOf<(typeof EFFECTS)[number]>
type Rows = ChangeSet<ProposalsRow>

const iso = (ms: number): string => new Date(ms).toISOString()

/** One line that says what an action does; amounts in base units, as everywhere in the API. */
export function describeAction(action: ProposalAction): string {
  switch (action.kind) {
    case 'change-parameter':
      return `set ${action.name} to ${JSON.stringify(action.value)}`
    case 'transfer-treasury':
      return `pay ${action.amount} base units of treasury OPEN to ${action.to} (${action.memo})`
    case 'grant-treasury':
      return `grant ${action.amount} base units of treasury OPEN to ${action.to}, claimable from ${action.vestsAt} (${action.memo})`
    case 'set-guardian':
      return action.guardian === null ? 'remove the guardian' : `make ${action.guardian} the guardian`
    case 'retire-deployment':
      return `retire deployment ${action.deploymentId}: ${action.reason}`
    case 'suspend-deployment':
      return `suspend deployment ${action.deploymentId}: ${action.reason}`
    case 'resume-deployment':
      return `resume deployment ${action.deploymentId}: ${action.reason}`
    case 'amend-mandate':
      return `amend mandate ${action.mandateId}: rubric ${action.rubric.metric} ${action.rubric.direction === 'maximize' ? '>=' : '<='} ${action.rubric.threshold}, ${action.datasetRequirements.length} data needs, reward pool ${action.rewardPool} base units`
    case 'resolve-appeal':
      return `${action.upheld ? 'uphold' : 'reject'} appeal ${action.appealId}: ${action.reason}`
    case 'resolve-dispute':
      return `${action.upheld ? 'uphold' : 'reject'} dispute ${action.disputeId}: ${action.reason}`
  }
}

export type ProposalPhase = 'pending' | 'active' | 'succeeded' | 'defeated' | 'queued' | 'executed' | 'expired' | 'canceled'

/**
 * The proposal's phase at `at` (ms), from its row alone, by the rules' own definition
 * (`phaseOf`): canceled or executed as recorded; else pending before voting, active during it;
 * after it defeated unless quorum (for + abstain) was met with more for than against and the
 * backing reached its minimum; a passed proposal expires a grace period after its eta (or its
 * deadline, if never queued).
 */
export function proposalPhase(row: ProposalRow, at: number): ProposalPhase {
  if (row.status === 'canceled') return 'canceled'
  if (row.status === 'executed') return 'executed'
  if (at < Date.parse(row.votingStartsAt)) return 'pending'
  const end = Date.parse(row.votingEndsAt)
  if (at < end) return 'active'
  const { votes } = row
  const passed = votes.for + votes.abstain >= row.quorum.required && votes.for > votes.against
  if (!passed || row.backing < row.minBacking) return 'defeated'
  if (at >= (row.eta === null ? end : Date.parse(row.eta)) + row.gracePeriodMs) return 'expired'
  return row.queuedAt === null ? 'succeeded' : 'queued'
}

function proposal(rows: Rows, envelope: Envelope, id: string, change: (p: ProposalRow) => ProposalRow): void {
  const row = rows.get(proposalKey(id))
  // Events about a proposal the log never opened change nothing, as in the governance fold.
  if (row?.kind !== 'proposal') return
  rows.set(proposalKey(id), { ...change(row), updatedAt: envelope.recordedAt, updatedSequence: envelope.sequence })
}

function supply(rows: Rows): { gopen: bigint; delegated: bigint } {
  const row = rows.get(SUPPLY_KEY)
  return row?.kind === 'supply' ? row : { gopen: 0n, delegated: 0n }
}

function holder(rows: Rows, key: string): { gopen: bigint; delegate: string | null } {
  const row = rows.get(holderKey(key))
  return row?.kind === 'holder' ? row : { gopen: 0n, delegate: null }
}

/** gOPEN wrapped (positive) or unwrapped (negative): the supply moves, and the delegated supply when the holder delegates. */
function wrapped(rows: Rows, account: string, delta: bigint): void {
  const h = holder(rows, account)
  const s = supply(rows)
  rows.set(holderKey(account), { kind: 'holder', gopen: h.gopen + delta, delegate: h.delegate })
  rows.set(SUPPLY_KEY, { kind: 'supply', gopen: s.gopen + delta, delegated: s.delegated + (h.delegate === null ? 0n : delta) })
}

function delegated(rows: Rows, account: string, to: string | null): void {
  const h = holder(rows, account)
  const s = supply(rows)
  const delta = (to === null ? 0n : h.gopen) - (h.delegate === null ? 0n : h.gopen)
  rows.set(holderKey(account), { kind: 'holder', gopen: h.gopen, delegate: to })
  rows.set(SUPPLY_KEY, { kind: 'supply', gopen: s.gopen, delegated: s.delegated + delta })
}

type Proposed = EconomyEventOf<'ModelProposed'>['data'] | EconomyEventOf<'ActionsProposed'>['data']

function proposed(rows: Rows, envelope: Envelope, data: Proposed): void {
  const params = rows.get(PARAMS_KEY)
  if (params?.kind !== 'params') return
  const p = params.params
  const created = Date.parse(envelope.recordedAt)
  const starts = created + p.votingDelayMs
  const ends = iso(starts + p.votingPeriodMs)
  const s = supply(rows)
  const snapshotSupply = p.quorumBasis === 'supply' ? s.gopen : s.delegated
  const { numerator, denominator } = p.quorum
  const required = (snapshotSupply * BigInt(numerator) + BigInt(denominator) - 1n) / BigInt(denominator)
  const model = 'spec' in data
  const row: ProposalRow = {
    kind: 'proposal', id: data.proposalId, type: model ? 'model' : 'actions', proposer: data.proposer,
    title: model ? data.spec.title : data.title, description: model ? data.spec.purpose : data.description,
    spec: model ? data.spec : null,
    actions: model ? [] : data.actions.map((action) => ({ action, summary: describeAction(action), executed: null })),
    stakeId: data.stakeId, stake: data.stake, minBacking: model ? 0n : data.minBacking, backers: 0, backing: 0n,
    snapshotSequence: envelope.sequence, createdAt: envelope.recordedAt,
    votingStartsAt: iso(starts), votingEndsAt: ends, scheduledVotingEndsAt: ends, extendedSequence: null, gracePeriodMs: p.gracePeriodMs,
    quorum: { basis: p.quorumBasis, ratio: p.quorum, snapshotSupply, required },
    status: 'open', canceled: null, votes: { for: 0n, against: 0n, abstain: 0n }, voters: 0, outcomeTally: null,
    queuedAt: null, eta: null, executedSequence: null, mandateId: null,
    updatedAt: envelope.recordedAt, updatedSequence: envelope.sequence,
  }
  rows.set(proposalKey(data.proposalId), row)
}

function voted(rows: Rows, envelope: Envelope, data: EconomyEventOf<'VoteCast'>['data']): void {
  const key = voteKey(data.proposalId, data.voter)
  const before = rows.get(key)
  const prior = before?.kind === 'vote' ? before : undefined
  if (rows.get(proposalKey(data.proposalId)) === undefined) return
  proposal(rows, envelope, data.proposalId, (p) => {
    const votes = { ...p.votes }
    if (prior !== undefined) votes[prior.support] -= prior.weight
    votes[data.support] += data.weight
    return { ...p, votes, voters: p.voters + (prior === undefined ? 1 : 0) }
  })
  // A new ballot replaces the old one, reason and all; VoteReasonGiven follows when it has one.
  rows.set(key, { kind: 'vote', proposalId: data.proposalId, voter: data.voter, support: data.support, weight: data.weight, reason: null, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
}

function backed(rows: Rows, envelope: Envelope, data: EconomyEventOf<'ProposalBacked'>['data']): void {
  const key = backerKey(data.proposalId, data.backer)
  const before = rows.get(key)
  const prior = before?.kind === 'backer' ? before.amount : undefined
  if (rows.get(proposalKey(data.proposalId)) === undefined) return
  proposal(rows, envelope, data.proposalId, (p) => ({ ...p, backers: p.backers + (prior === undefined ? 1 : 0), backing: p.backing - (prior ?? 0n) + data.amount }))
  rows.set(key, { kind: 'backer', proposalId: data.proposalId, backer: data.backer, stakeId: data.stakeId, amount: data.amount, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
}

/** A governance change applies to proposals recorded from then on (those already open keep the parameters of their snapshot). */
function parameterChanged(rows: Rows, data: EconomyEventOf<'ParameterChanged'>['data']): void {
  const params = rows.get(PARAMS_KEY)
  const decoded = parameterCodec(data.name)?.decode(data.to)
  if (params?.kind !== 'params' || decoded === undefined || decoded._tag === 'Left') return
  rows.set(PARAMS_KEY, { kind: 'params', params: withParameter(params.params, data.name, decoded.right) })
}

/**
 * Which action of the executing proposal an effect belongs to, and what it adds. A first event
 * (ParameterChanged, TreasuryTransferred...) takes the first action of its kind and subject not
 * yet executed; a following one (escrow moved, slash reversed, refund) joins the executed action
 * it names.
 */
function effectOf(effect: Effect, actions: readonly ActionRow[]): { index: number; first: boolean; from?: JsonValue; to?: JsonValue; amount?: bigint } | undefined {
  const open = (match: (a: ProposalAction) => boolean) => actions.findIndex((a) => a.executed === null && match(a.action))
  const done = (match: (a: ProposalAction) => boolean) => actions.findIndex((a) => a.executed !== null && match(a.action))
  const at = (index: number, first: boolean, extra: { from?: JsonValue; to?: JsonValue; amount?: bigint } = {}) => (index < 0 ? undefined : { index, first, ...extra })
  switch (effect.type) {
    case 'ParameterChanged':
      return at(open((a) => a.kind === 'change-parameter' && a.name === effect.data.name), true, { from: effect.data.from, to: effect.data.to })
    case 'TreasuryTransferred':
      return at(open((a) => a.kind === 'transfer-treasury' && a.to === effect.data.to && a.amount === effect.data.amount), true, { amount: effect.data.amount })
    case 'TreasuryGranted':
      return at(open((a) => a.kind === 'grant-treasury' && a.to === effect.data.to && a.amount === effect.data.amount), true, { amount: effect.data.amount })
    case 'GuardianSet':
      return at(open((a) => a.kind === 'set-guardian' && a.guardian === effect.data.guardian), true)
    case 'DeploymentRetired':
      return at(open((a) => a.kind === 'retire-deployment' && a.deploymentId === effect.data.deploymentId), true)
    case 'DeploymentSuspended':
      return at(open((a) => a.kind === 'suspend-deployment' && a.deploymentId === effect.data.deploymentId), true)
    case 'DeploymentResumed':
      return at(open((a) => a.kind === 'resume-deployment' && a.deploymentId === effect.data.deploymentId), true)
    case 'MandateAmended':
      return at(open((a) => a.kind === 'amend-mandate' && a.mandateId === effect.data.mandateId), true)
    case 'RewardPoolEscrowed':
    case 'RewardPoolReturned':
      return at(done((a) => a.kind === 'amend-mandate' && a.mandateId === effect.data.mandateId), false, { amount: effect.data.amount })
    case 'AppealResolved':
      return at(open((a) => a.kind === 'resolve-appeal' && a.appealId === effect.data.appealId), true)
    case 'SlashReversed':
      return at(done((a) => a.kind === 'resolve-appeal' && a.appealId === effect.data.appealId), false, { amount: effect.data.amount })
    case 'DisputeResolved':
      return at(open((a) => a.kind === 'resolve-dispute' && a.disputeId === effect.data.disputeId), true)
    case 'UsageRefunded':
      return at(done((a) => a.kind === 'resolve-dispute' && a.disputeId === effect.data.disputeId), false, { amount: effect.data.amount })
    case 'StakeSlashed': {
      // Only slashes an action makes: the operator's for an upheld dispute, a rejected filing's bond.
      const ev = effect.data
      if (ev.evidence.kind !== 'rule') return undefined
      const subject = ev.evidence.subject
      if (ev.evidence.rule === 'usage-dispute' || ev.evidence.rule === 'dispute-rejected') return at(done((a) => a.kind === 'resolve-dispute' && a.disputeId === subject), false)
      if (ev.evidence.rule === 'appeal-rejected') return at(done((a) => a.kind === 'resolve-appeal' && a.appealId === subject), false)
      return undefined
    }
  }
}

function effected(rows: Rows, envelope: Envelope, effect: Effect): void {
  const executing = rows.get(EXECUTING_KEY)
  if (executing?.kind !== 'executing' || envelope.cause.kind !== 'command' || envelope.cause.commandHash !== executing.commandHash) return
  proposal(rows, envelope, executing.proposalId, (p) => {
    const found = effectOf(effect, p.actions)
    if (found === undefined) return p
    const actions = p.actions.map((row, i) => {
      if (i !== found.index) return row
      const event = { type: effect.type, sequence: envelope.sequence }
      if (found.first) return { ...row, executed: { sequence: envelope.sequence, events: [event], from: found.from ?? null, to: found.to ?? null, amount: found.amount ?? null } }
      const before = row.executed
      if (before === null) return row
      // A rule slash joins the events but moves no OPEN to or from the treasury's side of the action.
      return { ...row, executed: { ...before, events: [...before.events, event], amount: found.amount ?? before.amount } }
    })
    return { ...p, actions }
  })
}

function applyEvent(rows: Rows, event: Event, envelope: Envelope): void {
  switch (event.type) {
    case 'GenesisEstablished':
      return rows.set(PARAMS_KEY, { kind: 'params', params: event.data.params })
    case 'OpenWrapped':
      return wrapped(rows, event.data.account, event.data.amount)
    case 'GopenUnwrapped':
      return wrapped(rows, event.data.account, -event.data.amount)
    case 'VotesDelegated':
      return delegated(rows, event.data.account, event.data.to)
    case 'ModelProposed':
    case 'ActionsProposed':
      return proposed(rows, envelope, event.data)
    case 'ProposalCanceled':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: 'canceled', canceled: { by: 'proposer', guardian: null, reason: null, sequence: envelope.sequence } }))
    case 'ProposalCanceledByGuardian': {
      const { guardian, reason } = event.data
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: 'canceled', canceled: { by: 'guardian', guardian, reason, sequence: envelope.sequence } }))
    }
    case 'VotingExtended':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, votingEndsAt: event.data.votingEndsAt, extendedSequence: envelope.sequence }))
    case 'VoteCast':
      return voted(rows, envelope, event.data)
    case 'VoteReasonGiven': {
      const key = voteKey(event.data.proposalId, event.data.voter)
      const vote = rows.get(key)
      if (vote?.kind === 'vote') rows.set(key, { ...vote, reason: event.data.reason })
      return
    }
    case 'ProposalBacked':
      return backed(rows, envelope, event.data)
    case 'ProposalQueued':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: 'queued', queuedAt: envelope.recordedAt, eta: event.data.eta, outcomeTally: event.data.tally }))
    case 'ProposalExecuted':
      if (envelope.cause.kind === 'command') rows.set(EXECUTING_KEY, { kind: 'executing', proposalId: event.data.proposalId, commandHash: envelope.cause.commandHash })
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: 'executed', executedSequence: envelope.sequence }))
    case 'ProposalFinalized':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: event.data.outcome, outcomeTally: event.data.tally }))
    case 'MandateIssued':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, mandateId: event.data.mandateId }))
    default:
      if (event.type === 'ParameterChanged') parameterChanged(rows, event.data)
      return effected(rows, envelope, event)
  }
}

export const proposalsProjection: Projection<ProposalsRow, Event> = {
  name: 'proposals',
  version: 3,
  filter: economyEvents(TYPES),
  init: [],
  apply: applyWith(applyEvent),
  ...rowCodec('proposals', ProposalsRowC),
}
