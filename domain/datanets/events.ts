/** The datanet event catalogue. Bonds move as governance stake events (StakeLocked / Released / Slashed). */
import { eventCodec as variant } from '../codec.js'
import * as t from 'io-ts'
import { closed, integer } from '../codec.js'
import { AmountC } from '../governance/amounts.js'
import { KeyC, LabelC, ProposalIdC } from '../governance/values.js'
import {
  ByteLengthC,
  ContentHashC,
  ContributionIdC,
  DatanetIdC,
  DecisionC,
  LicenceC,
  LimitsC,
  MediaTypeC,
  MetadataC,
  OutcomeC,
  ScoreC,
  VerdictTallyC,
} from './values.js'

const SequenceC = integer('sequence', 1)

export const DatanetOpenedC = variant('DatanetOpened', {
  datanetId: DatanetIdC,
  mandateId: ProposalIdC,
  opener: KeyC,
  mediaTypes: t.array(MediaTypeC),
  licences: t.array(LicenceC),
  limits: LimitsC,
})
export const ContributionSubmittedC = variant('ContributionSubmitted', {
  contributionId: ContributionIdC,
  datanetId: DatanetIdC,
  contributor: KeyC,
  contentHash: ContentHashC,
  byteLength: ByteLengthC,
  mediaType: MediaTypeC,
  licence: LicenceC,
  metadata: MetadataC,
  bond: AmountC,
  bondStakeId: t.union([integer('stake id', 1), t.null]),
})
/**
 * `stake` is the validator's active validator stake when the verdict was cast, `trust` its trust
 * then (millionths, domain/trust), and `weight` their product: what the verdict counts for.
 */
export const VerdictCastC = variant('VerdictCast', {
  contributionId: ContributionIdC,
  validator: KeyC,
  decision: DecisionC,
  quality: ScoreC,
  relevance: ScoreC,
  reason: LabelC,
  stake: AmountC,
  trust: integer('trust (millionths)', 0, 1_000_000),
  weight: AmountC,
})
/** The outcome, the stake-weighted medians, and the sequences of the verdicts it rests on. */
export const ContributionFinalizedC = variant('ContributionFinalized', {
  contributionId: ContributionIdC,
  datanetId: DatanetIdC,
  outcome: OutcomeC,
  quality: ScoreC,
  relevance: ScoreC,
  tally: VerdictTallyC,
  verdicts: t.array(SequenceC),
})
export const ContributionRevokedC = variant('ContributionRevoked', { contributionId: ContributionIdC, datanetId: DatanetIdC })
export const LicenceSummaryC = t.array(closed({ licence: LicenceC, items: integer('items', 1), bytes: integer('bytes', 1) }, 'LicenceCount'))
export const DatasetVersionSealedC = variant('DatasetVersionSealed', {
  datanetId: DatanetIdC,
  version: integer('version', 1),
  contributions: t.array(ContributionIdC),
  root: ContentHashC,
  totalBytes: integer('total bytes', 0),
  licences: LicenceSummaryC,
})

export const DATA_EVENT_CODECS = [
  DatanetOpenedC,
  ContributionSubmittedC,
  VerdictCastC,
  ContributionFinalizedC,
  ContributionRevokedC,
  DatasetVersionSealedC,
] as const
export const DataEventC = t.union([...DATA_EVENT_CODECS], 'DataEvent')
export type DataEvent = t.TypeOf<typeof DataEventC>
export type DataEventOf<T extends DataEvent['type']> = Extract<DataEvent, { type: T }>
