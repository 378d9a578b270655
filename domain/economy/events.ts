/** The event and command catalogue of the combined vertical: governance's, plus data, alignment, rewards, training and deployment. */
import * as t from 'io-ts'
import { ALIGNMENT_COMMAND_CODECS, ALIGNMENT_EVENT_CODECS, type AlignmentCommand, type AlignmentEvent } from '../alignment/codecs.js'
import { DATA_COMMAND_CODECS, type DataCommand } from '../datanets/commands.js'
import { DATA_EVENT_CODECS, type DataEvent } from '../datanets/events.js'
import { GOVERNANCE_EVENT_TYPES, type GovernanceEvent } from '../governance/events.js'
import type { GovernanceCommand } from '../governance/commands.js'
import { CloseRewardEpochC, RewardEpochClosedC, type RewardsCommand, type RewardsEvent } from '../rewards/codecs.js'
import { DEPLOYMENT_COMMAND_CODECS, DEPLOYMENT_EVENT_CODECS, type DeploymentCommand, type DeploymentEvent } from '../deployment/codecs.js'
import { APPEAL_COMMAND_CODECS, APPEAL_EVENT_CODECS, type AppealCommand, type AppealEvent } from '../appeals/codecs.js'
import { TRAINING_COMMAND_CODECS, TRAINING_EVENT_CODECS, type TrainingCommand, type TrainingEvent } from '../training/codecs.js'
import { TRUST_EVENT_CODECS, type TrustEvent } from '../trust/codecs.js'
import { CONSENT_COMMAND_CODECS, CONSENT_EVENT_CODECS, type ConsentCommand, type ConsentEvent } from '../consent/codecs.js'

export type EconomyOwnEvent = DataEvent | AlignmentEvent | RewardsEvent | TrainingEvent | DeploymentEvent | TrustEvent | ConsentEvent | AppealEvent
export type EconomyEvent = GovernanceEvent | EconomyOwnEvent
export type EconomyOwnCommand = DataCommand | AlignmentCommand | RewardsCommand | TrainingCommand | DeploymentCommand | ConsentCommand | AppealCommand
export type EconomyCommand = GovernanceCommand | EconomyOwnCommand

export const ECONOMY_EVENT_CODECS = [...DATA_EVENT_CODECS, ...ALIGNMENT_EVENT_CODECS, RewardEpochClosedC, ...TRAINING_EVENT_CODECS, ...DEPLOYMENT_EVENT_CODECS, ...TRUST_EVENT_CODECS, ...CONSENT_EVENT_CODECS, ...APPEAL_EVENT_CODECS] as const
export const EconomyOwnEventC = t.union([...ECONOMY_EVENT_CODECS], 'EconomyEvent')
export const ECONOMY_COMMAND_CODECS = [...DATA_COMMAND_CODECS, ...ALIGNMENT_COMMAND_CODECS, CloseRewardEpochC, ...TRAINING_COMMAND_CODECS, ...DEPLOYMENT_COMMAND_CODECS, ...CONSENT_COMMAND_CODECS, ...APPEAL_COMMAND_CODECS] as const

export const ECONOMY_EVENT_TYPES: ReadonlySet<string> = new Set(ECONOMY_EVENT_CODECS.map((c) => c.name))

export function isGovernanceEvent(event: EconomyEvent): event is GovernanceEvent {
  return GOVERNANCE_EVENT_TYPES.has(event.type)
}
