/**
 * Appeals of slashes and disputes of usage batches, with the proposals that would resolve them and
 * the resolution (mapping in this file; the rules are in domain/appeals).
 *
 *   appeal:<id>    { id, account, slashSequence, amount, bond, bondStakeId, statement, sequence, filedAt,
 *                    proposals[], status, proposalId, reason, resolvedSequence, reversed, bondForfeited }
 *   dispute:<id>   { id, consumer, deploymentId, operator, usageSequence, requestIds, amount, bond, bondStakeId,
 *                    statement, sequence, filedAt, proposals[], status, proposalId, reason, resolvedSequence,
 *                    operatorSlashed, refunded, bondForfeited }
 *
 * `status` is pending until an executed proposal resolves the filing, then upheld or rejected;
 * `proposals` lists every executable proposal whose actions resolve it (the ones still under vote
 * among them). Upheld: `reversed` is the slash paid back from the treasury, `refunded` what the
 * operator's stake paid the consumer (`operatorSlashed` taken from it). Rejected: `bondForfeited`
 * is the bond that went to the treasury. Amounts are base units.
 */
import * as t from 'io-ts'
import { Hex32, Timestamp } from '../../domain/codec.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { AmountC } from '../../domain/governance/amounts.js'
import { KeyC, ProposalIdC, TextC } from '../../domain/governance/values.js'
import { applyWith, type ChangeSet } from '../changes.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection } from '../projection.js'
import { nullable, rowCodec } from '../row-codec.js'

const StatusC = t.keyof({ pending: null, upheld: null, rejected: null }, 'FilingStatus')
const filing = {
  id: Hex32,
  amount: AmountC,
  bond: AmountC,
  bondStakeId: nullable(t.number),
  statement: TextC,
  sequence: t.number,
  filedAt: Timestamp,
  proposals: t.array(ProposalIdC),
  status: StatusC,
  proposalId: nullable(ProposalIdC),
  reason: nullable(TextC),
  resolvedSequence: nullable(t.number),
  bondForfeited: AmountC,
}
export const AppealRowC = t.type({ kind: t.literal('appeal'), account: KeyC, slashSequence: t.number, reversed: AmountC, ...filing }, 'AppealRow')
export const DisputeRowC = t.type(
  { kind: t.literal('dispute'), consumer: KeyC, deploymentId: Hex32, operator: KeyC, usageSequence: t.number, requestIds: t.array(t.string), operatorSlashed: AmountC, refunded: AmountC, ...filing },
  'DisputeRow',
)
export const AppealsRowC = t.union([AppealRowC, DisputeRowC])
export type AppealsRow = t.TypeOf<typeof AppealsRowC>
type AppealRow = t.TypeOf<typeof AppealRowC>
type DisputeRow = t.TypeOf<typeof DisputeRowC>

export const appealKey = (id: string): string => `appeal:${id}`
export const disputeKey = (id: string): string => `dispute:${id}`

const TYPES = ['SlashAppealed', 'UsageDisputed', 'ActionsProposed', 'AppealResolved', 'DisputeResolved', 'SlashReversed', 'UsageRefunded', 'StakeSlashed'] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>
type Rows = ChangeSet<AppealsRow>

function appeal(rows: Rows, id: string, change: (row: AppealRow) => AppealRow): void {
  const row = rows.get(appealKey(id))
  if (row?.kind === 'appeal') rows.set(appealKey(id), change(row))
}

function dispute(rows: Rows, id: string, change: (row: DisputeRow) => DisputeRow): void {
  const row = rows.get(disputeKey(id))
  if (row?.kind === 'dispute') rows.set(disputeKey(id), change(row))
}

const pending = { proposals: [], status: 'pending' as const, proposalId: null, reason: null, resolvedSequence: null, bondForfeited: 0n }
const cite = (list: readonly string[], id: string): string[] => (list.includes(id) ? [...list] : [...list, id])

function applyEvent(rows: Rows, event: Event, envelope: Envelope): void {
  switch (event.type) {
    case 'SlashAppealed': {
      const { appealId: id, account, slashSequence, amount, bond, bondStakeId, statement } = event.data
      return rows.set(appealKey(id), { kind: 'appeal', id, account, slashSequence, amount, bond, bondStakeId, statement, sequence: envelope.sequence, filedAt: envelope.recordedAt, reversed: 0n, ...pending })
    }
    case 'UsageDisputed': {
      const { disputeId: id, consumer, deploymentId, operator, usageSequence, requestIds, amount, bond, bondStakeId, statement } = event.data
      return rows.set(disputeKey(id), {
        kind: 'dispute', id, consumer, deploymentId, operator, usageSequence, requestIds: [...requestIds], amount, bond, bondStakeId, statement,
        sequence: envelope.sequence, filedAt: envelope.recordedAt, operatorSlashed: 0n, refunded: 0n, ...pending,
      })
    }
    case 'ActionsProposed':
      for (const action of event.data.actions) {
        if (action.kind === 'resolve-appeal') appeal(rows, action.appealId, (r) => ({ ...r, proposals: cite(r.proposals, event.data.proposalId) }))
        if (action.kind === 'resolve-dispute') dispute(rows, action.disputeId, (r) => ({ ...r, proposals: cite(r.proposals, event.data.proposalId) }))
      }
      return
    case 'AppealResolved': {
      const { proposalId, upheld, reason } = event.data
      return appeal(rows, event.data.appealId, (r) => ({ ...r, status: upheld ? 'upheld' : 'rejected', proposalId, reason, resolvedSequence: envelope.sequence }))
    }
    case 'DisputeResolved': {
      const { proposalId, upheld, reason } = event.data
      return dispute(rows, event.data.disputeId, (r) => ({ ...r, status: upheld ? 'upheld' : 'rejected', proposalId, reason, resolvedSequence: envelope.sequence }))
    }
    case 'SlashReversed':
      return appeal(rows, event.data.appealId, (r) => ({ ...r, reversed: r.reversed + event.data.amount }))
    case 'UsageRefunded':
      return dispute(rows, event.data.disputeId, (r) => ({ ...r, refunded: r.refunded + event.data.amount }))
    case 'StakeSlashed': {
      const { evidence, amount } = event.data
      if (evidence.kind !== 'rule') return
      if (evidence.rule === 'appeal-rejected') appeal(rows, evidence.subject, (r) => ({ ...r, bondForfeited: r.bondForfeited + amount }))
      if (evidence.rule === 'dispute-rejected') dispute(rows, evidence.subject, (r) => ({ ...r, bondForfeited: r.bondForfeited + amount }))
      if (evidence.rule === 'usage-dispute') dispute(rows, evidence.subject, (r) => ({ ...r, operatorSlashed: r.operatorSlashed + amount }))
      return
    }
  }
}

export const appealsProjection: Projection<AppealsRow, Event> = {
  name: 'appeals',
  version: 1,
  filter: economyEvents(TYPES),
  init: [],
  apply: applyWith(applyEvent),
  ...rowCodec('appeals', AppealsRowC),
}
