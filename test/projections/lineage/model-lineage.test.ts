/**
 * Lineage from the model side, through the CLI commands over a real SQLite ledger: a deployment
 * traced to exactly the accepted contributions of its training dataset, with the served
 * checkpoints (rollback included), the job's configuration, the mandate and vote, reward and fee
 * payouts, every item proven; tampered reports refused; reverse lineage reaching jobs, checkpoints
 * and deployments; ids of checkpoints, jobs and mandates resolved; HTML and datasheet.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lineageCommand, verifyReportCommand } from '../../../api/cli/commands/lineage.js'
import { CommandFailed, UsageError } from '../../../api/cli/io.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { textHash } from '../../../domain/economy/hash.js'
import type { LineageNode } from '../../../projections/lineage/graph.js'
import { reportEvents, type LineageReport } from '../../../projections/lineage/report.js'
import { ledgerSigner } from '../../infrastructure/command-handler-support.js'
import { captureCli } from '../../support/cli.js'
import { tempDir } from '../support.js'
import { contentOf, NOTES, openDriver, tellStory, type Story } from '../story.js'

const { dir, cleanup } = tempDir('model-lineage-')
const key = toHex(ledgerSigner.publicKey)
let story: Story

beforeAll(async () => {
  const d = await openDriver(join(dir, 'ledger.db'), 10)
  story = await tellStory(d)
  await d.store.close() // seals the last anchor: every event gets a proof
}, 60_000)
afterAll(cleanup)

const cli = (command: typeof lineageCommand, ...argv: string[]): Promise<{ code: number; out: string; err: string }> => captureCli(command, argv)

async function lineage(...target: string[]): Promise<LineageReport> {
  const result = await cli(lineageCommand, '--data', dir, ...target)
  expect(result.code).toBe(0)
  expect(result.err).toBe('')
  return JSON.parse(result.out) as LineageReport
}

async function verify(report: unknown, name: string): Promise<{ code: number; out: string }> {
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify(report))
  return cli(verifyReportCommand, file, '--key', key)
}

const ofKind = (report: LineageReport, kind: LineageNode['kind']) => report.graph.nodes.filter((n) => n.kind === kind)
const idOf = (node: LineageNode) => node.id.slice(node.id.lastIndexOf(':') + 1)

describe('lineage of a deployment', () => {
  let report: LineageReport

  beforeAll(async () => {
    report = await lineage(story.deploymentId)
  })

  it('lists exactly the accepted contributions of the training dataset, with licence, verdicts, attribution and revocation', () => {
    expect(report.graph.target).toEqual({ kind: 'deployment', deploymentId: story.deploymentId })
    const contributions = ofKind(report, 'contribution')
    expect(contributions.map(idOf).sort()).toEqual([...story.inVersion].sort())
    for (const c of contributions) {
      expect(c.facts).toMatchObject({ outcome: 'accepted', licence: expect.stringMatching(/^(CC-BY-4\.0|MIT)$/), verdicts: expect.stringContaining('accept'), attribution: expect.stringMatching(/=\d+$/) })
      expect(c.facts.revoked).toBe(idOf(c) === story.revoked)
    }
    const [version] = ofKind(report, 'dataset-version')
    const [job] = ofKind(report, 'training-job')
    expect(version?.facts.root).toBe(job?.facts.datasetRoot)
  })

  it('walks deployment → served checkpoints → job → data, and up to the mandate, the vote and the payouts', () => {
    expect(ofKind(report, 'training-job').map(idOf)).toEqual([story.jobId])
    expect(ofKind(report, 'training-job')[0]?.facts).toMatchObject({ executor: 'reference', seed: 7, manifestHash: textHash('manifest'), hyperparameters: '{"epochs":2,"lr":0.1,"optimizer":"sgd"}', status: 'completed' })
    expect(ofKind(report, 'checkpoint').map((n) => n.facts.root)).toEqual([...story.checkpoints])
    const [deployment] = ofKind(report, 'deployment')
    expect(deployment?.facts).toMatchObject({ status: 'retired', serving: story.checkpoints[0], rollbacks: expect.stringContaining('summaries regressed') })
    const served = report.graph.edges.filter((e) => e.from === deployment?.id).map((e) => e.relation).sort()
    expect(served).toEqual(['metered in', `served #${story.marks.deployed}–#${story.marks.rolledBack}`, `served #${story.marks.rolledBack}–#${story.marks.retired}`])
    expect(report.graph.nodes.map((n) => n.kind)).toEqual(expect.arrayContaining(['proposal', 'mandate', 'datanet', 'reward-epoch', 'usage']))
    const [usage] = ofKind(report, 'usage')
    const recorded = reportEvents(report).filter((e) => e.type === 'UsageRecorded').map((e) => e.sequence)
    expect(recorded).toHaveLength(3)
    expect(usage?.evidence.filter((s) => recorded.includes(s))).toEqual(recorded)
    expect(usage?.facts).toMatchObject({ batches: 3, requests: 4 })
  })

  it('carries every stream an item rests on, whole, each event with its inclusion proof, and verify-report accepts it', async () => {
    const events = reportEvents(report)
    const bySequence = new Map(events.map((e) => [e.sequence, e]))
    for (const node of report.graph.nodes) for (const s of node.evidence) expect(bySequence.has(s), `${node.id} cites #${s}`).toBe(true)
    const cited = new Set(report.graph.nodes.flatMap((n) => n.evidence.map((s) => bySequence.get(s)?.stream)))
    expect(new Set(report.streams.map((s) => s.stream))).toEqual(cited)
    for (const s of report.streams) expect(s.events.map((e) => e.event.streamVersion), s.stream).toEqual(Array.from({ length: s.version }, (_, i) => i + 1))
    // Whole streams: the deployment's grant events are carried though no node cites them.
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['AccessGranted', 'ProposalQueued']))
    expect(report.head.type).toBe('LedgerAnchored')
    const types = (node: LineageNode | undefined) => new Set(node?.evidence.map((s) => bySequence.get(s)?.type))
    // The withdrawal of Eve's note reached the checkpoint the deployment served then: the flag is evidence too.
    expect(types(ofKind(report, 'deployment')[0])).toEqual(new Set(['ModelDeployed', 'DeploymentRolledBack', 'DeploymentRetired', 'IdentityRegistered', 'ConsentWithdrawalFlagged']))
    expect(ofKind(report, 'deployment')[0]?.facts).toMatchObject({ consent: 'revoked', withdrawn: story.revoked })
    const checked = await verify(report, 'deployment')
    expect(checked.out).toMatch(new RegExp(`^OK: ${report.streams.length} streams whole at checkpoint #${report.head.sequence} \\(tree size ${report.head.sequence - 1}\\) signed by ${key}, ${events.length} events`))
    expect(checked.code).toBe(0)
  })

  it('fails verify-report once tampered with', async () => {
    const copy = (): LineageReport => JSON.parse(JSON.stringify(report)) as LineageReport
    const servingOther = copy()
    const node = servingOther.graph.nodes.find((n) => n.kind === 'deployment') as { facts: Record<string, unknown> }
    node.facts.serving = story.checkpoints[1]
    const hidden = copy()
    const dropped = story.inVersion[0] as string
    Object.assign(hidden.graph, { nodes: hidden.graph.nodes.filter((n) => !n.id.endsWith(dropped)), edges: hidden.graph.edges.filter((e) => !e.to.endsWith(dropped)) })
    const unproven = copy()
    for (const s of unproven.streams) Object.assign(s, { events: s.events.filter((e) => e.event.type !== 'DeploymentRolledBack') })
    const reseeded = copy()
    const request = reportEvents(reseeded).find((e) => e.type === 'TrainingRequested') as unknown as { data: { seed: number } }
    request.data.seed = 8
    for (const [name, tampered, reason] of [
      ['serving', servingOther, /not the graph its events give/],
      ['hidden', hidden, /not the graph its events give/],
      ['unproven', unproven, /the checkpoint says it has \d+ events; the report carries/],
      ['reseeded', reseeded, /hash does not match the envelope contents/],
    ] as const) {
      const checked = await verify(tampered, name)
      expect(checked.code, name).toBe(1)
      expect(checked.out, name).toMatch(/^FAILED: /)
      expect(checked.out, name).toMatch(reason)
    }
  })
})

describe('lineage from other starting points', () => {
  it('reverse lineage lists every dataset version, job, checkpoint and deployment that used a contribution', async () => {
    const used = await lineage('--contribution', contentOf(NOTES.one))
    expect(ofKind(used, 'dataset-version')).toHaveLength(1)
    expect(ofKind(used, 'training-job').map(idOf).sort()).toEqual([story.jobId, story.failedJobId].sort())
    expect(ofKind(used, 'checkpoint').map((n) => n.facts.root)).toEqual([...story.checkpoints])
    expect(ofKind(used, 'deployment').map(idOf)).toEqual([story.deploymentId])
    expect((await verify(used, 'reverse')).code).toBe(0)
    const late = await lineage('--contribution', contentOf(NOTES.five))
    expect(late.graph.nodes.filter((n) => ['dataset-version', 'training-job', 'checkpoint', 'deployment'].includes(n.kind))).toEqual([])
  })

  it('resolves a checkpoint root, a training job and a mandate id; refuses unknown and malformed ids', async () => {
    const checkpoint = await lineage(story.checkpoints[0])
    expect(checkpoint.graph.target).toEqual({ kind: 'checkpoint', root: story.checkpoints[0] })
    expect(ofKind(checkpoint, 'deployment').map(idOf)).toEqual([story.deploymentId])
    expect(ofKind(checkpoint, 'contribution').map(idOf).sort()).toEqual([...story.inVersion].sort())
    const job = await lineage(story.failedJobId)
    expect(job.graph.target).toEqual({ kind: 'training-job', jobId: story.failedJobId })
    expect(ofKind(job, 'training-job')[0]?.facts).toMatchObject({ status: 'failed', failure: 'out of memory', checkpoints: 0 })
    const model = await lineage(story.mandateId)
    expect(model.graph.target).toEqual({ kind: 'mandate', mandateId: story.mandateId })
    expect(ofKind(model, 'training-job')).toHaveLength(2)
    expect(ofKind(model, 'deployment')).toHaveLength(1)
    for (const [name, r] of [['checkpoint', checkpoint], ['job', job], ['model', model]] as const) expect((await verify(r, name)).code, name).toBe(0)
    await expect(cli(lineageCommand, '--data', dir, 'ab'.repeat(32))).rejects.toBeInstanceOf(CommandFailed)
    await expect(cli(lineageCommand, '--data', dir, 'not-an-id')).rejects.toBeInstanceOf(UsageError)
    await expect(cli(lineageCommand, '--data', dir, story.deploymentId, '--mandate', story.mandateId)).rejects.toBeInstanceOf(UsageError)
  })

  it('draws the model side in the HTML diagram and describes it in the datasheet', async () => {
    const html = (await cli(lineageCommand, '--data', dir, story.deploymentId, '--format', 'html')).out
    expect(html).toMatch(/^<!doctype html>/)
    for (const kind of ['deployment', 'checkpoint', 'training-job', 'usage', 'contribution']) expect(html).toContain(`>${kind} · #`)
    expect(html).toMatch(/as of checkpoint #\d+ \(tree size \d+\) · \d+ streams, whole, \d+ events, each with its inclusion proof/)
    const sheet = (await cli(lineageCommand, '--data', dir, story.deploymentId, '--format', 'datasheet')).out
    expect(sheet).toContain('## Use in training and deployment')
    expect(sheet).toContain('summaries regressed')
    expect(sheet).toMatch(/as of checkpoint #\d+ \(tree size \d+\)/)
  })
})
