/**
 * The consent decisions: what a withdrawal flags, suspending a deployment past its retrain
 * deadline, serving a retrained checkpoint, and the refusal to train on, or put in service, data
 * whose consent was withdrawn.
 */
import { right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import { passedCheckpoint, controls } from '../deployment/decide.js'
import { servedNow, type Deployment } from '../deployment/state.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomyState } from '../economy/state.js'
import { now, toTimestamp } from '../governance/time.js'
import { versionKey, type Job } from '../training/state.js'
import type { ConsentCommand } from './codecs.js'
import { flagOf, isSuspendedForConsent, retrainDeadline, withdrawnFrom, withdrawnProblem } from './rules.js'
import type { Withdrawal } from './state.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends ConsentCommand['type']> = Extract<ConsentCommand, { type: T }>

/**
 * The ConsentWithdrawalFlagged that goes with a ContributionRevoked (none when no sealed version
 * holds it): the state is the one before the revocation, so this withdrawal is added by hand.
 */
export function withdrawalFlagged(state: EconomyState, contributionId: string, datanetId: string, at: number): EconomyEvent[] {
  const sealed = state.data.datanets.get(datanetId)?.versions ?? 0
  const versions: number[] = []
  for (let v = 1; v <= sealed; v++) if (state.training.versions.get(versionKey(datanetId, v))?.contributions.includes(contributionId) === true) versions.push(v)
  if (versions.length === 0) return []
  const added: Withdrawal = { contributionId, at, sequence: 0 }
  const jobs = [...state.training.jobs.values()].filter((j) => j.mandateId === datanetId && versions.includes(j.datasetVersion)).sort((a, b) => (a.id < b.id ? -1 : 1))
  const deployments = [...state.deployment.deployments.values()]
    .filter((d) => d.status !== 'retired')
    .flatMap((d) => {
      const served = servedNow(d)
      const job = jobs.find((j) => j.id === served.jobId)
      const retrainBy = job === undefined ? undefined : retrainDeadline(state, [...withdrawnFrom(state, job), added])
      return retrainBy === undefined ? [] : [{ deploymentId: d.id, jobId: served.jobId, checkpoint: served.checkpoint, retrainBy: toTimestamp(retrainBy) }]
    })
    .sort((a, b) => (a.deploymentId < b.deploymentId ? -1 : 1))
  const flaggedJobs = jobs.map((j) => ({ jobId: j.id, datasetVersion: j.datasetVersion, checkpoints: j.checkpoints.map((k) => k.root) }))
  return [{ type: 'ConsentWithdrawalFlagged', data: { contributionId, datanetId, versions, jobs: flaggedJobs, deployments } }]
}

function suspend(d: Deployment, state: EconomyState, at: number): Result {
  if (d.status === 'retired') return refuse('deployment-retired', 'the deployment is retired')
  if (isSuspendedForConsent(state, d.id)) return refuse('already-suspended', 'the deployment is already suspended for consent')
  const served = servedNow(d)
  const flag = flagOf(state, served)
  if (flag === undefined) return refuse('deployment-consented', 'the checkpoint served holds no withdrawn contribution', { checkpoint: served.checkpoint })
  if (at < flag.retrainBy) return refuse('consent-deadline-not-reached', `the deployment may serve it until ${toTimestamp(flag.retrainBy)}`, { retrainBy: toTimestamp(flag.retrainBy) })
  const { jobId, checkpoint, contributions } = flag
  return right([{ type: 'DeploymentSuspendedForConsent', data: { deploymentId: d.id, jobId, checkpoint, contributions: [...contributions], retrainBy: toTimestamp(flag.retrainBy) } }])
}

function upgrade(c: Cmd<'UpgradeDeployment'>, d: Deployment, state: EconomyState): Result {
  if (d.status === 'retired') return refuse('deployment-retired', 'the deployment is retired')
  if (!controls(state, d, c.actor, false)) return refuse('not-deployment-operator', 'only the deployer or the mandate’s proposer upgrades a deployment')
  const p = c.payload
  const found = passedCheckpoint(state, p.jobId, p.checkpoint)
  if (found._tag === 'Left') return found
  const { job, evaluationSequence } = found.right
  if (job.mandateId !== d.mandateId) return refuse('not-later-checkpoint', 'the checkpoint belongs to another mandate’s model')
  const current = servedNow(d)
  const sequenceOf = (j: Job | undefined, root: string): number => j?.checkpoints.find((k) => k.root === root)?.sequence ?? 0
  if (sequenceOf(job, p.checkpoint) <= sequenceOf(state.training.jobs.get(current.jobId), current.checkpoint)) {
    return refuse('not-later-checkpoint', 'an upgrade goes to a checkpoint recorded after the one served now')
  }
  const withdrawn = withdrawnProblem(state, job)
  if (withdrawn !== undefined) return withdrawn
  const from = { jobId: current.jobId, checkpoint: current.checkpoint, evaluationSequence: current.evaluationSequence }
  return right([{ type: 'DeploymentUpgraded', data: { deploymentId: d.id, from, to: { jobId: job.id, checkpoint: p.checkpoint, evaluationSequence }, reason: p.reason } }])
}

export function decideConsent(c: ConsentCommand, state: EconomyState, ctx: DecisionContext): Result {
  const d = state.deployment.deployments.get(c.payload.deploymentId)
  if (d === undefined) return refuse('unknown-deployment', 'no such deployment', { deploymentId: c.payload.deploymentId })
  return c.type === 'SuspendForConsent' ? suspend(d, state, now(ctx)) : upgrade(c, d, state)
}
