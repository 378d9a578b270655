/** Hostile and malformed bodies: every one gets a 4xx problem+json and the log does not move. */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { headOf, openProposal, startTestServer, type TestServer } from './support.js'

let t: TestServer
let valid: Record<string, unknown>

beforeAll(async () => {
  t = await startTestServer({ perIp: { perSecond: Infinity, burst: Infinity }, perActor: { perSecond: Infinity, burst: Infinity } })
  const proposalId = await openProposal(t)
  valid = t.actors.carol.sign('CastVote', { proposalId, support: 'for' }) as unknown as Record<string, unknown>
})
afterAll(async () => t.close())

/** A valid signed command with one part replaced: every change breaks either its shape or its signature. */
const mutated = fc.oneof(
  fc.record({ path: fc.constantFrom('command', 'signature', 'command.type', 'command.payload', 'command.actor', 'command.nonce', 'command.issuedAt', 'extra'), value: fc.jsonValue() }).map(({ path, value }) => {
    const copy = JSON.parse(JSON.stringify(valid)) as Record<string, Record<string, unknown>>
    const [a, b] = path.split('.') as [string, string | undefined]
    if (b === undefined) (copy as Record<string, unknown>)[a] = value
    else if (copy.command !== undefined) copy.command[b] = value
    return JSON.stringify(copy)
  }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constantFrom('{"__proto__":{"admin":true}}', '{"command":{"constructor":{"prototype":{}}}}', '[]', 'null', '1e999', '{"a":' + '['.repeat(5000)),
)

describe('fuzz POST /v1/commands', () => {
  it('answers 4xx problem+json to hostile bodies and appends nothing', async () => {
    const head = await headOf(t)
    await fc.assert(
      fc.asyncProperty(mutated, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (body, type) => {
        const response = await fetch(`${t.url}/v1/commands`, { method: 'POST', headers: { 'content-type': type }, body })
        expect(response.status).toBeGreaterThanOrEqual(400)
        expect(response.status).toBeLessThan(500)
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
        const problem = (await response.json()) as { type: string; detail: string }
        expect(problem.type).toMatch(/^\/problems\//)
        expect(problem.detail).not.toMatch(/\n\s+at /)
      }),
      { numRuns: 150 },
    )
    expect(await headOf(t)).toBe(head)
  })
})
