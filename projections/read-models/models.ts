/**
 * The model registry. A model is a mandate: the dataset versions it was trained on, the jobs that
 * trained it, their checkpoints and the evaluations that judged them, and the deployments that
 * served them; and a history row for every change, so the registry answers what was true at any
 * point as well as what is true now.
 *
 *   model:<mandateId>               { mandateId, proposalId, title, rubric, issuedAt, issuedSequence,
 *                                     versions: [{ version, root, withdrawn, jobs: [{ jobId, status, trainer, finalCheckpoint,
 *                                       checkpoints: [{ root, step, sequence, evaluations: [{ sequence, split, value, passed }], deployments, consent }] }] }],
 *                                     deployments: [{ deploymentId, status, jobId, checkpoint, since }], changes, updatedAt, updatedSequence }
 *   deployment:<id>                 { id, mandateId, deployer, operator, endpoint, pricing, status, serving, served: [Served], retired,
 *                                     grants, revokedGrants, consent, deployedAt, sequence, updatedAt, updatedSequence }
 *                                     Served = { jobId, checkpoint, evaluationSequence, datasetVersion, datasetRoot, since, until, reason }
 *   history:<mandateId>:<sequence>  { mandateId, sequence, recordedAt, change, jobId, deploymentId, checkpoint, details }
 *   job:<jobId>                     { jobId, mandateId, datasetVersion, datasetRoot } (which model a job belongs to)
 *
 * `served` lists every checkpoint the deployment has served, oldest first, each with the sequence
 * that put it in service (`since`) and the one that took it out (`until`, null while serving).
 *
 * Consent (docs/deployment.md): a version's `withdrawn` lists the contributions revoked after it was
 * sealed; each checkpoint of a job on it is `withdrawn` (else `in-consent`); a deployment's
 * `consent` is `{status, contributions, retrainBy, suspendedSequence}` for the checkpoint it serves:
 * `consented`, `revoked` (retrain by `retrainBy`, an ISO time) or `suspended` (past it, recorded).
 */
import * as t from 'io-ts'
import { Hex32, Timestamp } from '../../domain/codec.js'
import { EndpointC, PricingC } from '../../domain/deployment/values.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { KeyC, LabelC, ProposalIdC, RubricC } from '../../domain/governance/values.js'
import { JobIdC } from '../../domain/training/values.js'
import { applyWith, type ChangeSet } from '../changes.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection } from '../projection.js'
import { nullable, rowCodec, seqKey } from '../row-codec.js'

const JobStatusC = t.keyof({ requested: null, claimed: null, completed: null, failed: null })
const DeploymentStatusC = t.keyof({ active: null, retired: null })
const EvaluationC = t.type({ sequence: t.number, split: LabelC, value: nullable(t.number), passed: t.boolean })
const CheckpointConsentC = t.keyof({ 'in-consent': null, withdrawn: null })
const CheckpointC = t.type({ root: Hex32, step: t.number, sequence: t.number, evaluations: t.array(EvaluationC), deployments: t.array(Hex32), consent: CheckpointConsentC })
const ModelJobC = t.type({ jobId: JobIdC, status: JobStatusC, trainer: nullable(KeyC), finalCheckpoint: nullable(Hex32), checkpoints: t.array(CheckpointC) })
const ModelVersionC = t.type({ version: t.number, root: Hex32, withdrawn: t.array(Hex32), jobs: t.array(ModelJobC) })
const ModelDeploymentC = t.type({ deploymentId: Hex32, status: DeploymentStatusC, jobId: JobIdC, checkpoint: Hex32, since: t.number })
export const ModelRowC = t.type({
  kind: t.literal('model'), mandateId: ProposalIdC, proposalId: ProposalIdC, title: LabelC, rubric: RubricC, issuedAt: Timestamp, issuedSequence: t.number,
  versions: t.array(ModelVersionC), deployments: t.array(ModelDeploymentC), changes: t.number, updatedAt: Timestamp, updatedSequence: t.number,
}, 'ModelRow')
const ServedC = t.type({
  jobId: JobIdC, checkpoint: Hex32, evaluationSequence: t.number, datasetVersion: nullable(t.number), datasetRoot: nullable(Hex32), since: t.number,
  until: nullable(t.number), reason: nullable(LabelC),
})
const DeploymentConsentC = t.type({
  status: t.keyof({ consented: null, revoked: null, suspended: null }), contributions: t.array(Hex32), retrainBy: nullable(Timestamp), suspendedSequence: nullable(t.number),
}, 'DeploymentConsent')
export const DeploymentRowC = t.type({
  kind: t.literal('deployment'), id: Hex32, mandateId: ProposalIdC, deployer: KeyC, operator: KeyC, endpoint: EndpointC, pricing: PricingC,
  status: DeploymentStatusC, serving: ServedC, served: t.array(ServedC), retired: nullable(t.type({ sequence: t.number, reason: LabelC })),
  grants: t.number, revokedGrants: t.number, consent: DeploymentConsentC, deployedAt: Timestamp, sequence: t.number, updatedAt: Timestamp, updatedSequence: t.number,
}, 'DeploymentRow')
const ChangeC = t.keyof({
  'mandate-issued': null, 'job-requested': null, 'job-claimed': null, 'checkpoint-recorded': null, 'evaluation-recorded': null, 'attribution-recorded': null,
  'job-completed': null, 'job-failed': null, deployed: null, 'access-granted': null, 'access-revoked': null, 'rolled-back': null, retired: null,
  'consent-withdrawn': null, upgraded: null, 'suspended-for-consent': null,
})
const DetailsC = t.record(t.string, t.union([t.string, t.number, t.boolean, t.null]))
export const HistoryRowC = t.type({
  kind: t.literal('history'), mandateId: ProposalIdC, sequence: t.number, recordedAt: Timestamp, change: ChangeC, jobId: nullable(JobIdC),
  deploymentId: nullable(Hex32), checkpoint: nullable(Hex32), details: DetailsC,
}, 'HistoryRow')
const JobRefRowC = t.type({ kind: t.literal('job'), jobId: JobIdC, mandateId: ProposalIdC, datasetVersion: t.number, datasetRoot: Hex32 })
export const ModelsRowC = t.union([ModelRowC, DeploymentRowC, HistoryRowC, JobRefRowC])
export type ModelsRow = t.TypeOf<typeof ModelsRowC>
export type ModelRow = t.TypeOf<typeof ModelRowC>
export type DeploymentRow = t.TypeOf<typeof DeploymentRowC>
export type HistoryRow = t.TypeOf<typeof HistoryRowC>
type ModelJob = t.TypeOf<typeof ModelJobC>
type ModelCheckpoint = t.TypeOf<typeof CheckpointC>
type Served = t.TypeOf<typeof ServedC>
type DeploymentConsent = t.TypeOf<typeof DeploymentConsentC>
type Change = t.TypeOf<typeof ChangeC>
type Details = t.TypeOf<typeof DetailsC>

export const modelKey = (mandateId: string): string => `model:${mandateId}`
export const deploymentKey = (id: string): string => `deployment:${id}`
export const historyPrefix = (mandateId: string): string => `history:${mandateId}:`
const jobRefKey = (jobId: string): string => `job:${jobId}`

const TYPES = [
  'MandateIssued', 'TrainingRequested', 'TrainingJobClaimed', 'CheckpointRecorded', 'EvaluationRecorded', 'AttributionRecorded', 'TrainingCompleted', 'TrainingFailed',
  'ModelDeployed', 'AccessGranted', 'AccessRevoked', 'DeploymentRolledBack', 'DeploymentRetired',
  'ConsentWithdrawalFlagged', 'DeploymentUpgraded', 'DeploymentSuspendedForConsent',
] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>
type Rows = ChangeSet<ModelsRow>

interface Subject {
  readonly jobId?: string
  readonly deploymentId?: string
  readonly checkpoint?: string
}

function modelOf(rows: Rows, mandateId: string): ModelRow | undefined {
  const row = rows.get(modelKey(mandateId))
  return row?.kind === 'model' ? row : undefined
}

function jobRef(rows: Rows, jobId: string): t.TypeOf<typeof JobRefRowC> | undefined {
  const row = rows.get(jobRefKey(jobId))
  return row?.kind === 'job' ? row : undefined
}

function deploymentOf(rows: Rows, id: string): DeploymentRow | undefined {
  const row = rows.get(deploymentKey(id))
  return row?.kind === 'deployment' ? row : undefined
}

/** Changes a model and writes the history row of this change: no change to a model goes unrecorded. */
function record(rows: Rows, envelope: Envelope, mandateId: string, change: Change, subject: Subject, details: Details, edit: (m: ModelRow) => Partial<ModelRow> = () => ({})): void {
  const model = modelOf(rows, mandateId)
  if (model === undefined) return
  const { sequence, recordedAt } = envelope
  rows.set(modelKey(mandateId), { ...model, ...edit(model), changes: model.changes + 1, updatedAt: recordedAt, updatedSequence: sequence })
  rows.set(`${historyPrefix(mandateId)}${seqKey(sequence)}`, {
    kind: 'history', mandateId, sequence, recordedAt, change, jobId: subject.jobId ?? null, deploymentId: subject.deploymentId ?? null, checkpoint: subject.checkpoint ?? null, details,
  })
}

function mapJob(model: ModelRow, jobId: string, change: (job: ModelJob) => ModelJob): Partial<ModelRow> {
  return { versions: model.versions.map((v) => (v.jobs.some((j) => j.jobId === jobId) ? { ...v, jobs: v.jobs.map((j) => (j.jobId === jobId ? change(j) : j)) } : v)) }
}

function mapCheckpoint(job: ModelJob, root: string, change: (checkpoint: ModelCheckpoint) => ModelCheckpoint): ModelJob {
  return { ...job, checkpoints: job.checkpoints.map((k) => (k.root === root ? change(k) : k)) }
}

/** A job's change, recorded in its model's history. */
function jobChange(rows: Rows, envelope: Envelope, jobId: string, change: Change, details: Details, edit: (job: ModelJob) => ModelJob, checkpoint?: string): void {
  const ref = jobRef(rows, jobId)
  if (ref === undefined) return
  record(rows, envelope, ref.mandateId, change, { jobId, ...(checkpoint === undefined ? {} : { checkpoint }) }, details, (m) => mapJob(m, jobId, edit))
}

function requested(rows: Rows, envelope: Envelope, d: EconomyEventOf<'TrainingRequested'>['data']): void {
  rows.set(jobRefKey(d.jobId), { kind: 'job', jobId: d.jobId, mandateId: d.mandateId, datasetVersion: d.datasetVersion, datasetRoot: d.datasetRoot })
  const job: ModelJob = { jobId: d.jobId, status: 'requested', trainer: null, finalCheckpoint: null, checkpoints: [] }
  const details = { datasetVersion: d.datasetVersion, datasetRoot: d.datasetRoot, executor: d.executor, seed: d.seed, requester: d.requester }
  record(rows, envelope, d.mandateId, 'job-requested', { jobId: d.jobId }, details, (m) => {
    const known = m.versions.some((v) => v.version === d.datasetVersion)
    const versions = known ? m.versions : [...m.versions, { version: d.datasetVersion, root: d.datasetRoot, withdrawn: [], jobs: [] }].sort((a, b) => a.version - b.version)
    return { versions: versions.map((v) => (v.version === d.datasetVersion ? { ...v, jobs: [...v.jobs, job] } : v)) }
  })
}

function evaluated(rows: Rows, envelope: Envelope, d: EconomyEventOf<'EvaluationRecorded'>['data']): void {
  const evaluation = { sequence: envelope.sequence, split: d.split, value: d.value, passed: d.passed }
  const model = modelOf(rows, d.mandateId)
  const judged = model?.versions.flatMap((v) => v.jobs).find((j) => j.jobId === d.jobId)?.checkpoints.at(-1)?.root
  const details = { split: d.split, value: d.value, passed: d.passed }
  jobChange(rows, envelope, d.jobId, 'evaluation-recorded', details, (j) => (judged === undefined ? j : mapCheckpoint(j, judged, (k) => ({ ...k, evaluations: [...k.evaluations, evaluation] }))), judged)
}

/** Puts a checkpoint in service: on the deployment, on the model's summary, and on the checkpoint's list of deployments. */
function serve(model: ModelRow, deploymentId: string, served: Served, status: 'active' | 'retired'): Partial<ModelRow> {
  const summary = { deploymentId, status, jobId: served.jobId, checkpoint: served.checkpoint, since: served.since }
  const deployments = model.deployments.some((d) => d.deploymentId === deploymentId) ? model.deployments.map((d) => (d.deploymentId === deploymentId ? summary : d)) : [...model.deployments, summary]
  const versions = mapJob(model, served.jobId, (j) => mapCheckpoint(j, served.checkpoint, (k) => (k.deployments.includes(deploymentId) ? k : { ...k, deployments: [...k.deployments, deploymentId] }))).versions ?? model.versions
  return { deployments, versions }
}

function servedFrom(rows: Rows, to: { jobId: string; checkpoint: string; evaluationSequence: number }, since: number, reason: string | null): Served {
  const ref = jobRef(rows, to.jobId)
  const { jobId, checkpoint, evaluationSequence } = to
  return { jobId, checkpoint, evaluationSequence, datasetVersion: ref?.datasetVersion ?? null, datasetRoot: ref?.datasetRoot ?? null, since, until: null, reason }
}

function deployed(rows: Rows, envelope: Envelope, d: EconomyEventOf<'ModelDeployed'>['data']): void {
  const { sequence, recordedAt } = envelope
  const serving = servedFrom(rows, d, sequence, null)
  rows.set(deploymentKey(d.deploymentId), {
    kind: 'deployment', id: d.deploymentId, mandateId: d.mandateId, deployer: d.deployer, operator: d.operator, endpoint: d.endpoint, pricing: d.pricing, status: 'active',
    serving, served: [serving], retired: null, grants: 0, revokedGrants: 0, consent: CONSENTED, deployedAt: recordedAt, sequence, updatedAt: recordedAt, updatedSequence: sequence,
  })
  const details = { endpoint: d.endpoint, deployer: d.deployer, operator: d.operator, evaluationSequence: d.evaluationSequence }
  record(rows, envelope, d.mandateId, 'deployed', { jobId: d.jobId, deploymentId: d.deploymentId, checkpoint: d.checkpoint }, details, (m) => serve(m, d.deploymentId, serving, 'active'))
}

/** A change to a deployment, recorded in its model's history. */
function deploymentChange(rows: Rows, envelope: Envelope, id: string, change: Change, details: Details, edit: (d: DeploymentRow) => Partial<DeploymentRow>, model: (m: ModelRow, d: DeploymentRow) => Partial<ModelRow> = () => ({})): void {
  const before = deploymentOf(rows, id)
  if (before === undefined) return
  const after: DeploymentRow = { ...before, ...edit(before), updatedAt: envelope.recordedAt, updatedSequence: envelope.sequence }
  rows.set(deploymentKey(id), after)
  record(rows, envelope, after.mandateId, change, { deploymentId: id, jobId: after.serving.jobId, checkpoint: after.serving.checkpoint }, details, (m) => model(m, after))
}

/** The served list with the checkpoint in service now taken out of it at `sequence`. */
function closeLast(served: readonly Served[], sequence: number): Served[] {
  return served.map((s, i) => (i === served.length - 1 ? { ...s, until: sequence } : s))
}

const CONSENTED: DeploymentConsent = { status: 'consented', contributions: [], retrainBy: null, suspendedSequence: null }

/** A rollback or an upgrade: the rules allow only a checkpoint in consent, so the deployment is in consent again. */
function reserved(rows: Rows, envelope: Envelope, d: EconomyEventOf<'DeploymentRolledBack' | 'DeploymentUpgraded'>['data'], change: 'rolled-back' | 'upgraded'): void {
  const serving = servedFrom(rows, d.to, envelope.sequence, d.reason)
  const details = { fromJob: d.from.jobId, fromCheckpoint: d.from.checkpoint, reason: d.reason }
  deploymentChange(
    rows, envelope, d.deploymentId, change, details,
    (dep) => ({ serving, served: [...closeLast(dep.served, envelope.sequence), serving], consent: CONSENTED }),
    (m, dep) => serve(m, dep.id, serving, dep.status),
  )
}

/** A withdrawal reaching this model: its versions, their jobs' checkpoints, and the deployments serving one. */
function withdrawalFlagged(rows: Rows, envelope: Envelope, d: EconomyEventOf<'ConsentWithdrawalFlagged'>['data']): void {
  const details = { contributionId: d.contributionId, versions: d.versions.join(','), jobs: d.jobs.length, deployments: d.deployments.length }
  record(rows, envelope, d.datanetId, 'consent-withdrawn', {}, details, (m) => ({
    versions: m.versions.map((v) => {
      if (!d.versions.includes(v.version)) return v
      const jobs = v.jobs.map((j) => ({ ...j, checkpoints: j.checkpoints.map((k) => ({ ...k, consent: 'withdrawn' as const })) }))
      return { ...v, withdrawn: v.withdrawn.includes(d.contributionId) ? v.withdrawn : [...v.withdrawn, d.contributionId], jobs }
    }),
  }))
  for (const f of d.deployments) {
    const dep = deploymentOf(rows, f.deploymentId)
    if (dep === undefined) continue
    const consent: DeploymentConsent = {
      ...dep.consent,
      status: dep.consent.status === 'suspended' ? 'suspended' : 'revoked',
      contributions: [...dep.consent.contributions, d.contributionId],
      retrainBy: f.retrainBy,
    }
    rows.set(deploymentKey(dep.id), { ...dep, consent, updatedAt: envelope.recordedAt, updatedSequence: envelope.sequence })
  }
}

function applyEvent(rows: Rows, event: Event, envelope: Envelope): void {
  switch (event.type) {
    case 'MandateIssued': {
      const d = event.data
      const { sequence, recordedAt } = envelope
      rows.set(modelKey(d.mandateId), {
        kind: 'model', mandateId: d.mandateId, proposalId: d.proposalId, title: d.title, rubric: d.rubric, issuedAt: recordedAt, issuedSequence: sequence,
        versions: [], deployments: [], changes: 0, updatedAt: recordedAt, updatedSequence: sequence,
      })
      return record(rows, envelope, d.mandateId, 'mandate-issued', {}, { title: d.title, proposalId: d.proposalId })
    }
    case 'TrainingRequested':
      return requested(rows, envelope, event.data)
    case 'TrainingJobClaimed': {
      const d = event.data
      return jobChange(rows, envelope, d.jobId, 'job-claimed', { trainer: d.trainer, claim: d.claim, manifestHash: d.manifestHash }, (j) => ({ ...j, status: 'claimed', trainer: d.trainer }))
    }
    case 'CheckpointRecorded': {
      const d = event.data
      const withdrawn = (modelOf(rows, jobRef(rows, d.jobId)?.mandateId ?? '')?.versions.find((v) => v.jobs.some((j) => j.jobId === d.jobId))?.withdrawn.length ?? 0) > 0
      const checkpoint: ModelCheckpoint = { root: d.root, step: d.step, sequence: envelope.sequence, evaluations: [], deployments: [], consent: withdrawn ? 'withdrawn' : 'in-consent' }
      return jobChange(rows, envelope, d.jobId, 'checkpoint-recorded', { step: d.step, totalBytes: d.totalBytes }, (j) => ({ ...j, checkpoints: [...j.checkpoints, checkpoint] }), d.root)
    }
    case 'EvaluationRecorded':
      return evaluated(rows, envelope, event.data)
    case 'AttributionRecorded':
      return jobChange(rows, envelope, event.data.jobId, 'attribution-recorded', { method: event.data.method, scores: event.data.scores.length }, (j) => j)
    case 'TrainingCompleted': {
      const d = event.data
      return jobChange(rows, envelope, d.jobId, 'job-completed', { checkpoints: d.checkpoints }, (j) => ({ ...j, status: 'completed', finalCheckpoint: d.finalCheckpoint }), d.finalCheckpoint)
    }
    case 'TrainingFailed':
      return jobChange(rows, envelope, event.data.jobId, 'job-failed', { reason: event.data.reason }, (j) => ({ ...j, status: 'failed' }))
    case 'ModelDeployed':
      return deployed(rows, envelope, event.data)
    case 'AccessGranted': {
      const d = event.data
      const details = { grantId: d.grantId, consumer: d.consumer, quotaTokens: d.quotaTokens, expiresAt: d.expiresAt }
      return deploymentChange(rows, envelope, d.deploymentId, 'access-granted', details, (dep) => ({ grants: dep.grants + 1 }))
    }
    case 'AccessRevoked': {
      const d = event.data
      return deploymentChange(rows, envelope, d.deploymentId, 'access-revoked', { grantId: d.grantId, reason: d.reason }, (dep) => ({ revokedGrants: dep.revokedGrants + 1 }))
    }
    case 'DeploymentRolledBack':
      return reserved(rows, envelope, event.data, 'rolled-back')
    case 'DeploymentUpgraded':
      return reserved(rows, envelope, event.data, 'upgraded')
    case 'ConsentWithdrawalFlagged':
      return withdrawalFlagged(rows, envelope, event.data)
    case 'DeploymentSuspendedForConsent': {
      const d = event.data
      const details = { contributions: d.contributions.length, retrainBy: d.retrainBy }
      return deploymentChange(rows, envelope, d.deploymentId, 'suspended-for-consent', details, () => ({
        consent: { status: 'suspended', contributions: d.contributions, retrainBy: d.retrainBy, suspendedSequence: envelope.sequence },
      }))
    }
    case 'DeploymentRetired': {
      const d = event.data
      return deploymentChange(
        rows, envelope, d.deploymentId, 'retired', { reason: d.reason },
        (dep) => ({ status: 'retired', retired: { sequence: envelope.sequence, reason: d.reason }, serving: { ...dep.serving, until: envelope.sequence }, served: closeLast(dep.served, envelope.sequence) }),
        (m, dep) => ({ deployments: m.deployments.map((s) => (s.deploymentId === dep.id ? { ...s, status: 'retired' as const } : s)) }),
      )
    }
  }
}

export const modelsProjection: Projection<ModelsRow, Event> = {
  name: 'models',
  version: 2,
  filter: economyEvents(TYPES),
  init: [],
  apply: applyWith(applyEvent),
  ...rowCodec('models', ModelsRowC),
}
