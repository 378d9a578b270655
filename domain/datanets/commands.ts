/** Datanet commands: open, contribute, judge, finalize, seal a version, revoke. */
import { commandCodec as variant } from '../codec.js'
import * as t from 'io-ts'
import { LabelC, ProposalIdC } from '../governance/values.js'
import {
  ByteLengthC,
  ContentHashC,
  ContributionIdC,
  DatanetIdC,
  DecisionC,
  LicenceC,
  MediaTypeC,
  MetadataC,
  nonEmpty,
  ScoreC,
} from './values.js'

/** Signed by the mandate's proposer; the limits come from genesis. */
export const OpenDatanetC = variant('OpenDatanet', {
  mandateId: ProposalIdC,
  mediaTypes: nonEmpty(MediaTypeC, 'media types (1-64, distinct)'),
  licences: nonEmpty(LicenceC, 'licences (1-64, distinct)'),
})
/** Signed by the contributor: the signature is the attribution. */
export const SubmitContributionC = variant('SubmitContribution', {
  datanetId: DatanetIdC,
  contentHash: ContentHashC,
  byteLength: ByteLengthC,
  mediaType: MediaTypeC,
  licence: LicenceC,
  metadata: MetadataC,
  bond: t.boolean,
})
export const CastVerdictC = variant('CastVerdict', {
  contributionId: ContributionIdC,
  decision: DecisionC,
  quality: ScoreC,
  relevance: ScoreC,
  reason: LabelC,
})
/** Settles a contribution whose validation window has ended; anyone may send it. */
export const FinalizeContributionC = variant('FinalizeContribution', { contributionId: ContributionIdC })
export const SealDatasetVersionC = variant('SealDatasetVersion', { datanetId: DatanetIdC })
export const RevokeContributionC = variant('RevokeContribution', { contributionId: ContributionIdC })

export const DATA_COMMAND_CODECS = [OpenDatanetC, SubmitContributionC, CastVerdictC, FinalizeContributionC, SealDatasetVersionC, RevokeContributionC] as const
export const DataRequestC = t.union([...DATA_COMMAND_CODECS], 'DataCommand')
export type DataRequest = t.TypeOf<typeof DataRequestC>
export type DataCommand = DataRequest & { readonly actor: string }
