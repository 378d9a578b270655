/**
 * A deployment's consent as its readers see it (the gateway's header, the MCP resource): whether
 * the checkpoint it serves now was trained on withdrawn data, which, and by when it must be
 * retrained; `deadline-passed` once that time has come (usage refused, suspension allowed).
 */
import { servedNow } from '../deployment/state.js'
import type { EconomyState } from '../economy/state.js'
import { toTimestamp } from '../governance/time.js'
import { flagOf, isSuspendedForConsent } from './rules.js'

export interface DeploymentConsent {
  readonly status: 'consented' | 'revoked' | 'deadline-passed'
  readonly jobId: string
  readonly checkpoint: string
  readonly datasetVersion: number | null
  /** Withdrawn contribution ids the checkpoint's dataset version holds, in the order withdrawn. */
  readonly contributions: readonly string[]
  readonly retrainBy: string | null
  readonly suspended: boolean
}

/** `at`: the time to judge the deadline against (ms). Undefined for an unknown deployment. */
export function consentOf(state: EconomyState, deploymentId: string, at: number): DeploymentConsent | undefined {
  const d = state.deployment.deployments.get(deploymentId)
  if (d === undefined) return undefined
  const served = servedNow(d)
  const flag = flagOf(state, served)
  const suspended = isSuspendedForConsent(state, deploymentId)
  const datasetVersion = state.training.jobs.get(served.jobId)?.datasetVersion ?? null
  if (flag === undefined) return { status: 'consented', jobId: served.jobId, checkpoint: served.checkpoint, datasetVersion, contributions: [], retrainBy: null, suspended }
  const status = at >= flag.retrainBy ? 'deadline-passed' : 'revoked'
  return { status, jobId: served.jobId, checkpoint: served.checkpoint, datasetVersion, contributions: [...flag.contributions], retrainBy: toTimestamp(flag.retrainBy), suspended }
}
