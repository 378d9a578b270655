/**
 * The deployed model of the deployment specs, then consent withdrawn: Alice revokes contribution
 * `a`, which version 1 (the deployed job's data) holds; version 2 is sealed without it and a
 * retrained job reaches an attested checkpoint (ROOT_3) the deployment can be upgraded to.
 */
import { tokens } from '../../../domain/governance/amounts.js'
import { checkpointRoot } from '../../../domain/training/checkpoint.js'
import { attestedSteps, dcmd, deployed, nextId, TRAINER, type Deployed } from '../deployment/fixtures.js'
import { ALICE, DAY, ecmd, espec, MANDATE, type ECmd, type EStep } from '../datanets/fixtures.js'

export const RETRAIN_DAYS = 30
export const FILES_3 = [{ path: 'model.json', sha256: '33'.repeat(32), bytes: 14 }]
export const ROOT_3 = checkpointRoot(FILES_3)

export interface Withdrawn extends Deployed {
  /** When ContributionRevoked was recorded (ms), and the retrain deadline (ms). */
  readonly revokedAt: number
  readonly retrainBy: number
}

/** `deployed()` with Alice's contribution `a` revoked (after 1,000 OPEN of escrow). */
export function withdrawn(): Withdrawn {
  const d = deployed(tokens(1_000))
  const history = [...d.history, { command: ecmd.revoke('a') }]
  const revokedAt = espec.play(history).now
  return { ...d, history, revokedAt, retrainBy: revokedAt + RETRAIN_DAYS * DAY }
}

export const requestOn = (datasetVersion: number): ECmd => ({ type: 'RequestTraining', actor: ALICE, payload: { mandateId: MANDATE, datasetVersion, baseModel: null, executor: 'reference', hyperparameters: {}, seed: 7 } })
export const upgradeTo = (deploymentId: string, jobId: string, checkpoint = ROOT_3, actor = ALICE): ECmd => ({ type: 'UpgradeDeployment', actor, payload: { deploymentId, jobId, checkpoint, reason: 'retrained without withdrawn data' } })
export const suspend = (deploymentId: string, actor = ALICE): ECmd => ({ type: 'SuspendForConsent', actor, payload: { deploymentId } })

/** Version 2 sealed without `a`, and a job on it trained, evaluated and attested to ROOT_3. */
export function retrained(history: EStep[]): { history: EStep[]; jobId: string } {
  const steps = [...history, { command: ecmd.seal() }]
  const jobId = nextId(steps)
  steps.push(
    { command: requestOn(2) },
    { command: dcmd.claim(jobId) },
    { command: dcmd.checkpoint(jobId, 1, FILES_3, ROOT_3) },
    { command: dcmd.evaluate(jobId, 0.7) },
    { command: { type: 'CompleteTraining', actor: TRAINER, payload: { jobId, finalCheckpoint: ROOT_3 } } },
    ...attestedSteps(jobId, ROOT_3, 0.7),
  )
  return { history: steps, jobId }
}

export { DAY }
