/**
 * From request to evaluation on a real data directory: the trainer claims the job with its own
 * key, verifies the data, trains the reference model, records checkpoints whose files hash to
 * what the log says, an evaluation judged against the mandate's rubric, a normalized attribution
 * that the reward map uses once two staked validators re-ran the evaluation on the checkpoint files
 * the trainer published and attested it, and the completion; OpenLineage START and COMPLETE are
 * written. A self-reported evaluation cannot be deployed (refused, nothing appended).
 * Also: two trainers racing for one job (exactly one wins) and a tampered blob (the job fails,
 * nothing is trained).
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { epochMapOf } from '../../domain/rewards/decide.js'
import { attributionOf } from '../../domain/training/attribution.js'
import { ATTRIBUTION_TOTAL } from '../../domain/training/values.js'
import { hashCheckpointDir } from '../../trainer/hash-files.js'
import { checkpointDirOf, runJob } from '../../trainer/run-job.js'
import { workRootOf } from '../../trainer/open.js'
import { referenceExecutor } from '../../trainer/executors/reference/executor.js'
import { blobDir, createBlobStore } from '../../infrastructure/blobs/blob-store.js'
import { ALICE } from '../domain/governance/fixtures.js'
import { keyOf } from '../infrastructure/command-handler-support.js'
import { openLineageValidator } from './openlineage.js'
import { attestJob, foldDir, refusedWithoutAppending, requestTraining, seedDataDir, syntheticItems, type Seeded } from './fixture.js'
import { dataOf, lines, logOf, ofJob, openTrainer } from './support.js'

const HP = { epochs: 8, checkpointEvery: 2, lr: 0.5 }
let seeded: Seeded
const dirs: string[] = []
beforeAll(async () => {
  seeded = await seedDataDir(syntheticItems(30))
  dirs.push(seeded.dir)
})
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('trainer end to end', () => {
  it('runs a job from request to evaluation, attribution and completion', async () => {
    const jobId = await requestTraining(seeded.dir, seeded.mandateId, HP)
    const lineage = join(seeded.dir, 'lineage.jsonl')
    const t = await openTrainer(seeded.dir, 'trainer-a', new Map(), lineage)
    expect(await t.trainer.runOnce()).toEqual(new Map([[jobId, 'completed']]))
    const state = await t.deps.ledger.state()
    await t.close()

    const events = ofJob(await logOf(seeded.dir), jobId)
    const types = events.map((e) => e.type).filter((type) => type !== 'TrainingProgressed')
    expect(types).toEqual(['TrainingRequested', 'TrainingJobClaimed', ...Array(4).fill('CheckpointRecorded'), 'EvaluationRecorded', 'AttributionRecorded', 'TrainingCompleted'])
    expect(events.filter((e) => e.type === 'TrainingProgressed').length).toBeLessThan(events.length)

    for (const e of events.filter((x) => x.type === 'CheckpointRecorded')) {
      const { step, root } = dataOf<{ step: number; root: string }>(e)
      expect((await hashCheckpointDir(checkpointDirOf(workRootOf(seeded.dir), jobId, step))).root).toBe(root)
    }
    const evaluation = dataOf<{ passed: boolean; value: number; metrics: Record<string, number> }>(events.find((e) => e.type === 'EvaluationRecorded'))
    expect(evaluation.value).toBeGreaterThanOrEqual(0.6)
    expect(evaluation.passed).toBe(true)
    const attribution = dataOf<{ method: string; scores: { score: number }[]; checkpoints: string[] }>(events.find((e) => e.type === 'AttributionRecorded'))
    expect(attribution.method).toBe('tracin-softmax@1')
    expect(attribution.checkpoints).toHaveLength(4)
    expect(attribution.scores.reduce((s, x) => s + x.score, 0)).toBe(ATTRIBUTION_TOTAL)
    expect(attribution.scores.every((x) => x.score >= 0)).toBe(true)

    // Every checkpoint's files are in the blob store, where attesters fetch them.
    const blobs = createBlobStore(blobDir(seeded.dir))
    for (const e of events.filter((x) => x.type === 'CheckpointRecorded')) {
      for (const f of dataOf<{ files: { sha256: string }[] }>(e).files) expect(await blobs.has(f.sha256)).toBe(true)
    }

    // Self-reported: the reward map still weighs every contribution 1, and the proposer cannot deploy it.
    expect(new Set(seeded.contributions.map((id) => attributionOf(state.training, seeded.mandateId)(id)))).toEqual(new Set([1n]))
    const final = dataOf<{ finalCheckpoint: string }>(events.find((e) => e.type === 'TrainingCompleted')).finalCheckpoint
    const deploy = { type: 'DeployModel' as const, payload: { jobId, checkpoint: final, operator: keyOf(ALICE), endpoint: 'https://models.example/v1', pricing: { inputPer1k: 1n, outputPer1k: 1n } } }
    expect(await refusedWithoutAppending(seeded.dir, ALICE, deploy)).toBe('checkpoint-not-attested')

    // Two staked validators re-run the evaluation on the published files, agree, and settle it.
    const checks = await attestJob(seeded.dir, jobId)
    expect(checks.map((c) => c.agrees)).toEqual([true, true])
    expect(checks[0]?.attestation.metrics).toEqual(evaluation.metrics)
    const attested = await foldDir(seeded.dir)
    expect(attested.training.jobs.get(jobId)?.attestations.get(final)?.settled).toBe('attested')

    // The reward map now weighs contributions by their attribution instead of 1 each.
    const weigh = attributionOf(attested.training, seeded.mandateId)
    expect(new Set(seeded.contributions.map((id) => weigh(id))).size).toBeGreaterThan(1)
    expect(epochMapOf(attested, seeded.mandateId, attested.governance.genesis?.params.economics as never).data.size).toBeGreaterThanOrEqual(0)

    expect(lines(lineage).map((l) => l.eventType)).toEqual(['START', 'COMPLETE'])
    // Valid against the official schema and each facet's; the output is the final checkpoint, the input the sealed version's root.
    const validate = openLineageValidator()
    for (const line of lines(lineage)) expect(validate(line)).toEqual([])
    const complete = lines(lineage)[1] as { inputs: { facets: Record<string, Record<string, unknown>> }[]; outputs: { facets: Record<string, Record<string, unknown>> }[]; run: { facets: Record<string, Record<string, unknown>> } }
    expect(complete.outputs[0]?.facets.modelLedger_checkpoint?.root).toBe(final)
    expect(complete.inputs[0]?.facets.modelLedger_datasetVersion?.merkleRoot).toBe(state.training.jobs.get(jobId)?.datasetRoot)
    expect(complete.run.facets.modelLedger_trainingManifest?.manifestHash).toBe(state.training.jobs.get(jobId)?.manifestHash)
  })

  it('lets exactly one of two racing trainers claim a job', async () => {
    const jobId = await requestTraining(seeded.dir, seeded.mandateId, { ...HP, epochs: 2 }, 'reference', 11)
    const a = await openTrainer(seeded.dir, 'trainer-a')
    const b = await openTrainer(seeded.dir, 'trainer-b')
    await Promise.all([a.trainer, b.trainer].map(async (t) => t.runOnce().catch(() => undefined)))
    const job = (await a.deps.ledger.state()).training.jobs.get(jobId)
    // Both registered; now race runJob itself on the requested job, as two machines would.
    const jobId2 = await requestTraining(seeded.dir, seeded.mandateId, { ...HP, epochs: 2 }, 'reference', 12)
    const requested = (await a.deps.ledger.state()).training.jobs.get(jobId2)
    const outcomes = await Promise.all([runJob(requested as never, referenceExecutor, a.deps), runJob(requested as never, referenceExecutor, b.deps)])
    await a.close()
    await b.close()
    expect(job?.status).toBe('completed')
    expect(outcomes.sort()).toEqual(['completed', 'lost-claim'])
    const claims = ofJob(await logOf(seeded.dir), jobId2).filter((e) => e.type === 'TrainingJobClaimed')
    expect(claims).toHaveLength(1)
  })

  it('fails a job whose blob was tampered with, and trains nothing', async () => {
    const s = await seedDataDir(syntheticItems(6))
    dirs.push(s.dir)
    const blobRoot = join(s.dir, 'blobs')
    const fan = readdirSync(blobRoot).filter((n) => n.length === 2)[0] as string
    const name = readdirSync(join(blobRoot, fan))[0] as string
    writeFileSync(join(blobRoot, fan, name), 'tampered bytes')
    const jobId = await requestTraining(s.dir, s.mandateId, HP)
    const lineage = join(s.dir, 'lineage.jsonl')
    const t = await openTrainer(s.dir, 'trainer-a', new Map(), lineage)
    expect(await t.trainer.runOnce()).toEqual(new Map([[jobId, 'failed']]))
    await t.close()
    const events = ofJob(await logOf(s.dir), jobId)
    expect(events.map((e) => e.type)).toEqual(['TrainingRequested', 'TrainingJobClaimed', 'TrainingFailed'])
    expect(dataOf<{ reason: string }>(events[2]).reason).toMatch(/^dataset refused: blob/)
    expect(lines(lineage).map((l) => l.eventType)).toEqual(['START', 'FAIL'])
    for (const line of lines(lineage)) expect(openLineageValidator()(line)).toEqual([])
  })
})
