/**
 * The command edge (api/http/command-edge.ts) takes POST /v1/commands before express: what express
 * did for the route must hold there too, and every refusal leaves the log as it was.
 */
import { request as httpRequest } from 'node:http'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJsonBody } from '../../../api/http/edge.js'
import { headOf, openProposal, startTestServer, type TestServer } from './support.js'

interface Raw {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

/** One request with exactly these headers and body chunks (no fetch defaults). */
function raw(url: string, path: string, headers: Record<string, string>, chunks: readonly (string | Buffer)[], method = 'POST'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

const problemType = (r: Raw): string => (JSON.parse(r.body) as { type: string }).type

let t: TestServer
let proposalId: string
beforeAll(async () => {
  t = await startTestServer({ commandBytes: 8 * 1024 }, { corsOrigins: ['https://console.example'] })
  proposalId = await openProposal(t)
})
afterAll(async () => t.close())

describe('POST /v1/commands on the edge', () => {
  it('answers with the headers express gave the route: request id (echoed when well formed), security headers, CORS for a listed origin', async () => {
    const signed = t.actors.bob.sign('CastVote', { proposalId, support: 'for' })
    const answer = await raw(t.url, '/v1/commands', { 'content-type': 'application/json', 'x-request-id': 'client-id-1', origin: 'https://console.example' }, [JSON.stringify(signed)])
    expect(answer.status).toBe(201)
    expect(answer.headers['x-request-id']).toBe('client-id-1')
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(answer.headers.location).toMatch(/^\/v1\/commands\/[0-9a-f]{64}$/)
    expect(answer.headers['x-content-type-options']).toBe('nosniff')
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'")
    expect(answer.headers['access-control-allow-origin']).toBe('https://console.example')
    const other = await raw(t.url, '/v1/commands', { 'content-type': 'application/json', 'x-request-id': 'not a valid id!', origin: 'https://evil.example' }, ['{}'])
    expect(other.status).toBe(400)
    expect(other.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(other.headers['access-control-allow-origin']).toBeUndefined()
    expect(other.headers['x-frame-options']).toBe('DENY')
  })

  it('matches the route as express did: any case, a trailing slash, a query; other methods and paths go to express', async () => {
    const head = await headOf(t)
    for (const path of ['/V1/Commands', '/v1/commands/', '/v1/commands?x=1']) {
      const answer = await raw(t.url, path, { 'content-type': 'application/json' }, ['{"command":1}'])
      expect([path, answer.status, problemType(answer)]).toEqual([path, 400, '/problems/malformed'])
      expect((JSON.parse(answer.body) as { instance: string }).instance).toBe(path)
    }
    const put = await raw(t.url, '/v1/commands', { 'content-type': 'application/json' }, ['{}'], 'PUT')
    expect(put.status).toBe(404)
    expect(problemType(put)).toBe('/problems/not-found')
    expect(await headOf(t)).toBe(head)
  })

  it('refuses what it will not decode with 415 and appends nothing: no media type, another type, another charset, a compressed body, no body at all', async () => {
    const head = await headOf(t)
    const signed = JSON.stringify(t.actors.carol.sign('WrapOpen', { amount: '1' }))
    const cases: [Record<string, string>, (string | Buffer)[]][] = [
      [{}, [signed]],
      [{ 'content-type': 'text/plain' }, [signed]],
      [{ 'content-type': 'application/json; charset=latin1' }, [signed]],
      [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, [gzipSync(signed)]],
    ]
    for (const [headers, chunks] of cases) {
      const answer = await raw(t.url, '/v1/commands', headers, chunks)
      expect([headers, answer.status, problemType(answer)]).toEqual([headers, 415, '/problems/unsupported-media-type'])
    }
    expect(await headOf(t)).toBe(head)
    // Declared UTF-8 (any case, quoted), and a byte-order mark, are accepted.
    const utf8 = await raw(t.url, '/v1/commands', { 'content-type': 'Application/JSON; charset="UTF-8"' }, [`\ufeff${signed}`])
    expect(utf8.status).toBe(201)
  })

  it('refuses a body over the limit with 413, whether its length is declared or it streams past the limit in chunks, and appends nothing', async () => {
    const head = await headOf(t)
    const big = JSON.stringify({ command: { pad: 'x'.repeat(9 * 1024) } })
    const declared = await raw(t.url, '/v1/commands', { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) }, [big])
    expect([declared.status, problemType(declared)]).toEqual([413, '/problems/too-large'])
    const chunked = await raw(t.url, '/v1/commands', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, Array.from({ length: 12 }, () => 'x'.repeat(1024)))
    expect([chunked.status, problemType(chunked)]).toEqual([413, '/problems/too-large'])
    expect(await headOf(t)).toBe(head)
    // The connection still serves the next request.
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200)
  })

  it('limits by the client address behind a trusted proxy, and by the socket otherwise', async () => {
    const limited = await startTestServer({ perIp: { perSecond: 0.001, burst: 1 } }, { trustProxy: true })
    try {
      const post = (forwardedFor: string) => raw(limited.url, '/v1/commands', { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, ['{}'])
      expect((await post('203.0.113.1, 10.0.0.1')).status).toBe(400)
      const again = await post('203.0.113.1')
      expect([again.status, problemType(again), again.headers['retry-after']]).toEqual([429, '/problems/too-many-requests', expect.stringMatching(/^\d+$/)])
      expect((await post('203.0.113.2, 203.0.113.1')).status).toBe(400)
    } finally {
      await limited.close()
    }
    const untrusted = await startTestServer({ perIp: { perSecond: 0.001, burst: 1 } })
    try {
      const post = (forwardedFor: string) => raw(untrusted.url, '/v1/commands', { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, ['{}'])
      expect((await post('203.0.113.1')).status).toBe(400)
      expect((await post('203.0.113.2')).status).toBe(429)
    } finally {
      await untrusted.close()
    }
  })
})

describe('parseJsonBody', () => {
  it('takes an object or array at the top, an empty body as {}, and refuses the rest as malformed', () => {
    expect(parseJsonBody(Buffer.from(' {"a":1} '))).toEqual({ a: 1 })
    expect(parseJsonBody(Buffer.from('[1]'))).toEqual([1])
    expect(parseJsonBody(Buffer.from('  '))).toEqual({})
    for (const text of ['1', '"s"', 'null', 'true', '{', '{"a":1}x', '\u0000{}']) expect(() => parseJsonBody(Buffer.from(text)), text).toThrow(/not valid JSON/)
    expect(() => parseJsonBody(Buffer.from('['.repeat(65) + ']'.repeat(65)))).toThrow(/levels deep/)
  })
})
