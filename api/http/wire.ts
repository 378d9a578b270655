/**
 * The API's bodies as io-ts codecs: the single definition behind the OpenAPI document, the SDK's
 * types and the tests' checks. Request bodies reuse the domain's codecs (SignedCommandC).
 * Types here are the JSON forms (t.OutputOf): amounts are decimal strings on the wire.
 */
import * as t from 'io-ts'
import { Hex32, integer, Timestamp } from '../../domain/codec.js'
import { EnvelopeC } from '../../domain/ledger/envelope.js'
import { AccountsRowC } from '../../projections/read-models/accounts.js'
import { BackerRowC, ProposalRowC, ProposalsRowC, VoteRowC } from '../../projections/read-models/proposals.js'
import { ParameterChangeRowC, ParameterRowC } from '../../projections/read-models/parameters.js'
import { AppealRowC, DisputeRowC } from '../../projections/read-models/appeals.js'
import { LineageReportC } from '../../projections/lineage/report-format.js'
import { ContributionRowC, DatanetRowC, VersionRowC } from '../../projections/read-models/datanets.js'
import { MandateRowC } from '../../projections/read-models/mandates.js'
import { EpochRowC } from '../../projections/read-models/reward-maps.js'
import { ValidatorRowC } from '../../projections/read-models/validators.js'
import { AttributionRowC, CheckpointRowC, EvaluationRowC, JobRowC } from '../../projections/read-models/training.js'
import { DeploymentRowC, HistoryRowC, ModelRowC } from '../../projections/read-models/models.js'
import { BatchRowC, DeploymentUsageRowC, GrantRowC, RecipientRowC } from '../../projections/read-models/usage.js'

const Sequence = integer('sequence', 1)
const Count = integer('count', 0)
const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null])

export const CommandAcceptedC = t.type(
  {
    commandHash: Hex32,
    duplicate: t.boolean,
    firstSequence: Sequence,
    lastSequence: Sequence,
    sequences: t.array(Sequence),
    recordedAt: Timestamp,
  },
  'CommandAccepted',
)
export type CommandAccepted = t.OutputOf<typeof CommandAcceptedC>

export const ProblemC = t.intersection(
  [
    t.type({ type: t.string, title: t.string, status: integer('HTTP status', 400, 599), detail: t.string, instance: t.string, requestId: t.string }),
    t.partial({ code: t.string, details: t.record(t.string, t.union([t.string, t.number, t.boolean, t.null])) }),
  ],
  'Problem',
)

/** The gateway's problems also carry OpenAI's `error` member, so OpenAI clients read them too; `param` names the request member at fault. */
export const GatewayProblemC = t.intersection(
  [ProblemC, t.type({ error: t.type({ message: t.string, type: t.string, code: t.string, param: nullable(t.string) }, 'OpenAiError') })],
  'GatewayProblem',
)

export const LedgerInfoC = t.type(
  {
    publicKey: Hex32,
    /** What every signed command must name in its `ledger` member. */
    ledgerId: Hex32,
    head: t.type({ sequence: Count, hash: Hex32, recordedAt: nullable(Timestamp) }, 'Head'),
    lastAnchor: nullable(EnvelopeC),
  },
  'LedgerInfo',
)
export type LedgerInfo = t.OutputOf<typeof LedgerInfoC>

export const EventPageC = t.type({ events: t.array(EnvelopeC), next: nullable(Sequence) }, 'EventPage')
export type EventPage = t.OutputOf<typeof EventPageC>
export const AnchorPageC = t.type({ anchors: t.array(EnvelopeC), next: nullable(Sequence) }, 'AnchorPage')
export type AnchorPage = t.OutputOf<typeof AnchorPageC>

/** A page of read-model rows: `next` is an opaque cursor for the following page. */
export function rowPage<C extends t.Mixed>(row: C, name: string) {
  return t.type({ items: t.array(row), next: nullable(t.string), checkpoint: Count }, name)
}
export interface RowPage<R> {
  readonly items: readonly R[]
  readonly next: string | null
  readonly checkpoint: number
}

export type AccountsRowJson = t.OutputOf<typeof AccountsRowC>
export type AccountJson = Extract<AccountsRowJson, { kind: 'account' }>
export type TreasuryJson = Extract<AccountsRowJson, { kind: 'treasury' }>
export type ProposalsRowJson = t.OutputOf<typeof ProposalsRowC>
export type ProposalJson = Extract<ProposalsRowJson, { kind: 'proposal' }>
export type VoteJson = Extract<ProposalsRowJson, { kind: 'vote' }>
export type BackerJson = Extract<ProposalsRowJson, { kind: 'backer' }>
export type ParameterJson = t.OutputOf<typeof ParameterRowC>
export type ParameterChangeJson = t.OutputOf<typeof ParameterChangeRowC>
export type AppealJson = t.OutputOf<typeof AppealRowC>
export type DisputeJson = t.OutputOf<typeof DisputeRowC>

export const ReadModelStatusC = t.type({ name: t.string, version: Count, checkpoint: Count, lag: Count }, 'ReadModelStatus')
export const ReadModelsC = t.type({ readModels: t.array(ReadModelStatusC) }, 'ReadModels')
export type ReadModelsJson = t.OutputOf<typeof ReadModelsC>

export const BlobStoredC = t.type({ hash: Hex32, byteLength: Count }, 'BlobStored')
export type BlobStored = t.OutputOf<typeof BlobStoredC>

export const HealthC = t.type({ status: t.literal('ok'), covers: t.array(t.string), notCovered: t.array(t.string), see: t.string }, 'Health')
const FailingTaskC = t.type({ name: t.string, lastError: nullable(t.string), consecutive: Count, lastFailureAt: nullable(Timestamp) }, 'FailingTask')
export const ReadinessC = t.type(
  {
    status: t.keyof({ ready: null, 'not-ready': null }),
    /** Why not ready: not-accepting, storage, task:NAME, lagging:NAME. */
    reasons: t.array(t.string),
    accepting: t.boolean,
    storage: t.type({ ok: t.boolean, lastError: nullable(t.string), since: nullable(Timestamp) }, 'StorageStatus'),
    failing: t.array(FailingTaskC),
    lagging: t.array(t.string),
    readModels: t.array(ReadModelStatusC),
  },
  'Readiness',
)
/** What /problems/{kind} says of a problem type. */
export const ProblemKindC = t.type({ type: t.string, status: integer('HTTP status', 400, 599), title: t.string, see: t.string }, 'ProblemKind')
export type Readiness = t.OutputOf<typeof ReadinessC>

export const AccountPageC = rowPage(AccountsRowC, 'AccountPage')
export const MandatePageC = rowPage(MandateRowC, 'MandatePage')
export const DatanetPageC = rowPage(DatanetRowC, 'DatanetPage')
export const ContributionPageC = rowPage(ContributionRowC, 'ContributionPage')
export const DatasetVersionPageC = rowPage(VersionRowC, 'DatasetVersionPage')
export const ValidatorPageC = rowPage(ValidatorRowC, 'ValidatorPage')
export const RewardEpochPageC = rowPage(EpochRowC, 'RewardEpochPage')
export { ContributionRowC, DatanetRowC, EpochRowC, LineageReportC, MandateRowC, ValidatorRowC, VersionRowC }
export const ProposalPageC = rowPage(ProposalRowC, 'ProposalPage')
export const VotePageC = rowPage(VoteRowC, 'VotePage')
export const BackerPageC = rowPage(BackerRowC, 'BackerPage')
export const ParameterPageC = rowPage(ParameterRowC, 'ParameterPage')
export const ParameterChangePageC = rowPage(ParameterChangeRowC, 'ParameterChangePage')
export const AppealPageC = rowPage(AppealRowC, 'AppealPage')
export const DisputePageC = rowPage(DisputeRowC, 'DisputePage')
export { AccountsRowC, AppealRowC, DisputeRowC, ProposalRowC, ProposalsRowC }

// Training jobs, the model registry and usage: rows as the read models store them.
export const JobPageC = rowPage(JobRowC, 'JobPage')
export const CheckpointPageC = rowPage(CheckpointRowC, 'CheckpointPage')
export const EvaluationPageC = rowPage(EvaluationRowC, 'EvaluationPage')
export const ModelPageC = rowPage(ModelRowC, 'ModelPage')
export const HistoryPageC = rowPage(HistoryRowC, 'HistoryPage')
export const DeploymentPageC = rowPage(DeploymentRowC, 'DeploymentPage')
export const RecipientPageC = rowPage(RecipientRowC, 'RecipientPage')
export const GrantPageC = rowPage(GrantRowC, 'GrantPage')
export const BatchPageC = rowPage(BatchRowC, 'BatchPage')
export { AttributionRowC, BatchRowC, CheckpointRowC, DeploymentRowC, DeploymentUsageRowC, EvaluationRowC, GrantRowC, HistoryRowC, JobRowC, ModelRowC, RecipientRowC }
export type JobJson = t.OutputOf<typeof JobRowC>
export type CheckpointJson = t.OutputOf<typeof CheckpointRowC>
export type EvaluationJson = t.OutputOf<typeof EvaluationRowC>
export type AttributionJson = t.OutputOf<typeof AttributionRowC>
export type ModelJson = t.OutputOf<typeof ModelRowC>
export type HistoryJson = t.OutputOf<typeof HistoryRowC>
export type DeploymentJson = t.OutputOf<typeof DeploymentRowC>
export type DeploymentUsageJson = t.OutputOf<typeof DeploymentUsageRowC>
export type RecipientJson = t.OutputOf<typeof RecipientRowC>
export type GrantJson = t.OutputOf<typeof GrantRowC>
export type BatchJson = t.OutputOf<typeof BatchRowC>
