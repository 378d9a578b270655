/**
 * The datanets read model: each datanet, each contribution with its verdicts and outcome, and each
 * sealed dataset version.
 *
 *   datanet:<id>               { id, mandateId, opener, mediaTypes, licences, openedAt, sequence, contributions, accepted, rejected, versions }
 *   contribution:<id>          { id, datanetId, contributor, contentHash, byteLength, mediaType, licence, submittedAt, sequence,
 *                                verdicts: [{ validator, decision, quality, relevance, sequence }], outcome, quality, relevance, revoked }
 *   version:<datanetId>:<n>    { datanetId, version, contributions, root, totalBytes, licences, sealedAt, sequence }
 */
import * as t from 'io-ts'
import { Timestamp } from '../../domain/codec.js'
import { AmountC } from '../../domain/governance/amounts.js'
import { KeyC, ProposalIdC } from '../../domain/governance/values.js'
import { ContentHashC, ContributionIdC, DatanetIdC, DecisionC, LicenceC, MediaTypeC, OutcomeC, ScoreC } from '../../domain/datanets/values.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection, RowChange, RowReader } from '../projection.js'
import { rowCodec } from '../row-codec.js'

export const DatanetRowC = t.type({
  kind: t.literal('datanet'), id: DatanetIdC, mandateId: ProposalIdC, opener: KeyC, mediaTypes: t.array(MediaTypeC), licences: t.array(LicenceC),
  openedAt: Timestamp, sequence: t.number, contributions: t.number, accepted: t.number, rejected: t.number, versions: t.number,
}, 'DatanetRow')
const VerdictC = t.type({ validator: KeyC, decision: DecisionC, quality: ScoreC, relevance: ScoreC, sequence: t.number }, 'VerdictRow')
export const ContributionRowC = t.type({
  kind: t.literal('contribution'), id: ContributionIdC, datanetId: DatanetIdC, contributor: KeyC, contentHash: ContentHashC, byteLength: t.number,
  mediaType: MediaTypeC, licence: LicenceC, bond: AmountC, submittedAt: Timestamp, sequence: t.number, verdicts: t.array(VerdictC),
  outcome: t.union([OutcomeC, t.literal('pending')]), quality: t.union([ScoreC, t.null]), relevance: t.union([ScoreC, t.null]), revoked: t.boolean,
}, 'ContributionRow')
export const VersionRowC = t.type({
  kind: t.literal('dataset-version'), datanetId: DatanetIdC, version: t.number, contributions: t.array(ContributionIdC), root: ContentHashC,
  totalBytes: t.number, licences: t.array(t.type({ licence: LicenceC, items: t.number, bytes: t.number })), sealedAt: Timestamp, sequence: t.number,
}, 'DatasetVersionRow')
const DatanetsRowC = t.union([DatanetRowC, ContributionRowC, VersionRowC])
export type DatanetsRow = t.TypeOf<typeof DatanetsRowC>
type DatanetRow = t.TypeOf<typeof DatanetRowC>
type ContributionRow = t.TypeOf<typeof ContributionRowC>

const TYPES = ['DatanetOpened', 'ContributionSubmitted', 'VerdictCast', 'ContributionFinalized', 'ContributionRevoked', 'DatasetVersionSealed'] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>

const datanetKey = (id: string) => `datanet:${id}`
const contributionKey = (id: string) => `contribution:${id}`

function update<K extends DatanetsRow['kind']>(state: RowReader<DatanetsRow>, key: string, kind: K, change: (row: Extract<DatanetsRow, { kind: K }>) => DatanetsRow): RowChange<DatanetsRow>[] {
  const row = state.get(key)
  return row === undefined || row.kind !== kind ? [] : [{ key, value: change(row as Extract<DatanetsRow, { kind: K }>) }]
}

export const datanetsProjection: Projection<DatanetsRow, Event> = {
  name: 'datanets',
  version: 1,
  filter: economyEvents(TYPES),
  init: [],
  apply(state, event, envelope) {
    const at = { sequence: envelope.sequence, time: envelope.recordedAt }
    switch (event.type) {
      case 'DatanetOpened': {
        const d = event.data
        const row: DatanetRow = { kind: 'datanet', id: d.datanetId, mandateId: d.mandateId, opener: d.opener, mediaTypes: d.mediaTypes, licences: d.licences, openedAt: at.time, sequence: at.sequence, contributions: 0, accepted: 0, rejected: 0, versions: 0 }
        return [{ key: datanetKey(d.datanetId), value: row }]
      }
      case 'ContributionSubmitted': {
        const d = event.data
        const row: ContributionRow = {
          kind: 'contribution', id: d.contributionId, datanetId: d.datanetId, contributor: d.contributor, contentHash: d.contentHash, byteLength: d.byteLength, mediaType: d.mediaType,
          licence: d.licence, bond: d.bond, submittedAt: at.time, sequence: at.sequence, verdicts: [], outcome: 'pending', quality: null, relevance: null, revoked: false,
        }
        return [{ key: contributionKey(d.contributionId), value: row }, ...update(state, datanetKey(d.datanetId), 'datanet', (n) => ({ ...n, contributions: n.contributions + 1 }))]
      }
      case 'VerdictCast': {
        const d = event.data
        const verdict = { validator: d.validator, decision: d.decision, quality: d.quality, relevance: d.relevance, sequence: at.sequence }
        return update(state, contributionKey(d.contributionId), 'contribution', (c) => ({ ...c, verdicts: [...c.verdicts, verdict] }))
      }
      case 'ContributionFinalized': {
        const d = event.data
        const accepted = d.outcome === 'accepted'
        return [
          ...update(state, contributionKey(d.contributionId), 'contribution', (c) => ({ ...c, outcome: d.outcome, quality: d.quality, relevance: d.relevance })),
          ...update(state, datanetKey(d.datanetId), 'datanet', (n) => ({ ...n, accepted: n.accepted + (accepted ? 1 : 0), rejected: n.rejected + (accepted ? 0 : 1) })),
        ]
      }
      case 'ContributionRevoked':
        return update(state, contributionKey(event.data.contributionId), 'contribution', (c) => ({ ...c, revoked: true }))
      case 'DatasetVersionSealed': {
        const d = event.data
        const row: DatanetsRow = { kind: 'dataset-version', datanetId: d.datanetId, version: d.version, contributions: d.contributions, root: d.root, totalBytes: d.totalBytes, licences: d.licences, sealedAt: at.time, sequence: at.sequence }
        return [{ key: `version:${d.datanetId}:${d.version}`, value: row }, ...update(state, datanetKey(d.datanetId), 'datanet', (n) => ({ ...n, versions: Math.max(n.versions, d.version) }))]
      }
    }
  },
  ...rowCodec('datanets', DatanetsRowC),
}
