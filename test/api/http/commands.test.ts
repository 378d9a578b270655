import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, isApiError, keyFromSeed } from '../../../api/sdk/index.js'
import { headOf, openProposal, seedOf, startTestServer, type TestServer } from './support.js'

let t: TestServer
let proposalId: string

beforeAll(async () => {
  t = await startTestServer()
  proposalId = await openProposal(t)
})
afterAll(async () => t.close())

async function post(body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${t.url}/v1/commands`, { method: 'POST', headers: { 'content-type': contentType }, body })
}

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  expect(response.headers.get('x-request-id')).toBeTruthy()
  return (await response.json()) as Record<string, unknown>
}

describe('POST /v1/commands', () => {
  it('appends a signed command: 201 with its sequences, and the same signed command again is 200 with the first result', async () => {
    const signed = t.actors.bob.sign('CastVote', { proposalId, support: 'for' })
    const first = await post(JSON.stringify(signed))
    expect(first.status).toBe(201)
    const body = (await first.json()) as { firstSequence: number; lastSequence: number; sequences: number[]; duplicate: boolean }
    expect(body.duplicate).toBe(false)
    expect(body.sequences[0]).toBe(body.firstSequence)
    const head = await headOf(t)
    const again = await post(JSON.stringify(signed))
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ ...body, duplicate: true })
    expect(await headOf(t)).toBe(head)
  })

  it('refuses another command under a used nonce (409) and appends nothing', async () => {
    const first = await t.actors.carol.send('WrapOpen', { amount: '1' }, { nonce: 'fixed-nonce' })
    expect(first.duplicate).toBe(false)
    const head = await headOf(t)
    const replay = t.actors.carol.sign('WrapOpen', { amount: '2' }, { nonce: 'fixed-nonce' })
    const response = await post(JSON.stringify(replay))
    expect(response.status).toBe(409)
    expect((await problemOf(response)).type).toBe('/problems/nonce-replayed')
    expect(await headOf(t)).toBe(head)
  })

  it('maps each refusal to its problem: 400, 401, 403, 415, 422, 413', async () => {
    const head = await headOf(t)
    const malformed = await post('{"command":1}')
    expect(malformed.status).toBe(400)
    expect((await problemOf(malformed)).type).toBe('/problems/malformed')
    const notJson = await post('{', 'application/json')
    expect(notJson.status).toBe(400)
    const wrongType = await post('{}', 'text/plain')
    expect(wrongType.status).toBe(415)

    const signed = t.actors.bob.sign('WrapOpen', { amount: '5' })
    const forged = { ...signed, command: { ...signed.command, payload: { amount: '6' } } }
    const badSig = await post(JSON.stringify(forged))
    expect(badSig.status).toBe(401)
    expect((await problemOf(badSig)).type).toBe('/problems/bad-signature')

    const notLedger = await t.actors.dave.send('EstablishGenesis', { params: {}, treasuryKey: t.actors.dave.publicKey, treasury: '1', allocations: [] }).catch((e: unknown) => e)
    expect(isApiError(notLedger)).toBe(true)
    if (isApiError(notLedger)) expect([400, 403]).toContain(notLedger.status)

    const vote = await t.actors.bob.send('CastVote', { proposalId, support: 'against' }).catch((e: unknown) => e)
    expect(isApiError(vote, 'domain-rule')).toBe(true)
    if (isApiError(vote)) {
      expect(vote.status).toBe(422)
      expect(vote.code).toBe('already-voted')
    }
    const unknown = await t.actors.bob.send('LaunchRocket', {}).catch((e: unknown) => e)
    expect(isApiError(unknown) && unknown.code === 'unknown-command').toBe(true)

    const huge = await post(JSON.stringify({ command: { pad: 'x'.repeat(300 * 1024) } }))
    expect(huge.status).toBe(413)
    expect((await problemOf(huge)).type).toBe('/problems/too-large')
    expect(await headOf(t)).toBe(head)
  })

  it('answers 403 role-missing when a non-proposer cancels a proposal', async () => {
    const error = await t.actors.dave.send('CancelProposal', { proposalId }).catch((e: unknown) => e)
    expect(isApiError(error)).toBe(true)
    if (isApiError(error)) expect([error.status, error.kind, error.code]).toEqual([403, 'role-missing', 'not-proposer'])
  })

  it('counts exactly one of 50 concurrent double votes', async () => {
    const votes = Array.from({ length: 25 }, () => [
      t.actors.dave.sign('CastVote', { proposalId, support: 'for' }),
      t.actors.dave.sign('CastVote', { proposalId, support: 'against' }),
    ]).flat()
    const head = await headOf(t)
    const responses = await Promise.all(votes.map((signed) => post(JSON.stringify(signed))))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 422)).toHaveLength(49)
    const proposal = await t.client.proposal(proposalId, { after: (await headOf(t)) })
    expect(proposal.voters).toBe(2)
    expect(await headOf(t)).toBe(head + 1)
  })

  it('refuses a command signed for another ledger (422 wrong-ledger), though it is otherwise valid, and appends nothing', async () => {
    const elsewhere = createClient({ baseUrl: t.url, ledger: 'ab'.repeat(32), now: () => new Date(t.clock.now()) })
    const carol = elsewhere.actor(keyFromSeed(seedOf(12)))
    const head = await headOf(t)
    const response = await post(JSON.stringify(carol.sign('WrapOpen', { amount: '1' })))
    expect(response.status).toBe(422)
    const problem = await problemOf(response)
    expect(problem.type).toBe('/problems/wrong-ledger')
    expect(problem.code).toBe('wrong-ledger')
    expect(await headOf(t)).toBe(head)
  })

  it('refuses a command dated outside the genesis command window: stale (an old refused command re-posted) and from the future', async () => {
    const head = await headOf(t)
    const now = t.clock.now()
    const stale = t.actors.carol.sign('WrapOpen', { amount: '1' }, { issuedAt: new Date(now - 60 * 60 * 1000 - 1) })
    const staleAnswer = await post(JSON.stringify(stale))
    expect(staleAnswer.status).toBe(422)
    expect((await problemOf(staleAnswer)).code).toBe('command-expired')
    const future = t.actors.carol.sign('WrapOpen', { amount: '1' }, { issuedAt: new Date(now + 2 * 60 * 1000 + 1) })
    const futureAnswer = await post(JSON.stringify(future))
    expect((await problemOf(futureAnswer)).code).toBe('command-from-future')
    expect(await headOf(t)).toBe(head)
    // At the edges of the window the command is decided.
    const edge = await post(JSON.stringify(t.actors.carol.sign('WrapOpen', { amount: '1' }, { issuedAt: new Date(now - 60 * 60 * 1000) })))
    expect(edge.status).toBe(201)
  })

  it('answers a body nested 100,000 deep with 400 malformed, not a crash, and appends nothing', async () => {
    const head = await headOf(t)
    for (const body of ['['.repeat(100_000) + ']'.repeat(100_000), `{"command":${'{"a":'.repeat(65)}1${'}'.repeat(65)},"signature":"00"}`]) {
      const response = await post(body)
      expect(response.status).toBe(400)
      const problem = await problemOf(response)
      expect(problem.type).toBe('/problems/malformed')
      expect(String(problem.detail)).toMatch(/nests .* levels deep/)
    }
    // Depth inside strings does not count.
    const inString = await post(JSON.stringify({ command: { type: 'WrapOpen', payload: { memo: '['.repeat(1000) } }, signature: '00' }))
    expect(inString.status).toBe(400)
    expect(String((await problemOf(inString)).detail)).not.toMatch(/levels deep/)
    expect(await headOf(t)).toBe(head)
  })

  it('answers a point in time outside its domain with 400', async () => {
    for (const at of ['-1', '1e30', '0', '2099-02-30T00:00:00.000Z', '99999999999999999999']) {
      const response = await fetch(`${t.url}/v1/accounts?at=${encodeURIComponent(at)}`)
      expect(response.status, at).toBe(400)
      expect((await problemOf(response)).type).toBe('/problems/malformed')
    }
  })
})
