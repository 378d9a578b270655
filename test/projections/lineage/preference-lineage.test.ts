/**
 * Lineage of an aligned model: a DPO job's graph reaches the preference dataset version it trained
 * on ("aligned on"), which names its round, raters and the checkpoint whose outputs were rated
 * ("rated outputs of", back to the SFT job), and the checkpoint it was fine-tuned from ("fine-tuned from",
 * its `baseModel`). The report carries the preference and round streams
 * whole, verify-report accepts it, and a changed fact of the preference version is refused.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lineageCommand, verifyReportCommand } from '../../../api/cli/commands/lineage.js'
import { commitmentOf } from '../../../domain/alignment/commitment.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { textHash } from '../../../domain/economy/hash.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { checkpointRoot } from '../../../domain/training/checkpoint.js'
import { reportEvents, type LineageReport } from '../../../projections/lineage/report.js'
import { DAY } from '../../domain/governance/fixtures.js'
import { keyOf, ledgerSigner } from '../../infrastructure/command-handler-support.js'
import { ALICE, BOB, CAROL, DAVE, openDriver, trainedModel, type Trained } from '../story.js'
import { captureCli } from '../../support/cli.js'
import { tempDir } from '../support.js'

const { dir, cleanup } = tempDir('preference-lineage-')
const key = toHex(ledgerSigner.publicKey)
let trained: Trained
let roundId: string
let dpoJobId: string
let dpoRoot: string

beforeAll(async () => {
  const d = await openDriver(join(dir, 'ledger.db'), 10)
  trained = await trainedModel(d)
  const { mandateId, jobId, checkpoints } = trained
  // A round on the SFT job's final checkpoint: two generated outputs of one prompt.
  const generation = { seed: 1, temperature: 1000, topP: 1000, maxTokens: 16 }
  const samples = [
    { promptHash: textHash('prompt'), outputHash: textHash('cardio'), generation },
    { promptHash: textHash('prompt'), outputHash: textHash('resp'), generation: { ...generation, seed: 2 } },
  ]
  roundId = await d.run(ALICE, { type: 'OpenFeedbackRound', payload: { mandateId, checkpoint: checkpoints[1], samples, rewardPool: tokens(100) } })
  const salt = '5a'.repeat(16)
  const scores = [7, 1]
  for (const v of [BOB, CAROL]) await d.run(v, { type: 'CommitRatings', payload: { roundId, commitment: commitmentOf(roundId, keyOf(v), scores, salt) } })
  d.clock.advance(DAY)
  for (const v of [BOB, CAROL]) await d.run(v, { type: 'RevealRatings', payload: { roundId, scores, salt } })
  d.clock.advance(DAY)
  await d.run(DAVE, { type: 'CloseFeedbackRound', payload: { roundId } })
  // The DPO job on preference version 1, its base the rated checkpoint.
  dpoJobId = await d.run(ALICE, {
    type: 'RequestTraining',
    payload: { mandateId, datasetVersion: 1, baseModel: `checkpoint:${checkpoints[1]}`, executor: 'process:torch-lm', hyperparameters: { mode: 'dpo', preferenceVersion: 1, steps: 10 }, seed: 7 },
  })
  await d.run(DAVE, { type: 'ClaimTrainingJob', payload: { jobId: dpoJobId, leaseMs: 600_000, manifestHash: textHash('dpo manifest') } })
  const files = [{ path: 'weights.bin', sha256: textHash('dpo weights'), bytes: 4096 }]
  dpoRoot = checkpointRoot(files)
  await d.run(DAVE, { type: 'RecordCheckpoint', payload: { jobId: dpoJobId, step: 10, files, root: dpoRoot, metrics: { loss: 0.5 } } })
  expect(jobId).not.toBe(dpoJobId)
  await d.store.close()
}, 60_000)
afterAll(cleanup)

const cli = (command: typeof lineageCommand, ...argv: string[]): Promise<{ code: number; out: string; err: string }> => captureCli(command, argv)

describe('lineage of a DPO job', () => {
  let report: LineageReport
  beforeAll(async () => {
    const result = await cli(lineageCommand, '--data', dir, dpoJobId)
    expect(result.code, result.err).toBe(0)
    report = JSON.parse(result.out) as LineageReport
  })

  it('cites the preference version it trained on, and that version the checkpoint whose outputs were rated', () => {
    const pref = `preferences:${trained.mandateId}:1`
    expect(report.graph.edges).toContainEqual({ from: `job:${dpoJobId}`, to: pref, relation: 'aligned on' })
    expect(report.graph.edges).toContainEqual({ from: pref, to: `checkpoint:${trained.jobId}:${trained.checkpoints[1]}`, relation: 'rated outputs of' })
    expect(report.graph.edges).toContainEqual({ from: `checkpoint:${trained.jobId}:${trained.checkpoints[1]}`, to: `job:${trained.jobId}`, relation: 'produced by' })
    // Its base model, named as checkpoint:<root>: the same checkpoint, so the base's own data is in the graph too.
    expect(report.graph.edges).toContainEqual({ from: `job:${dpoJobId}`, to: `checkpoint:${trained.jobId}:${trained.checkpoints[1]}`, relation: 'fine-tuned from' })
    expect(report.graph.edges.filter((e) => e.relation === 'fine-tuned from')).toHaveLength(1)
    const node = report.graph.nodes.find((n) => n.id === pref)
    expect(node?.kind).toBe('preference-version')
    expect(node?.facts).toMatchObject({ version: 1, roundId, samples: 2, generatedSamples: 2, checkpoint: trained.checkpoints[1], raters: expect.stringContaining(', ') })
    const types = new Set(node?.evidence.map((s) => reportEvents(report).find((e) => e.sequence === s)?.type))
    expect(types).toEqual(new Set(['PreferenceDatasetVersioned', 'FeedbackRoundOpened', 'IdentityRegistered']))
  })

  it('carries the round and preference streams whole, verifies, and refuses a changed preference fact', async () => {
    const streams = report.streams.map((s) => s.stream)
    expect(streams).toEqual(expect.arrayContaining([`preferences-${trained.mandateId}`, `round-${roundId}`]))
    const file = join(dir, 'dpo.json')
    writeFileSync(file, JSON.stringify(report))
    const ok = await cli(verifyReportCommand, file, '--key', key)
    expect(ok.out).toMatch(/^OK: /)
    expect(ok.code).toBe(0)
    const tampered = JSON.parse(JSON.stringify(report)) as LineageReport
    const node = tampered.graph.nodes.find((n) => n.kind === 'preference-version') as { facts: Record<string, unknown> }
    node.facts.checkpoint = trained.checkpoints[0]
    writeFileSync(file, JSON.stringify(tampered))
    const bad = await cli(verifyReportCommand, file, '--key', key)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/^FAILED: .*not the graph its events give/)
  })

  it('a job without a preference version has no such edge', () => {
    expect(report.graph.edges.filter((e) => e.relation === 'aligned on').map((e) => e.from)).toEqual([`job:${dpoJobId}`])
  })
})
