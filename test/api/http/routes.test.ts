/** Every read route's success and error paths: audit, queries with ?at=, paging and ETags, blobs, operations. */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkInclusionProof } from '../../../domain/ledger/proof.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { isApiError } from '../../../api/sdk/index.js'
import { headOf, openProposal, startTestServer, type TestServer } from './support.js'

let t: TestServer
let proposalId: string

beforeAll(async () => {
  t = await startTestServer()
  proposalId = await openProposal(t)
  await t.actors.bob.governance({ type: 'CastVote', payload: { proposalId, support: 'for' } })
})
afterAll(async () => t.close())

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${t.url}${path}`, { headers })

async function expectProblem(path: string, status: number, kind: string): Promise<void> {
  const response = await get(path)
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const body = (await response.json()) as { type: string; requestId: string }
  expect(body.type).toBe(`/problems/${kind}`)
  expect(body.requestId).toBe(response.headers.get('x-request-id'))
}

describe('audit routes', () => {
  it('GET /v1/ledger, /v1/events, /v1/events/{n}, /v1/commands/{hash}', async () => {
    const info = await t.client.ledger()
    expect(info.publicKey).toBe(t.store.ledgerPublicKey)
    expect(info.head.sequence).toBe(await headOf(t))
    const page = await t.client.events({ from: 2, limit: 3 })
    expect(page.events.map((e) => e.sequence)).toEqual([2, 3, 4])
    expect(page.next).toBe(5)
    const event = await t.client.event(1)
    expect(event.type).toBe('GenesisEstablished')
    if (event.cause.kind !== 'command') throw new Error('genesis is a command')
    const signed = await t.client.command(event.cause.commandHash)
    expect(signed.command.type).toBe('EstablishGenesis')
    await expectProblem('/v1/events/999999', 404, 'not-found')
    await expectProblem('/v1/events?limit=5000', 400, 'malformed')
    await expectProblem('/v1/events?from=abc', 400, 'malformed')
    await expectProblem(`/v1/commands/${'0'.repeat(64)}`, 404, 'not-found')
    await expectProblem('/v1/commands/xyz', 400, 'malformed')
  })

  it('GET /v1/anchors and /v1/proofs/{n}: a proof checks offline against the ledger key', async () => {
    await expectProblem('/v1/proofs/1', 404, 'not-found')
    await t.store.sealAnchor()
    const anchors = await t.client.anchors()
    expect(anchors.anchors).toHaveLength(1)
    const proof = await t.client.proof(3)
    expect(checkInclusionProof(proof, t.store.ledgerPublicKey, nativeCrypto)).toMatchObject({ ok: true, sequence: 3 })
    await expectProblem('/v1/proofs/0', 400, 'malformed')
  })
})

describe('queries', () => {
  it('accounts, treasury, proposals, votes, mandates with ?after= read-your-writes', async () => {
    const head = await headOf(t)
    const bob = await t.client.account(t.actors.bob.publicKey, { after: head })
    expect(bob.gopen).toBe('20000000000000000000000')
    expect((await t.client.treasury()).kind).toBe('treasury')
    const proposal = await t.client.proposal(proposalId)
    expect(proposal.voters).toBe(1)
    const votes = await t.client.votes(proposalId)
    expect(votes.items.map((v) => v.voter)).toEqual([t.actors.bob.publicKey])
    expect((await t.client.mandates()).items).toEqual([])
    await expectProblem(`/v1/accounts/${'ab'.repeat(32)}`, 404, 'not-found')
    await expectProblem('/v1/accounts/nothex', 400, 'malformed')
    await expectProblem(`/v1/mandates/${'ab'.repeat(32)}`, 404, 'not-found')
  })

  it('answers ?at= a sequence or a time as the log stood then, cacheable for good', async () => {
    const before = await t.client.account(t.actors.bob.publicKey, { at: 1 })
    expect(before.gopen).toBe('0')
    const response = await get(`/v1/accounts/${t.actors.bob.publicKey}?at=1`)
    expect(response.headers.get('cache-control')).toMatch(/immutable/)
    expect(response.headers.get('x-ledger-checkpoint')).toBe('1')
    const atGenesis = await t.client.accounts({ at: '2026-01-01T00:00:00.000Z' })
    expect(atGenesis.items.length).toBeGreaterThan(0)
    const beforeAll = await t.client.accounts({ at: '2025-01-01T00:00:00.000Z' })
    expect(beforeAll.items).toEqual([])
    await expectProblem('/v1/accounts?at=yesterday', 400, 'malformed')
  })

  it('pages with an opaque cursor, and ETag revalidation answers 304', async () => {
    const first = await t.client.accounts({ limit: 2 })
    expect(first.items).toHaveLength(2)
    expect(first.next).not.toBeNull()
    const second = await t.client.accounts({ limit: 2, cursor: first.next ?? '' })
    expect(second.items[0]).not.toEqual(first.items[0])
    // Wait until the read models hold the whole log, so that nothing moves between the two reads.
    const caughtUp = `/v1/accounts?limit=2&after=${await headOf(t)}`
    const response = await get(caughtUp)
    const etag = response.headers.get('etag')
    expect(etag).toBeTruthy()
    expect((await get(caughtUp, { 'if-none-match': etag ?? '' })).status).toBe(304)
    await expectProblem('/v1/accounts?cursor=%%%', 400, 'malformed')
  })

  it('lists read models and their rows generically', async () => {
    const models = await t.client.readModels()
    expect(models.readModels.map((m) => m.name)).toEqual(expect.arrayContaining(['ledger', 'accounts', 'proposals', 'mandates']))
    const heads = await t.client.rows('ledger', { prefix: 'head' })
    expect(heads.items).toHaveLength(1)
    expect(await t.client.row('proposals', 'params')).toMatchObject({ kind: 'params' })
    await expectProblem('/v1/read-models/nothing/rows', 404, 'not-found')
  })
})

describe('blobs', () => {
  it('stores by hash, refuses a mismatch and an oversized body, and serves it back', async () => {
    const bytes = new TextEncoder().encode('the content of a contribution')
    const stored = await t.client.putBlob(bytes)
    expect(stored.byteLength).toBe(bytes.length)
    expect(Buffer.from(await t.client.getBlob(stored.hash)).toString()).toBe('the content of a contribution')
    const wrong = await fetch(`${t.url}/v1/blobs/${'0'.repeat(64)}`, { method: 'PUT', body: bytes })
    expect(wrong.status).toBe(422)
    const big = new Uint8Array(1024 * 1024 + 1)
    const tooBig = await fetch(`${t.url}/v1/blobs/${createHash('sha256').update(big).digest('hex')}`, { method: 'PUT', body: big })
    expect(tooBig.status).toBe(413)
    await expectProblem(`/v1/blobs/${'1'.repeat(64)}`, 404, 'not-found')
  })
})

describe('operations', () => {
  it('health, readiness, metrics, security headers, 404 and request ids', async () => {
    expect(await t.client.health()).toMatchObject({ status: 'ok', see: '/readyz' })
    expect((await t.client.ready()).status).toBe('ready')
    const metrics = await (await get('/metrics')).text()
    expect(metrics).toMatch(/model_ledger_commands_appended_total\{vertical="economy"\} \d+/)
    expect(metrics).toMatch(/model_ledger_http_request_duration_seconds_bucket/)
    expect(metrics).toMatch(/model_ledger_projection_lag_events\{projection="accounts"\}/)
    const response = await get('/v1/ledger', { 'x-request-id': 'trace-123' })
    expect(response.headers.get('x-request-id')).toBe('trace-123')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(response.headers.get('x-powered-by')).toBeNull()
    await expectProblem('/v1/nothing', 404, 'not-found')
    const error = await t.client.account('00'.repeat(32)).catch((e: unknown) => e)
    expect(isApiError(error, 'not-found')).toBe(true)
  })

  it('rate-limits per IP with 429 and Retry-After', async () => {
    const limited = await (await import('./support.js')).startTestServer({ perIp: { perSecond: 1, burst: 2 } })
    try {
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.url}/v1/ledger`)).status)
      expect(statuses.slice(0, 2)).toEqual([200, 200])
      const refused = await fetch(`${limited.url}/v1/ledger`)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBeTruthy()
    } finally {
      await limited.close()
    }
  })
})

describe('lineage routes', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer()
  })
  afterAll(() => t.close())

  it('answers before the first checkpoint, an unknown target with 404 and a malformed one with 400, as problem+json', async () => {
    const early = await fetch(`${t.url}/v1/lineage/mandates/${'ab'.repeat(32)}`)
    expect(early.status).toBe(404)
    expect(await early.json()).toMatchObject({ code: 'no-checkpoint', detail: expect.stringMatching(/no checkpoint yet/) })
    await openProposal(t)
    await t.store.sealAnchor()
    const unknown = await fetch(`${t.url}/v1/lineage/mandates/${'ab'.repeat(32)}`)
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/)
    expect(await unknown.json()).toMatchObject({ detail: expect.stringMatching(/^no mandate /) })
    const malformed = await fetch(`${t.url}/v1/lineage/versions/nothex/1`)
    expect(malformed.status).toBe(400)
    const badFormat = await fetch(`${t.url}/v1/lineage/contributions/${'ab'.repeat(32)}?format=pdf`)
    expect(badFormat.status).toBe(400)
  })
})
