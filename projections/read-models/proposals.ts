/**
 * The proposals read model with vote tallies, from governance events only (mapping in this file).
 *
 *   params                    { votingDelayMs, votingPeriodMs, timelockMs, gracePeriodMs } in force (genesis, then ParameterChanged)
 *   proposal:<id>             { id, proposer, spec, stakeId, stake, snapshotSequence, createdAt,
 *                               votingStartsAt, votingEndsAt, status, votes { for, against, abstain },
 *                               voters, outcomeTally, eta, mandateId, updatedAt, updatedSequence }
 *   vote:<id>:<voter>         { proposalId, voter, support, weight, sequence, recordedAt }
 *
 * `status` is what the log has recorded: open, canceled, queued, executed, defeated, vetoed,
 * expired. Whether an open proposal is pending, active or succeeded depends on the time of the
 * question; votingStartsAt and votingEndsAt let a reader tell (domain/governance/outcome.ts rules).
 * `votes` sums the ballots as cast so far (a voter who votes again replaces their ballot);
 * `outcomeTally` is the tally with snapshot power and quorum that the outcome event recorded.
 */
import * as t from 'io-ts'
import { Timestamp } from '../../domain/codec.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { AmountC } from '../../domain/governance/amounts.js'
import type { EventOf, GovernanceEventType } from '../../domain/governance/events.js'
import { KeyC, ProposalIdC, ProposalSpecC, SupportC, TallyC } from '../../domain/governance/values.js'
import { governanceEvents } from '../catalogue.js'
import { applyWith, type ChangeSet } from '../changes.js'
import type { Projection } from '../projection.js'
import { rowCodec } from '../row-codec.js'

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null])

const ParamsRowC = t.type({ kind: t.literal('params'), votingDelayMs: t.number, votingPeriodMs: t.number, timelockMs: t.number, gracePeriodMs: t.number })
const VotesC = t.type({ for: AmountC, against: AmountC, abstain: AmountC })
const StatusC = t.keyof({ open: null, canceled: null, queued: null, executed: null, defeated: null, vetoed: null, expired: null })
const ProposalRowC = t.type({
  kind: t.literal('proposal'),
  id: ProposalIdC,
  proposer: KeyC,
  spec: ProposalSpecC,
  stakeId: t.number,
  stake: AmountC,
  snapshotSequence: t.number,
  createdAt: Timestamp,
  votingStartsAt: nullable(Timestamp),
  votingEndsAt: nullable(Timestamp),
  status: StatusC,
  votes: VotesC,
  voters: t.number,
  outcomeTally: nullable(TallyC),
  eta: nullable(Timestamp),
  mandateId: nullable(ProposalIdC),
  updatedAt: Timestamp,
  updatedSequence: t.number,
})
const VoteRowC = t.type({ kind: t.literal('vote'), proposalId: ProposalIdC, voter: KeyC, support: SupportC, weight: AmountC, sequence: t.number, recordedAt: Timestamp })
export const ProposalsRowC = t.union([ParamsRowC, ProposalRowC, VoteRowC])
export type ProposalsRow = t.TypeOf<typeof ProposalsRowC>
export type ProposalRow = t.TypeOf<typeof ProposalRowC>
export type VoteRow = t.TypeOf<typeof VoteRowC>
export type ProposalStatus = t.TypeOf<typeof StatusC>

export const PARAMS_KEY = 'params'
export const proposalKey = (id: string): string => `proposal:${id}`
export const voteKey = (id: string, voter: string): string => `vote:${id}:${voter}`

const TYPES = [
  'GenesisEstablished',
  'ModelProposed',
  'ProposalCanceled',
  'ProposalCanceledByGuardian',
  'VoteCast',
  'VotingExtended',
  'ParameterChanged',
  'ProposalQueued',
  'ProposalExecuted',
  'ProposalFinalized',
  'MandateIssued',
] as const satisfies readonly GovernanceEventType[]
type Event = EventOf<(typeof TYPES)[number]>
type Rows = ChangeSet<ProposalsRow>

const iso = (ms: number): string => new Date(ms).toISOString()

function proposal(rows: Rows, envelope: Envelope, id: string, change: (p: ProposalRow) => ProposalRow): void {
  const row = rows.get(proposalKey(id))
  // Events about a proposal the log never opened change nothing, as in the governance fold.
  if (row?.kind !== 'proposal') return
  rows.set(proposalKey(id), { ...change(row), updatedAt: envelope.recordedAt, updatedSequence: envelope.sequence })
}

function proposed(rows: Rows, envelope: Envelope, data: EventOf<'ModelProposed'>['data']): void {
  const params = rows.get(PARAMS_KEY)
  const created = Date.parse(envelope.recordedAt)
  const starts = params?.kind === 'params' ? created + params.votingDelayMs : null
  const row: ProposalRow = {
    kind: 'proposal', id: data.proposalId, proposer: data.proposer, spec: data.spec, stakeId: data.stakeId, stake: data.stake,
    snapshotSequence: envelope.sequence, createdAt: envelope.recordedAt,
    votingStartsAt: starts === null ? null : iso(starts),
    votingEndsAt: starts === null || params?.kind !== 'params' ? null : iso(starts + params.votingPeriodMs),
    status: 'open', votes: { for: 0n, against: 0n, abstain: 0n }, voters: 0, outcomeTally: null, eta: null, mandateId: null,
    updatedAt: envelope.recordedAt, updatedSequence: envelope.sequence,
  }
  rows.set(proposalKey(data.proposalId), row)
}

function voted(rows: Rows, envelope: Envelope, data: EventOf<'VoteCast'>['data']): void {
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
  rows.set(key, { kind: 'vote', proposalId: data.proposalId, voter: data.voter, support: data.support, weight: data.weight, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
}

const WINDOWS = ['votingDelayMs', 'votingPeriodMs', 'timelockMs', 'gracePeriodMs'] as const

/** A governance change of one of the windows applies to proposals recorded from then on. */
function windowChanged(rows: Rows, data: EventOf<'ParameterChanged'>['data']): void {
  const params = rows.get(PARAMS_KEY)
  const name = WINDOWS.find((w) => w === data.name)
  if (params?.kind !== 'params' || name === undefined || typeof data.to !== 'number') return
  rows.set(PARAMS_KEY, { ...params, [name]: data.to })
}

function applyEvent(rows: Rows, event: Event, envelope: Envelope): void {
  switch (event.type) {
    case 'GenesisEstablished': {
      const { votingDelayMs, votingPeriodMs, timelockMs, gracePeriodMs } = event.data.params
      return rows.set(PARAMS_KEY, { kind: 'params', votingDelayMs, votingPeriodMs, timelockMs, gracePeriodMs })
    }
    case 'ModelProposed':
      return proposed(rows, envelope, event.data)
    case 'ProposalCanceled':
    case 'ProposalCanceledByGuardian':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: 'canceled' }))
    case 'VotingExtended':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, votingEndsAt: event.data.votingEndsAt }))
    case 'ParameterChanged':
      return windowChanged(rows, event.data)
    case 'VoteCast':
      return voted(rows, envelope, event.data)
    case 'ProposalQueued':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: 'queued', eta: event.data.eta, outcomeTally: event.data.tally }))
    case 'ProposalExecuted':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: 'executed' }))
    case 'ProposalFinalized':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, status: event.data.outcome, outcomeTally: event.data.tally }))
    case 'MandateIssued':
      return proposal(rows, envelope, event.data.proposalId, (p) => ({ ...p, mandateId: event.data.mandateId }))
  }
}

export const proposalsProjection: Projection<ProposalsRow, Event> = {
  name: 'proposals',
  version: 2,
  filter: governanceEvents(TYPES),
  init: [],
  apply: applyWith(applyEvent),
  ...rowCodec('proposals', ProposalsRowC),
}
