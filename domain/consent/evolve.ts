/**
 * Folds the consent state. It sees ContributionRevoked (which sealed versions lose consent) and a
 * deployment's change of checkpoint (which ends a suspension: the rules let a deployment serve only
 * a checkpoint in consent), so, like training, it folds every event, against the state before it.
 */
import type { Recorded } from '../decider.js'
import type { DeploymentState } from '../deployment/state.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomyState } from '../economy/state.js'
import { toMs } from '../governance/time.js'
import { put, remove } from '../persistent.js'
import { versionKey } from '../training/state.js'
import type { ConsentEventOf } from './codecs.js'
import type { ConsentState } from './state.js'

function revoked(state: EconomyState, contributionId: string, datanetId: string, at: number, sequence: number): ConsentState {
  let withdrawn = state.consent.withdrawn
  const sealed = state.data.datanets.get(datanetId)?.versions ?? 0
  for (let v = 1; v <= sealed; v++) {
    const key = versionKey(datanetId, v)
    if (state.training.versions.get(key)?.contributions.includes(contributionId) !== true) continue
    withdrawn = put(withdrawn, key, [...(withdrawn.get(key) ?? []), { contributionId, at, sequence }])
  }
  return { ...state.consent, withdrawn }
}

export function evolveConsent(state: EconomyState, recorded: Recorded<EconomyEvent>): ConsentState {
  const { event, sequence } = recorded
  switch (event.type) {
    case 'ContributionRevoked':
      return revoked(state, event.data.contributionId, event.data.datanetId, toMs(recorded.recordedAt), sequence)
    case 'DeploymentSuspendedForConsent':
      return { ...state.consent, suspended: put(state.consent.suspended, event.data.deploymentId, sequence) }
    case 'DeploymentUpgraded':
    case 'DeploymentRolledBack':
      return { ...state.consent, suspended: remove(state.consent.suspended, event.data.deploymentId) }
    default:
      return state.consent
  }
}

/** An upgrade puts its checkpoint in service, as a rollback does. */
export function upgraded(state: DeploymentState, recorded: Recorded<ConsentEventOf<'DeploymentUpgraded'>>): DeploymentState {
  const { deploymentId, to } = recorded.event.data
  const d = state.deployments.get(deploymentId)
  if (d === undefined) return state
  const history = [...d.history, { ...to, since: recorded.sequence, sinceAt: toMs(recorded.recordedAt) }]
  return { ...state, deployments: put(state.deployments, deploymentId, { ...d, history }) }
}
