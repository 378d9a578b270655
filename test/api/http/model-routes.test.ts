/**
 * The query routes of training jobs, the model registry, deployments and usage, and the lineage
 * routes from the model side, over a real server on a ledger holding a model's whole life: answers
 * decode with the row codecs the OpenAPI document is generated from, `?at=` answers as of a sequence
 * (the checkpoint served before and after the rollback), paging follows the cursor, ETags
 * revalidate, unknown ids are 404 and malformed ones 400; lineage JSON verifies offline.
 */
import { isRight } from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import * as wire from '../../../api/http/wire.js'
import { createClient, type LedgerClient } from '../../../api/sdk/index.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { buildLineageReport, verifyLineageReport } from '../../../projections/lineage/report.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { cmd as gov } from '../../domain/governance/fixtures.js'
import { ALICE, openDriver, tellStory, type Driver, type Story } from '../../projections/story.js'

let d: Driver
let story: Story
let server: RunningServer
let client: LedgerClient
let head: number

beforeAll(async () => {
  d = await openDriver(undefined, 1000)
  story = await tellStory(d)
  await d.store.sealAnchor()
  head = await d.head()
  server = await startServer({ store: d.store, clock: d.clock, logger: pino({ level: 'silent' }) })
  client = createClient({ baseUrl: server.url })
}, 60_000)
afterAll(async () => {
  await server.close()
  await d.store.close()
})

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${server.url}${path}`, { headers })

function decodes(codec: t.Mixed, value: unknown): void {
  expect(isRight(codec.decode(value)), `${codec.name} decodes ${JSON.stringify(value).slice(0, 200)}`).toBe(true)
}

async function expectProblem(path: string, status: number): Promise<void> {
  const response = await get(path)
  expect(response.status, path).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
}

describe('training job routes', () => {
  it('GET /v1/jobs, /v1/jobs/{id} and its checkpoints, evaluations and attribution', async () => {
    const jobs = await client.jobs({ after: head })
    decodes(wire.JobPageC, jobs)
    expect(jobs.items.map((j) => j.id).sort()).toEqual([story.jobId, story.failedJobId].sort())
    const job = await client.job(story.jobId)
    expect(job).toMatchObject({ status: 'completed', seed: 7, datasetVersion: 1, checkpoints: [{ root: story.checkpoints[0] }, { root: story.checkpoints[1] }] })
    const checkpoints = await client.checkpoints(story.jobId)
    decodes(wire.CheckpointPageC, checkpoints)
    expect(checkpoints.items.map((k) => k.root)).toEqual([...story.checkpoints])
    const evaluations = await client.evaluations(story.jobId)
    decodes(wire.EvaluationPageC, evaluations)
    expect(evaluations.items.map((e) => [e.checkpoint, e.passed])).toEqual([[story.checkpoints[0], true], [story.checkpoints[1], true]])
    const attribution = await client.attribution(story.jobId)
    decodes(wire.AttributionRowC, attribution)
    expect(attribution).toMatchObject({ scores: 3, total: 1_000_000 })
    expect((await client.checkpoints(story.failedJobId)).items).toEqual([])
    await expectProblem(`/v1/jobs/${'ab'.repeat(32)}`, 404)
    await expectProblem(`/v1/jobs/${'ab'.repeat(32)}/checkpoints`, 404)
    await expectProblem(`/v1/jobs/${story.failedJobId}/attribution`, 404)
    await expectProblem('/v1/jobs/nothex/evaluations', 400)
  })
})

describe('model registry routes', () => {
  it('GET /v1/models and /v1/models/{id}: the model with its versions, jobs, checkpoints, evaluations and deployments', async () => {
    const models = await client.models({ after: head })
    decodes(wire.ModelPageC, models)
    expect(models.items.map((m) => m.mandateId)).toEqual([story.mandateId])
    const model = await client.model(story.mandateId)
    expect(model.versions[0]?.jobs.map((j) => j.jobId)).toEqual([story.jobId, story.failedJobId])
    expect(model.deployments).toEqual([expect.objectContaining({ deploymentId: story.deploymentId, status: 'retired', checkpoint: story.checkpoints[0] })])
    await expectProblem(`/v1/models/${'cd'.repeat(32)}`, 404)
  })

  it('GET /v1/models/{id}/history pages through every change, and as of a sequence holds only the changes until then', async () => {
    const changes: string[] = []
    let cursor: string | undefined
    do {
      const page = await client.modelHistory(story.mandateId, { limit: 5, ...(cursor === undefined ? {} : { cursor }) })
      decodes(wire.HistoryPageC, page)
      expect(page.items.length).toBeLessThanOrEqual(5)
      changes.push(...page.items.map((h) => h.change))
      cursor = page.next ?? undefined
    } while (cursor !== undefined)
    expect(changes).toHaveLength(18)
    expect(changes.slice(-6)).toEqual(['deployed', 'access-granted', 'rolled-back', 'consent-withdrawn', 'access-revoked', 'retired'])
    const then = await client.modelHistory(story.mandateId, { at: story.marks.deployed, limit: 100 })
    expect(then.checkpoint).toBe(story.marks.deployed)
    expect(then.items.at(-1)?.change).toBe('deployed')
    await expectProblem(`/v1/models/${'cd'.repeat(32)}/history`, 404)
  })
})

describe('deployment and usage routes', () => {
  it('GET /v1/deployments/{id}: which checkpoint was served, with which data, before and after the rollback', async () => {
    const deployments = await client.deployments({ after: head })
    decodes(wire.DeploymentPageC, deployments)
    expect(deployments.items.map((x) => x.id)).toEqual([story.deploymentId])
    const now = await client.deployment(story.deploymentId)
    expect(now).toMatchObject({ status: 'retired', serving: { checkpoint: story.checkpoints[0], reason: 'summaries regressed' } })
    const response = await get(`/v1/deployments/${story.deploymentId}?at=${story.marks.rolledBack - 1}`)
    expect(response.headers.get('cache-control')).toMatch(/immutable/)
    const before = (await response.json()) as wire.DeploymentJson
    decodes(wire.DeploymentRowC, before)
    expect(before).toMatchObject({ status: 'active', serving: { jobId: story.jobId, checkpoint: story.checkpoints[1], datasetVersion: 1, datasetRoot: now.serving.datasetRoot, until: null } })
    await expectProblem(`/v1/deployments/${story.deploymentId}?at=${story.marks.deployed - 1}`, 404)
    const etag = (await get(`/v1/deployments/${story.deploymentId}?after=${head}`)).headers.get('etag')
    expect(etag).toBeTruthy()
    expect((await get(`/v1/deployments/${story.deploymentId}?after=${head}`, { 'if-none-match': etag ?? '' })).status).toBe(304)
  })

  it('GET /v1/deployments/{id}/usage and its recipients, grants and batches: the split adds up to the charge', async () => {
    const usage = await client.usage(story.deploymentId, { after: head })
    decodes(wire.DeploymentUsageRowC, usage)
    expect(usage).toMatchObject({ batches: 3, requests: 4, duplicates: 1 })
    const recipients = await client.usageRecipients(story.deploymentId)
    decodes(wire.RecipientPageC, recipients)
    const paid = recipients.items.reduce((sum, r) => sum + BigInt(r.total), 0n)
    expect(paid + BigInt(usage.shares.treasury)).toBe(BigInt(usage.charged))
    const grants = await client.usageGrants(story.deploymentId)
    decodes(wire.GrantPageC, grants)
    expect(grants.items).toEqual([expect.objectContaining({ grantId: story.grantId, revoked: true, usedTokens: 10_000 })])
    const batches = await client.usageBatches(story.deploymentId, { limit: 2 })
    decodes(wire.BatchPageC, batches)
    expect(batches.items).toHaveLength(2)
    expect(batches.next).not.toBeNull()
    expect((await client.usage(story.deploymentId, { at: story.marks.rolledBack })).batches).toBe(2)
    await expectProblem(`/v1/deployments/${'ef'.repeat(32)}/usage`, 404)
    await expectProblem(`/v1/deployments/${'ef'.repeat(32)}/usage/recipients`, 404)
    await expectProblem(`/v1/deployments/${story.deploymentId}/usage?at=never`, 400)
  })
})

describe('lineage routes from the model side', () => {
  it('GET /v1/lineage/{id} and /v1/lineage/deployments/{id}: reports that verify offline', async () => {
    const report = await client.lineage(story.deploymentId)
    expect(report.graph.target).toEqual({ kind: 'deployment', deploymentId: story.deploymentId })
    expect(verifyLineageReport(report, d.store.ledgerPublicKey, nativeCrypto)).toMatchObject({ ok: true })
    const same = (await (await get(`/v1/lineage/deployments/${story.deploymentId}`)).json()) as typeof report
    expect(same.graph).toEqual(report.graph)
    for (const [path, kind] of [[`checkpoints/${story.checkpoints[1]}`, 'checkpoint'], [`jobs/${story.jobId}`, 'training-job'], [`models/${story.mandateId}`, 'mandate'], [story.checkpoints[0], 'checkpoint']] as const) {
      const body = (await (await get(`/v1/lineage/${path}`)).json()) as typeof report
      expect(body.graph.target.kind, path).toBe(kind)
    }
    const html = await get(`/v1/lineage/${story.deploymentId}?format=html`)
    expect(html.headers.get('content-type')).toMatch(/text\/html/)
    expect(await html.text()).toContain('deployment · #')
    await expectProblem(`/v1/lineage/${'ab'.repeat(32)}`, 404)
    await expectProblem(`/v1/lineage/deployments/${story.jobId}`, 404)
    await expectProblem('/v1/lineage/zz', 400)
  })

  it('serves the whole-log builder’s bytes from the index it keeps, and moves with each new checkpoint', async () => {
    const query = { kind: 'deployment', deploymentId: story.deploymentId } as const
    const scratch = async () => JSON.parse(JSON.stringify(await buildLineageReport(d.backend, query))) as unknown
    const served = async () => (await (await get(`/v1/lineage/deployments/${story.deploymentId}`)).json()) as { head: { sequence: number } }
    const before = await served()
    expect(before).toEqual(await scratch())
    await d.run(ALICE, gov.wrap(ALICE, tokens(1)))
    const anchor = await d.store.sealAnchor()
    const after = await served()
    expect(after.head.sequence).toBe(anchor?.sequence)
    expect(after.head.sequence).toBeGreaterThan(before.head.sequence)
    expect(after).toEqual(await scratch())
  })

  it('lists the new routes in the OpenAPI document', async () => {
    const document = (await (await get('/openapi.json')).json()) as { paths: Record<string, unknown> }
    for (const path of ['/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/checkpoints', '/v1/jobs/{id}/evaluations', '/v1/models', '/v1/models/{id}', '/v1/models/{id}/history', '/v1/deployments', '/v1/deployments/{id}', '/v1/deployments/{id}/usage', '/v1/lineage/{id}', '/v1/lineage/deployments/{deploymentId}']) {
      expect(Object.keys(document.paths), path).toContain(path)
    }
  })
})
