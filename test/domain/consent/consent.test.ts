import { describe, expect, it } from 'vitest'
import { consentOf } from '../../../domain/consent/view.js'
import { BOB, CAROL, dcmd, deployed, espec, MANDATE, ROOT_1, ROOT_2, type EStep } from '../deployment/fixtures.js'
import { ecmd, idOf } from '../datanets/fixtures.js'
import { DAY, requestOn, retrained, RETRAIN_DAYS, ROOT_3, suspend, upgradeTo, withdrawn } from './fixtures.js'

const iso = (ms: number) => new Date(ms).toISOString()
const receipt = (grantId: string, requestId: string, at: number) => ({ requestId, grantId, inputTokens: 100, outputTokens: 50, at: iso(at) })
/** Time moved on to `at` (ms) from the end of `history`. */
const until = (history: EStep[], at: number): EStep[] => [...history, { advance: at - espec.play(history).now }]

describe('revoking a contribution flags the models trained on it', () => {
  it('records the versions that hold it, every job trained on one with its checkpoints, and each deployment serving one with its retrain deadline', () => {
    const d = deployed()
    const at = espec.play(d.history).now
    espec
      .given(...d.history)
      .when(ecmd.revoke('a'))
      .then([
        { type: 'ContributionRevoked', data: { contributionId: idOf('a'), datanetId: MANDATE } },
        {
          type: 'ConsentWithdrawalFlagged',
          data: {
            contributionId: idOf('a'),
            datanetId: MANDATE,
            versions: [1],
            jobs: [{ jobId: d.jobId, datasetVersion: 1, checkpoints: [ROOT_1, ROOT_2] }],
            deployments: [{ deploymentId: d.deploymentId, jobId: d.jobId, checkpoint: ROOT_2, retrainBy: iso(at + RETRAIN_DAYS * DAY) }],
          },
        },
      ])
  })

  it('flags nothing when no sealed version holds it', () => {
    const history: EStep[] = [...deployed().history, { command: ecmd.submit('late') }, { command: ecmd.verdict(BOB, 'late', 'accept') }, { command: ecmd.verdict(CAROL, 'late', 'accept') }]
    expect(espec.given(...history).when(ecmd.revoke('late')).events().map((e) => e.type)).toEqual(['ContributionRevoked'])
  })

  it('a second withdrawal keeps the first one’s deadline', () => {
    const w = withdrawn()
    const later = [...w.history, { advance: 5 * DAY }]
    const events = espec.given(...later).when(ecmd.revoke('b', BOB)).events()
    expect(events[1]).toMatchObject({ type: 'ConsentWithdrawalFlagged', data: { deployments: [{ retrainBy: iso(w.retrainBy) }] } })
  })

  it('the view of a deployment names the withdrawn contributions and the deadline', () => {
    const w = withdrawn()
    const state = espec.play(w.history).state
    expect(consentOf(state, w.deploymentId, w.revokedAt)).toEqual({ status: 'revoked', jobId: w.jobId, checkpoint: ROOT_2, datasetVersion: 1, contributions: [idOf('a')], retrainBy: iso(w.retrainBy), suspended: false })
    expect(consentOf(espec.play(deployed().history).state, w.deploymentId, w.revokedAt)).toMatchObject({ status: 'consented', contributions: [] })
    expect(consentOf(state, w.deploymentId, w.retrainBy)).toMatchObject({ status: 'deadline-passed' })
  })
})

describe('the retrain deadline', () => {
  it('before it, usage is charged as usual and nobody can suspend the deployment', () => {
    const w = withdrawn()
    const before = until(w.history, w.retrainBy - 1)
    expect(espec.given(...before).when(dcmd.usage(w.deploymentId, [receipt(w.grantId, 'r1', w.retrainBy - 1)])).events()[0]).toMatchObject({ type: 'UsageRecorded' })
    espec.given(...before).when(suspend(w.deploymentId, CAROL)).thenFails('consent-deadline-not-reached')
  })

  it('after it, a receipt dated from the deadline on is refused, whole batch; one dated before it is still charged', () => {
    const w = withdrawn()
    const after = until(w.history, w.retrainBy + DAY)
    espec.given(...after).when(dcmd.usage(w.deploymentId, [receipt(w.grantId, 'late-1', w.retrainBy - 10), receipt(w.grantId, 'late-2', w.retrainBy)])).thenFails('consent-deadline-passed')
    expect(espec.given(...after).when(dcmd.usage(w.deploymentId, [receipt(w.grantId, 'early', w.retrainBy - 10)])).events()[0]).toMatchObject({ type: 'UsageRecorded', data: { charged: expect.any(BigInt) as bigint } })
  })

  it('after it, anyone records the deployment suspended, once; it then takes no new grants, acceptances or prices', () => {
    const w = withdrawn()
    const after = until(w.history, w.retrainBy)
    espec
      .given(...after)
      .when(suspend(w.deploymentId, CAROL))
      .then([{ type: 'DeploymentSuspendedForConsent', data: { deploymentId: w.deploymentId, jobId: w.jobId, checkpoint: ROOT_2, contributions: [idOf('a')], retrainBy: iso(w.retrainBy) } }])
    const suspended = [...after, { command: suspend(w.deploymentId, CAROL) }]
    espec.given(...suspended).when(suspend(w.deploymentId)).thenFails('already-suspended')
    espec.given(...suspended).when(dcmd.grant(w.deploymentId, { keyHash: 'b0'.repeat(32) })).thenFails('deployment-suspended')
    espec.given(...suspended).when(dcmd.reprice(w.deploymentId, { inputPer1k: 1n, outputPer1k: 1n })).thenFails('deployment-suspended')
  })

  it('a deployment whose data is all in consent cannot be suspended, nor a retired or unknown one', () => {
    const d = deployed()
    espec.given(...d.history).when(suspend(d.deploymentId)).thenFails('deployment-consented')
    const w = withdrawn()
    espec.given(...until(w.history, w.retrainBy), { command: dcmd.retire(w.deploymentId) }).when(suspend(w.deploymentId)).thenFails('deployment-retired')
    espec.given(...w.history).when(suspend('ab'.repeat(32))).thenFails('unknown-deployment')
  })
})

describe('retraining', () => {
  it('no new training on a version that holds a withdrawn contribution; version 2, sealed without it, trains', () => {
    const w = withdrawn()
    espec.given(...w.history).when(requestOn(1)).thenFails('consent-withdrawn')
    expect(espec.given(...w.history, { command: ecmd.seal() }).when(requestOn(2)).events()[0]).toMatchObject({ type: 'TrainingRequested', data: { datasetVersion: 2 } })
  })

  it('no deployment, rollback or upgrade onto a checkpoint trained on withdrawn data', () => {
    const w = withdrawn()
    espec.given(...w.history).when(dcmd.deploy(w.jobId)).thenFails('consent-withdrawn')
    espec.given(...w.history).when(dcmd.rollback(w.deploymentId, w.jobId, ROOT_1)).thenFails('consent-withdrawn')
  })

  it('an upgrade to the retrained checkpoint serves it, clears the flag and the suspension, and usage is charged again', () => {
    const w = withdrawn()
    const suspended: EStep[] = [...until(w.history, w.retrainBy), { command: suspend(w.deploymentId, CAROL) }, { advance: DAY }]
    const { history, jobId } = retrained(suspended)
    const evaluation = espec.play(history).state.training.jobs.get(jobId)?.evaluations.at(-1)?.sequence ?? 0
    espec
      .given(...history)
      .when(upgradeTo(w.deploymentId, jobId))
      .then([
        {
          type: 'DeploymentUpgraded',
          data: {
            deploymentId: w.deploymentId,
            from: { jobId: w.jobId, checkpoint: ROOT_2, evaluationSequence: espec.play(w.history).state.deployment.deployments.get(w.deploymentId)?.history[0]?.evaluationSequence ?? 0 },
            to: { jobId, checkpoint: ROOT_3, evaluationSequence: evaluation },
            reason: 'retrained without withdrawn data',
          },
        },
      ])
    const upgraded = [...history, { command: upgradeTo(w.deploymentId, jobId) }]
    const state = espec.play(upgraded).state
    const at = espec.play(upgraded).now
    expect(consentOf(state, w.deploymentId, at)).toMatchObject({ status: 'consented', checkpoint: ROOT_3, suspended: false })
    expect(espec.given(...upgraded).when(dcmd.usage(w.deploymentId, [receipt(w.grantId, 'after', at)])).events()[0]).toMatchObject({ type: 'UsageRecorded', data: { checkpoint: ROOT_3 } })
    // Receipts dated while the withdrawn checkpoint still served past its deadline stay refused.
    espec.given(...upgraded).when(dcmd.usage(w.deploymentId, [receipt(w.grantId, 'stale', at - 1)])).thenFails('consent-deadline-passed')
    expect(espec.given(...upgraded).when(dcmd.grant(w.deploymentId, { keyHash: 'b0'.repeat(32) })).events()[0]).toMatchObject({ type: 'AccessGranted' })
  })

  it('an upgrade goes forward, within the mandate, by the deployer or the proposer only', () => {
    const w = withdrawn()
    const { history, jobId } = retrained(w.history)
    espec.given(...history).when(upgradeTo(w.deploymentId, jobId, ROOT_3, CAROL)).thenFails('not-deployment-operator')
    espec.given(...history, { command: upgradeTo(w.deploymentId, jobId) }).when(upgradeTo(w.deploymentId, jobId)).thenFails('not-later-checkpoint')
    espec.given(...history).when(upgradeTo(w.deploymentId, jobId, 'ab'.repeat(32))).thenFails('unknown-checkpoint')
    espec.given(...history, { command: dcmd.retire(w.deploymentId) }).when(upgradeTo(w.deploymentId, jobId)).thenFails('deployment-retired')
  })
})

