/**
 * The model side of the lineage index: training jobs, their checkpoints and the evaluations that
 * judged them, attribution scores, and deployments with the checkpoints they served and the fees
 * their usage paid. Each entry remembers the sequences of the events that establish it.
 */
import type { EconomyEvent } from '../../domain/economy/index.js'
import { preferenceKey } from '../../domain/alignment/state.js'
import { canonicalize } from '../../domain/canonical/jcs.js'
import type { JsonValue } from '../../domain/json.js'

export interface JobEntry {
  readonly id: string
  readonly sequence: number
  readonly mandateId: string
  readonly requester: string
  readonly datasetVersion: number
  readonly datasetRoot: string
  readonly baseModel: string | null
  readonly executor: string
  /** The hyperparameters as canonical JSON. */
  readonly hyperparameters: string
  readonly seed: number
  /** The preference dataset version a DPO job trains on (hyperparameter `preferenceVersion`), or null. */
  readonly preferenceVersion: number | null
  readonly claims: { sequence: number; trainer: string; manifestHash: string }[]
  /** Checkpoint roots, in the order recorded. */
  readonly checkpoints: string[]
  readonly attributions: { sequence: number; method: string }[]
  completed?: { sequence: number; finalCheckpoint: string }
  failed?: { sequence: number; reason: string }
}

export interface CheckpointEntry {
  readonly jobId: string
  readonly root: string
  readonly sequence: number
  readonly step: number
  readonly files: number
  readonly totalBytes: number
  /** The evaluations recorded while this was the job's latest checkpoint: what they judged. */
  readonly evaluations: { sequence: number; split: string; value: number | null; passed: boolean }[]
}

export interface Served {
  readonly jobId: string
  readonly checkpoint: string
  readonly since: number
  readonly reason: string | null
}

export interface UsageTotals {
  readonly sequences: number[]
  requests: number
  inputTokens: number
  outputTokens: number
  fees: bigint
  charged: bigint
  readonly shares: { contributors: bigint; validators: bigint; proposer: bigint; treasury: bigint }
  readonly payouts: Map<string, bigint>
}

export interface DeploymentEntry {
  readonly id: string
  readonly sequence: number
  readonly mandateId: string
  readonly deployer: string
  readonly operator: string
  readonly endpoint: string
  readonly pricing: string
  /** Every checkpoint served, oldest first: the deployment, then each rollback. */
  readonly served: Served[]
  retired?: { sequence: number; reason: string }
  readonly usage: UsageTotals
  /** Each ConsentWithdrawalFlagged that named this deployment, with the deadline it set, and its suspension for consent. */
  readonly flags: { sequence: number; contributionId: string; checkpoint: string; retrainBy: string }[]
  suspended?: { sequence: number; checkpoint: string }
}

/** A preference dataset version: the consensus of one closed RLHF round. */
export interface PreferenceEntry {
  readonly sequence: number
  readonly mandateId: string
  readonly version: number
  readonly roundId: string
  readonly root: string
  readonly samples: number
  readonly raters: readonly string[]
}

/** An RLHF round as opened: the checkpoint whose outputs it rates. */
export interface RoundEntry {
  readonly sequence: number
  readonly checkpoint: string
  readonly samples: number
  /** How many samples record how the checkpoint generated them (so anyone can regenerate them). */
  readonly generated: number
}

export interface ModelIndex {
  readonly jobs: Map<string, JobEntry>
  /** `jobId:root` → the checkpoint (the same root may come out of two reproducible jobs). */
  readonly checkpoints: Map<string, CheckpointEntry>
  readonly deployments: Map<string, DeploymentEntry>
  /** Contribution id → the attribution scores recorded for it. */
  readonly attributions: Map<string, { sequence: number; jobId: string; score: number }[]>
  /** Job id → the withdrawals flagged on its dataset version (ConsentWithdrawalFlagged). */
  readonly withdrawals: Map<string, { sequence: number; contributionId: string }[]>
  /** preferenceKey(mandate, version) → the preference dataset version. */
  readonly preferences: Map<string, PreferenceEntry>
  /** Round id → the round as opened. */
  readonly rounds: Map<string, RoundEntry>
}

export const checkpointKey = (jobId: string, root: string): string => `${jobId}:${root}`

export function emptyModelIndex(): ModelIndex {
  return { jobs: new Map(), checkpoints: new Map(), deployments: new Map(), attributions: new Map(), withdrawals: new Map(), preferences: new Map(), rounds: new Map() }
}

function indexTraining(index: ModelIndex, event: EconomyEvent, sequence: number): boolean {
  switch (event.type) {
    case 'TrainingRequested': {
      const d = event.data
      index.jobs.set(d.jobId, {
        id: d.jobId, sequence, mandateId: d.mandateId, requester: d.requester, datasetVersion: d.datasetVersion, datasetRoot: d.datasetRoot, baseModel: d.baseModel,
        executor: d.executor, hyperparameters: canonicalize(d.hyperparameters as JsonValue), seed: d.seed, preferenceVersion: preferenceVersionOf(d.hyperparameters), claims: [], checkpoints: [], attributions: [],
      })
      return true
    }
    case 'TrainingJobClaimed':
      index.jobs.get(event.data.jobId)?.claims.push({ sequence, trainer: event.data.trainer, manifestHash: event.data.manifestHash })
      return true
    case 'CheckpointRecorded': {
      const d = event.data
      const job = index.jobs.get(d.jobId)
      if (job === undefined) return true
      job.checkpoints.push(d.root)
      index.checkpoints.set(checkpointKey(d.jobId, d.root), { jobId: d.jobId, root: d.root, sequence, step: d.step, files: d.files.length, totalBytes: d.totalBytes, evaluations: [] })
      return true
    }
    case 'EvaluationRecorded': {
      const d = event.data
      const latest = index.jobs.get(d.jobId)?.checkpoints.at(-1)
      if (latest !== undefined) index.checkpoints.get(checkpointKey(d.jobId, latest))?.evaluations.push({ sequence, split: d.split, value: d.value, passed: d.passed })
      return true
    }
    case 'AttributionRecorded':
      index.jobs.get(event.data.jobId)?.attributions.push({ sequence, method: event.data.method })
      for (const s of event.data.scores) {
        const list = index.attributions.get(s.contributionId) ?? []
        list.push({ sequence, jobId: event.data.jobId, score: s.score })
        index.attributions.set(s.contributionId, list)
      }
      return true
    default:
      return indexEnd(index, event, sequence)
  }
}

function preferenceVersionOf(hyperparameters: Readonly<Record<string, unknown>>): number | null {
  const v = hyperparameters.preferenceVersion
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : null
}

function indexEnd(index: ModelIndex, event: EconomyEvent, sequence: number): boolean {
  if (event.type === 'TrainingCompleted') {
    const job = index.jobs.get(event.data.jobId)
    if (job !== undefined) job.completed = { sequence, finalCheckpoint: event.data.finalCheckpoint }
    return true
  }
  if (event.type === 'FeedbackRoundOpened') {
    const d = event.data
    index.rounds.set(d.roundId, { sequence, checkpoint: d.checkpoint, samples: d.samples.length, generated: d.samples.filter((s) => 'generation' in s).length })
    return true
  }
  if (event.type === 'PreferenceDatasetVersioned') {
    const d = event.data
    index.preferences.set(preferenceKey(d.mandateId, d.version), { sequence, mandateId: d.mandateId, version: d.version, roundId: d.roundId, root: d.root, samples: d.samples.length, raters: d.raters })
    return true
  }
  if (event.type === 'TrainingFailed') {
    const job = index.jobs.get(event.data.jobId)
    if (job !== undefined) job.failed = { sequence, reason: event.data.reason }
    return true
  }
  return false
}

function usageRecorded(entry: DeploymentEntry, d: Extract<EconomyEvent, { type: 'UsageRecorded' }>['data'], sequence: number): void {
  const u = entry.usage
  u.sequences.push(sequence)
  u.requests += d.receipts.length
  for (const r of d.receipts) {
    u.inputTokens += r.inputTokens
    u.outputTokens += r.outputTokens
    u.fees += r.fee
  }
  u.charged += d.charged
  for (const share of ['contributors', 'validators', 'proposer', 'treasury'] as const) u.shares[share] += d.shares[share]
  for (const p of d.payouts) u.payouts.set(p.account, (u.payouts.get(p.account) ?? 0n) + p.amount)
}

function indexFlag(index: ModelIndex, d: Extract<EconomyEvent, { type: 'ConsentWithdrawalFlagged' }>['data'], sequence: number): void {
  for (const job of d.jobs) index.withdrawals.set(job.jobId, [...(index.withdrawals.get(job.jobId) ?? []), { sequence, contributionId: d.contributionId }])
  for (const f of d.deployments) index.deployments.get(f.deploymentId)?.flags.push({ sequence, contributionId: d.contributionId, checkpoint: f.checkpoint, retrainBy: f.retrainBy })
}

function indexDeployment(index: ModelIndex, event: EconomyEvent, sequence: number): void {
  switch (event.type) {
    case 'ModelDeployed': {
      const d = event.data
      const usage: UsageTotals = { sequences: [], requests: 0, inputTokens: 0, outputTokens: 0, fees: 0n, charged: 0n, shares: { contributors: 0n, validators: 0n, proposer: 0n, treasury: 0n }, payouts: new Map() }
      index.deployments.set(d.deploymentId, {
        id: d.deploymentId, sequence, mandateId: d.mandateId, deployer: d.deployer, operator: d.operator, endpoint: d.endpoint,
        pricing: `${d.pricing.inputPer1k} in / ${d.pricing.outputPer1k} out per 1k tokens`, served: [{ jobId: d.jobId, checkpoint: d.checkpoint, since: sequence, reason: null }], usage, flags: [],
      })
      return
    }
    case 'DeploymentRolledBack':
    case 'DeploymentUpgraded': {
      // An upgrade says so in its reason: the served list is the deployment's rollbacks and upgrades alike.
      const reason = event.type === 'DeploymentUpgraded' ? `upgrade: ${event.data.reason}` : event.data.reason
      index.deployments.get(event.data.deploymentId)?.served.push({ jobId: event.data.to.jobId, checkpoint: event.data.to.checkpoint, since: sequence, reason })
      return
    }
    case 'ConsentWithdrawalFlagged':
      return indexFlag(index, event.data, sequence)
    case 'DeploymentSuspendedForConsent': {
      const entry = index.deployments.get(event.data.deploymentId)
      if (entry !== undefined) entry.suspended = { sequence, checkpoint: event.data.checkpoint }
      return
    }
    case 'DeploymentRetired': {
      const entry = index.deployments.get(event.data.deploymentId)
      if (entry !== undefined) entry.retired = { sequence, reason: event.data.reason }
      return
    }
    case 'UsageRecorded': {
      const entry = index.deployments.get(event.data.deploymentId)
      if (entry !== undefined) usageRecorded(entry, event.data, sequence)
      return
    }
    default:
      return
  }
}

/** Adds one event of the model side (in log order); other events are ignored. */
export function indexModelEvent(index: ModelIndex, event: EconomyEvent, sequence: number): void {
  if (!indexTraining(index, event, sequence)) indexDeployment(index, event, sequence)
}
