/**
 * The consent rules as queries over the state. A checkpoint is in consent while the dataset version
 * its job trained on holds no withdrawn contribution. Otherwise a deployment may serve it until the
 * earliest withdrawal + `consentRetrainDays` (its retrain deadline); from then on usage dated while
 * it served the checkpoint is refused, and anyone may record the deployment suspended.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { Deployment, Served } from '../deployment/state.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyState } from '../economy/state.js'
import { versionKey, type Job } from '../training/state.js'
import type { Withdrawal } from './state.js'

const DAY_MS = 24 * 60 * 60 * 1000

export interface ConsentFlag {
  readonly jobId: string
  readonly checkpoint: string
  readonly datasetVersion: number
  /** The withdrawn contributions the job's dataset version holds, in the order withdrawn. */
  readonly contributions: readonly string[]
  /** The earliest withdrawal + `consentRetrainDays` (ms). */
  readonly retrainBy: number
}

/** The withdrawals from the dataset version a job trained on. */
export function withdrawnFrom(state: EconomyState, job: Pick<Job, 'mandateId' | 'datasetVersion'>): readonly Withdrawal[] {
  return state.consent.withdrawn.get(versionKey(job.mandateId, job.datasetVersion)) ?? []
}

export function retrainDeadline(state: EconomyState, withdrawals: readonly Withdrawal[]): number | undefined {
  const first = withdrawals[0]
  const days = state.governance.genesis?.params.economics.consentRetrainDays
  return first === undefined || days === undefined ? undefined : first.at + days * DAY_MS
}

/** The checkpoint the deployment served at `at` (ms): the last put in service at or before it. */
export function servedAt(d: Deployment, at: number): Served {
  let served = d.history[0] as Served
  for (const s of d.history) if (s.sinceAt <= at) served = s
  return served
}

/** The consent flag of a served checkpoint, or undefined when its data is all in consent. */
export function flagOf(state: EconomyState, served: Pick<Served, 'jobId' | 'checkpoint'>): ConsentFlag | undefined {
  const job = state.training.jobs.get(served.jobId)
  if (job === undefined) return undefined
  const withdrawals = withdrawnFrom(state, job)
  const retrainBy = retrainDeadline(state, withdrawals)
  if (retrainBy === undefined) return undefined
  return { jobId: job.id, checkpoint: served.checkpoint, datasetVersion: job.datasetVersion, contributions: withdrawals.map((w) => w.contributionId), retrainBy }
}

/** Whether the checkpoint the deployment served at `at` was past its retrain deadline then. */
export function breachedAt(state: EconomyState, d: Deployment, at: number): ConsentFlag | undefined {
  const flag = flagOf(state, servedAt(d, at))
  return flag !== undefined && at >= flag.retrainBy ? flag : undefined
}

export function isSuspendedForConsent(state: EconomyState, deploymentId: string): boolean {
  return state.consent.suspended.has(deploymentId)
}

/** Refuses training on, or serving a checkpoint of, a dataset version that holds a withdrawn contribution. */
export function withdrawnProblem(state: EconomyState, job: Pick<Job, 'mandateId' | 'datasetVersion'>): Either<EconomyError, never> | undefined {
  const withdrawn = withdrawnFrom(state, job)
  if (withdrawn.length === 0) return undefined
  return refuse('consent-withdrawn', `dataset version ${job.datasetVersion} holds ${withdrawn.length} contribution(s) whose consent was withdrawn: train on a version sealed since`, {
    datasetVersion: job.datasetVersion,
    contributions: withdrawn.length,
  })
}

