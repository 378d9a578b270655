/**
 * The mandates read model: what each executed proposal commissioned, and its escrowed reward pool.
 *
 *   mandate:<id>  { id, proposalId, title, datasetRequirements, rubric, rewardPool, escrowed, paid,
 *                   integrationTargets, issuedAt, issuedSequence }
 *
 * Extension point: datanets and training jobs that serve a mandate will link to it from their own
 * read models (issues 6 and 7) rather than grow this row.
 */
import * as t from 'io-ts'
import { Timestamp } from '../../domain/codec.js'
import { AmountC } from '../../domain/governance/amounts.js'
import type { EventOf, GovernanceEventType } from '../../domain/governance/events.js'
import { LabelC, ProposalIdC, RubricC, TextC } from '../../domain/governance/values.js'
import { governanceEvents } from '../catalogue.js'
import type { Projection } from '../projection.js'
import { rowCodec } from '../row-codec.js'

export const MandateRowC = t.type({
  kind: t.literal('mandate'),
  id: ProposalIdC,
  proposalId: ProposalIdC,
  title: LabelC,
  datasetRequirements: t.array(TextC),
  rubric: RubricC,
  rewardPool: AmountC,
  escrowed: AmountC,
  paid: AmountC,
  integrationTargets: t.array(LabelC),
  issuedAt: Timestamp,
  issuedSequence: t.number,
}, 'MandateRow')
export type MandateRow = t.TypeOf<typeof MandateRowC>

export const mandateKey = (id: string): string => `mandate:${id}`

const TYPES = ['MandateIssued', 'RewardPoolEscrowed', 'EscrowPaid'] as const satisfies readonly GovernanceEventType[]
type Event = EventOf<(typeof TYPES)[number]>

export const mandatesProjection: Projection<MandateRow, Event> = {
  name: 'mandates',
  // 2: `paid`, the escrow paid out so far (EscrowPaid).
  version: 2,
  filter: governanceEvents(TYPES),
  init: [],
  apply(state, event, envelope) {
    if (event.type === 'RewardPoolEscrowed' || event.type === 'EscrowPaid') {
      const mandate = state.get(mandateKey(event.data.mandateId))
      if (mandate === undefined) return []
      const { amount } = event.data
      const value = event.type === 'EscrowPaid' ? { ...mandate, escrowed: mandate.escrowed - amount, paid: mandate.paid + amount } : { ...mandate, escrowed: mandate.escrowed + amount }
      return [{ key: mandateKey(mandate.id), value }]
    }
    const d = event.data
    const row: MandateRow = {
      kind: 'mandate', id: d.mandateId, proposalId: d.proposalId, title: d.title, datasetRequirements: d.datasetRequirements, rubric: d.rubric,
      rewardPool: d.rewardPool, escrowed: 0n, paid: 0n, integrationTargets: d.integrationTargets, issuedAt: envelope.recordedAt, issuedSequence: envelope.sequence,
    }
    return [{ key: mandateKey(d.mandateId), value: row }]
  },
  ...rowCodec('mandates', MandateRowC),
}
