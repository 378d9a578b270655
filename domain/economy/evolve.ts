/**
 * The combined evolve: governance events change the governance state (where all money is), every
 * other event its own area; rewards sees everything first, against the data state before the event.
 */
import { evolveAlignment } from '../alignment/evolve.js'
import type { AlignmentEvent } from '../alignment/codecs.js'
import type { Recorded } from '../decider.js'
import { evolveData } from '../datanets/evolve.js'
import type { DataEvent } from '../datanets/events.js'
import { DATA_EVENT_CODECS } from '../datanets/events.js'
import { evolve as evolveGovernance } from '../governance/evolve.js'
import { evolveRewards } from '../rewards/evolve.js'
import { evolveTraining, isTrainingEvent } from '../training/evolve.js'
import { isDeploymentEvent } from '../deployment/codecs.js'
import { evolveDeployment, evolveUsageMoney } from '../deployment/evolve.js'
import { isAppealEvent } from '../appeals/codecs.js'
import { evolveAppealMoney, evolveAppeals } from '../appeals/evolve.js'
import { isGovernanceEvent, type EconomyEvent } from './events.js'
import { evidenceKey, type EconomyState } from './state.js'
import { include } from '../persistent.js'
import { evolveTrust } from '../trust/state.js'
import { isConsentEvent } from '../consent/codecs.js'
import { evolveConsent, upgraded } from '../consent/evolve.js'

const DATA_TYPES: ReadonlySet<string> = new Set(DATA_EVENT_CODECS.map((c) => c.name))
const isDataEvent = (e: EconomyEvent): e is DataEvent => DATA_TYPES.has(e.type)
const isAlignmentEvent = (e: EconomyEvent): e is AlignmentEvent =>
  !isGovernanceEvent(e) && !isDataEvent(e) && e.type !== 'RewardEpochClosed' && !isTrainingEvent(e) && !isDeploymentEvent(e) && e.type !== 'ValidatorTrustUpdated' && !isConsentEvent(e) && !isAppealEvent(e)

function slashedAfter(state: EconomyState, event: EconomyEvent): ReadonlySet<string> {
  if (event.type !== 'StakeSlashed' || event.data.evidence.kind !== 'rule') return state.slashed
  return include(state.slashed, evidenceKey(event.data.evidence.rule, event.data.evidence.subject, event.data.account))
}

export function evolveEconomy(state: EconomyState, recorded: Recorded<EconomyEvent>): EconomyState {
  const { event } = recorded
  const rewards = evolveRewards(state.rewards, state.data, recorded)
  // Training sees data events too (sealed versions), so it folds every event, like rewards.
  // Appeals remember slashes and usage batches (against the deployments before the event), so they fold every event too.
  const appeals = evolveAppeals(state.appeals, recorded, state.deployment)
  const next = { ...state, rewards, appeals, training: evolveTraining(state.training, recorded), consent: evolveConsent(state, recorded), slashed: slashedAfter(state, event) }
  if (isGovernanceEvent(event)) return { ...next, governance: evolveGovernance(state.governance, { ...recorded, event }) }
  if (event.type === 'DeploymentUpgraded') return { ...next, deployment: upgraded(state.deployment, { ...recorded, event }) }
  if (event.type === 'ValidatorTrustUpdated') return { ...next, trust: evolveTrust(state.trust, { ...recorded, event }) }
  if (isDataEvent(event)) return { ...next, data: evolveData(state.data, { ...recorded, event }) }
  if (isDeploymentEvent(event)) {
    const window = state.governance.genesis?.params.economics.usageReceiptWindowMs ?? 0
    return { ...next, deployment: evolveDeployment(state.deployment, { ...recorded, event }, window), governance: evolveUsageMoney(state.governance, event) }
  }
  if (isAppealEvent(event)) return { ...next, governance: evolveAppealMoney(state.governance, event) }
  if (isAlignmentEvent(event)) return { ...next, alignment: evolveAlignment(state.alignment, { ...recorded, event }) }
  return next
}
