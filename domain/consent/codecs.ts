/**
 * Consent that reaches models: the commands and events that carry a contribution's withdrawal to
 * the checkpoints trained on it and the deployments serving them.
 */
import * as t from 'io-ts'
import { closed, commandCodec as command, eventCodec as event, Hex32, integer, Timestamp } from '../codec.js'
import { contributionStream } from '../datanets/ids.js'
import { ContributionIdC, DatanetIdC } from '../datanets/values.js'
import { deploymentStream } from '../deployment/codecs.js'
import { DeploymentIdC } from '../deployment/values.js'
import { LabelC } from '../governance/values.js'
import { JobIdC } from '../training/values.js'

/** Anyone, once a deployment's retrain deadline has passed: records it suspended. */
export const SuspendForConsentC = command('SuspendForConsent', { deploymentId: DeploymentIdC })
/** The deployer or the mandate's proposer: serve a checkpoint recorded after the one served now (a retrained model). */
export const UpgradeDeploymentC = command('UpgradeDeployment', { deploymentId: DeploymentIdC, jobId: JobIdC, checkpoint: Hex32, reason: LabelC })

export const CONSENT_COMMAND_CODECS = [SuspendForConsentC, UpgradeDeploymentC] as const
export type ConsentRequest = t.TypeOf<(typeof CONSENT_COMMAND_CODECS)[number]>
export type ConsentCommand = ConsentRequest & { readonly actor: string }

const FlaggedJobC = closed({ jobId: JobIdC, datasetVersion: integer('dataset version', 1), checkpoints: t.array(Hex32) }, 'FlaggedJob')
const FlaggedDeploymentC = closed({ deploymentId: DeploymentIdC, jobId: JobIdC, checkpoint: Hex32, retrainBy: Timestamp }, 'FlaggedDeployment')

/**
 * Recorded with ContributionRevoked when a sealed dataset version holds the contribution: those
 * versions, every job trained on one (with its checkpoints), and every deployment not retired that
 * serves one of their checkpoints, with the time by which it must serve a retrained one (the
 * earliest withdrawal from its version + `consentRetrainDays`).
 */
export const ConsentWithdrawalFlaggedC = event('ConsentWithdrawalFlagged', {
  contributionId: ContributionIdC,
  datanetId: DatanetIdC,
  versions: t.array(integer('dataset version', 1)),
  jobs: t.array(FlaggedJobC),
  deployments: t.array(FlaggedDeploymentC),
})
/** The deadline passed with the checkpoint still served: the withdrawn contributions its version holds. */
export const DeploymentSuspendedForConsentC = event('DeploymentSuspendedForConsent', {
  deploymentId: DeploymentIdC,
  jobId: JobIdC,
  checkpoint: Hex32,
  contributions: t.array(ContributionIdC),
  retrainBy: Timestamp,
})
const ServedC = closed({ jobId: JobIdC, checkpoint: Hex32, evaluationSequence: integer('sequence', 1) }, 'ServedCheckpoint')
export const DeploymentUpgradedC = event('DeploymentUpgraded', { deploymentId: DeploymentIdC, from: ServedC, to: ServedC, reason: LabelC })

export const CONSENT_EVENT_CODECS = [ConsentWithdrawalFlaggedC, DeploymentSuspendedForConsentC, DeploymentUpgradedC] as const
export type ConsentEvent = t.TypeOf<(typeof CONSENT_EVENT_CODECS)[number]>
export type ConsentEventOf<T extends ConsentEvent['type']> = Extract<ConsentEvent, { type: T }>

const CONSENT_EVENT_TYPES: ReadonlySet<string> = new Set(CONSENT_EVENT_CODECS.map((c) => c.name))
export const isConsentEvent = (e: { readonly type: string }): e is ConsentEvent => CONSENT_EVENT_TYPES.has(e.type)

export function consentStreamOf(e: ConsentEvent): string {
  return e.type === 'ConsentWithdrawalFlagged' ? contributionStream(e.data.contributionId) : deploymentStream(e.data.deploymentId)
}
