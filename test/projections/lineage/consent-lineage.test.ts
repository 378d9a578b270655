/**
 * Consent in lineage, on a real SQLite ledger: after a contribution is withdrawn, the checkpoints
 * trained on it and the deployment still serving one carry the withdrawal (citing its event);
 * a retrained checkpoint's report proves by its dataset root that the item is gone, and the old
 * one's shows it is not; reports still verify offline.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contributionIdOf } from '../../../domain/economy/index.js'
import { textHash } from '../../../domain/economy/hash.js'
import { checkpointRoot } from '../../../domain/training/checkpoint.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { absenceOf } from '../../../projections/lineage/absence.js'
import { buildLineageReport, reportEvents, verifyLineageReport, type LineageReport } from '../../../projections/lineage/report.js'
import { tempDir } from '../support.js'
import { ALICE, BOB, CAROL, contentOf, DAVE, deployRequest, EVE, NOTES, openDriver, trainedModel, type Driver, type Trained } from '../story.js'

const { dir, cleanup } = tempDir('consent-lineage-')
let d: Driver
let trained: Trained
let retrainedJob: string
let retrainedRoot: string
let upgraded: string
let flagged: string

/** Version 2 (without the withdrawn note) trained to one attested checkpoint by Dave. */
async function retrain(mandateId: string): Promise<{ jobId: string; root: string }> {
  await d.run(DAVE, { type: 'SealDatasetVersion', payload: { datanetId: mandateId } })
  const jobId = await d.run(ALICE, { type: 'RequestTraining', payload: { mandateId, datasetVersion: 2, baseModel: null, executor: 'reference', hyperparameters: { epochs: 2 }, seed: 9 } })
  await d.run(DAVE, { type: 'ClaimTrainingJob', payload: { jobId, leaseMs: 600_000, manifestHash: textHash('manifest retrain') } })
  const files = [{ path: 'model.json', sha256: textHash('retrained weights'), bytes: 64 }]
  const root = checkpointRoot(files)
  await d.run(DAVE, { type: 'RecordCheckpoint', payload: { jobId, step: 10, files, root, metrics: { loss: 0.1 } } })
  await d.run(DAVE, { type: 'RecordEvaluation', payload: { jobId, split: 'test', metrics: { rougeL: 0.6, eval_examples: 40 } } })
  await d.run(DAVE, { type: 'CompleteTraining', payload: { jobId, finalCheckpoint: root } })
  for (const who of [BOB, CAROL]) await d.run(who, { type: 'AttestEvaluation', payload: { jobId, checkpoint: root, split: 'test', metrics: { rougeL: 0.6, eval_examples: 40 }, reproduced: null } })
  await d.run(EVE, { type: 'SettleEvaluation', payload: { jobId, checkpoint: root } })
  return { jobId, root }
}

beforeAll(async () => {
  d = await openDriver(join(dir, 'ledger.db'), 10)
  trained = await trainedModel(d)
  upgraded = await d.run(ALICE, deployRequest(trained.jobId, trained.checkpoints[1]))
  flagged = await d.run(ALICE, deployRequest(trained.jobId, trained.checkpoints[1]))
  await d.run(EVE, { type: 'RevokeContribution', payload: { contributionId: contributionIdOf(trained.mandateId, contentOf(NOTES.two)) } })
  const again = await retrain(trained.mandateId)
  retrainedJob = again.jobId
  retrainedRoot = again.root
  await d.run(ALICE, { type: 'UpgradeDeployment', payload: { deploymentId: upgraded, jobId: retrainedJob, checkpoint: retrainedRoot, reason: 'retrained without the withdrawn note' } })
  await d.store.sealAnchor()
}, 60_000)
afterAll(async () => {
  await d.store.close()
  cleanup()
})

async function report(query: Parameters<typeof buildLineageReport>[1]): Promise<LineageReport> {
  const r = await buildLineageReport(d.backend, query)
  expect(verifyLineageReport(r, d.store.ledgerPublicKey, nativeCrypto)).toMatchObject({ ok: true })
  return r
}

const node = (r: LineageReport, id: string) => r.graph.nodes.find((n) => n.id === id)
const withdrawnId = () => contributionIdOf(trained.mandateId, contentOf(NOTES.two))

describe('consent in lineage', () => {
  it('a deployment still serving withdrawn data says so, with the deadline, citing the flag', async () => {
    const r = await report({ kind: 'deployment', deploymentId: flagged })
    const dep = node(r, `deployment:${flagged}`)
    expect(dep?.facts).toMatchObject({ consent: 'revoked', withdrawn: withdrawnId() })
    expect(typeof dep?.facts.retrainBy).toBe('string')
    const flag = reportEvents(r).find((e) => e.type === 'ConsentWithdrawalFlagged')
    expect(flag).toBeDefined()
    expect(dep?.evidence).toContain(flag?.sequence)
    expect(node(r, `checkpoint:${trained.jobId}:${trained.checkpoints[1]}`)?.facts).toMatchObject({ consent: 'withdrawn', withdrawn: withdrawnId() })
  })

  it('the upgraded deployment serves the retrained checkpoint and carries no flag', async () => {
    const r = await report({ kind: 'deployment', deploymentId: upgraded })
    const dep = node(r, `deployment:${upgraded}`)
    expect(dep?.facts.serving).toBe(retrainedRoot)
    expect(dep?.facts.consent).toBeUndefined()
    expect(String(dep?.facts.rollbacks)).toContain('upgrade: retrained without the withdrawn note')
  })

  it('the retrained checkpoint’s report proves by its dataset root that the withdrawn item is gone', async () => {
    const r = await report({ kind: 'checkpoint', root: retrainedRoot })
    expect(absenceOf(r, retrainedRoot, contentOf(NOTES.two))).toMatchObject({ ok: true, jobId: retrainedJob, datasetVersion: 2, members: 3 })
    // The same check fails for an item it does hold, and for the checkpoint trained before the withdrawal.
    expect(absenceOf(r, retrainedRoot, contentOf(NOTES.one))).toMatchObject({ ok: false, reason: expect.stringContaining('holds') as string })
    const old = await report({ kind: 'checkpoint', root: trained.checkpoints[1] })
    expect(absenceOf(old, trained.checkpoints[1], contentOf(NOTES.two))).toMatchObject({ ok: false, reason: expect.stringContaining('holds') as string })
  })

  it('refuses a report whose version members were tampered with', async () => {
    const r = await report({ kind: 'checkpoint', root: retrainedRoot })
    const tampered = structuredClone(r) as LineageReport
    for (const s of tampered.streams) {
      for (const { event } of s.events) if (event.type === 'DatasetVersionSealed') (event.data as { contributions: string[] }).contributions.reverse()
    }
    expect(absenceOf(tampered, retrainedRoot, contentOf(NOTES.two))).toMatchObject({ ok: false })
    expect(verifyLineageReport(tampered, d.store.ledgerPublicKey, nativeCrypto).ok).toBe(false)
  })
})

