/**
 * The gateway's completions are taken on the listener's edge (api/http/edge.ts) before express;
 * what the express route gave a client must hold there too, and a body the edge leaves to express
 * (compressed, another charset, none at all) must be answered as before. Every answer here comes
 * from the real gateway over a real ledger; a refusal records nothing.
 */
import { request as httpRequest } from 'node:http'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncomingMessage } from 'node:http'
import { gatewayEdge } from '../../../api/gateway/index.js'
import { API_KEY, serveDeployed, type ServedGateway } from './fixture.js'

interface Raw {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

function raw(url: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined, method = 'POST'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

let served: ServedGateway
const auth = { authorization: `Bearer ${API_KEY}` }
const pending = async (): Promise<number> => (await served.gateway.meter.stats()).pending
const chat = (extra: Record<string, unknown> = {}): string => JSON.stringify({ model: served.d.deploymentId, messages: [{ role: 'user', content: 'chest pain and troponin raised' }], ...extra })

beforeAll(async () => {
  served = await serveDeployed()
})
afterAll(async () => served.close())

describe('completions on the edge', () => {
  it('answers with the headers the express route gave: request id, security headers, receipt, checkpoint, seed, answer hash; metered once', async () => {
    const before = await pending()
    for (const [path, body] of [
      ['/openai/v1/chat/completions', chat()],
      ['/openai/v1/completions', JSON.stringify({ model: served.d.deploymentId, prompt: 'chest pain' })],
      ['/OpenAI/V1/Chat/Completions/?x=1', chat()],
    ] as const) {
      const answer = await raw(served.server.url, path, { 'content-type': 'application/json', 'x-request-id': 'edge-1', ...auth }, body)
      expect([path, answer.status]).toEqual([path, 200])
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(answer.headers['x-request-id']).toBe('edge-1')
      expect(answer.headers['x-content-type-options']).toBe('nosniff')
      expect(answer.headers['x-ledger-receipt']).toBe((JSON.parse(answer.body) as { id: string }).id)
      expect(answer.headers['x-ledger-checkpoint']).toBe(served.d.checkpoint)
      expect(answer.headers['x-ledger-seed']).toMatch(/^\d+$/)
      expect(answer.headers['x-ledger-answer-hash']).toMatch(/^[0-9a-f]{64}$/)
    }
    expect(await pending()).toBe(before + 3)
  })

  it('streams on the edge, the answer hash in the last chunk before [DONE]', async () => {
    const answer = await raw(served.server.url, '/openai/v1/chat/completions', { 'content-type': 'application/json', ...auth }, chat({ stream: true }))
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    const events = answer.body.split('\n\n').filter((e) => e.startsWith('data: '))
    expect(events.at(-1)).toBe('data: [DONE]')
    expect(events.at(-2)).toMatch(/"x_ledger_answer_hash":"[0-9a-f]{64}"/)
  })

  it('refuses as problems that also carry OpenAI’s error member, and meters nothing: no key, bad JSON, too deep, too large, an unsupported parameter', async () => {
    const before = await pending()
    const cases: [Record<string, string>, string | Buffer, number, string][] = [
      [{ 'content-type': 'application/json' }, chat(), 401, '/problems/unauthorized'],
      [{ 'content-type': 'application/json', ...auth }, '{"model":', 400, '/problems/malformed'],
      [{ 'content-type': 'application/json', ...auth }, '"a string"', 400, '/problems/malformed'],
      [{ 'content-type': 'application/json', ...auth }, `${'['.repeat(200)}${']'.repeat(200)}`, 400, '/problems/malformed'],
      [{ 'content-type': 'application/json', ...auth }, JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }), 413, '/problems/too-large'],
      [{ 'content-type': 'application/json', ...auth }, chat({ tools: [] }), 400, '/problems/malformed'],
    ]
    for (const [headers, body, status, type] of cases) {
      const answer = await raw(served.server.url, '/openai/v1/chat/completions', headers, body)
      const problem = JSON.parse(answer.body) as { type: string; status: number; instance: string; requestId: string; error: { message: string; type: string } }
      expect([answer.status, problem.type, problem.status]).toEqual([status, type, status])
      expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(problem.instance).toBe('/openai/v1/chat/completions')
      expect(problem.requestId).toBe(answer.headers['x-request-id'])
      expect(problem.error.message.length).toBeGreaterThan(0)
    }
    expect(await pending()).toBe(before)
  })
})

describe('what the edge leaves to express', () => {
  it('takes POST completions with a plain JSON body, named by the route express would name; leaves the rest', () => {
    const edge = gatewayEdge('/openai/v1', served.gateway.handlers)
    const req = (method: string, url: string, headers: Record<string, string>): IncomingMessage => ({ method, url, headers }) as unknown as IncomingMessage
    const json = { 'content-type': 'application/json', 'content-length': '10' }
    expect(edge.match(req('POST', '/openai/v1/chat/completions', json))).toBe('/openai/v1/chat/completions')
    expect(edge.match(req('POST', '/openai/v1/completions?x=1', { ...json, 'content-type': 'text/plain; charset=UTF-8' }))).toBe('/openai/v1/completions')
    expect(edge.match(req('POST', '/openai/v1/chat/completions', { 'transfer-encoding': 'chunked', 'content-encoding': 'identity' }))).toBe('/openai/v1/chat/completions')
    for (const [method, url, headers] of [
      ['GET', '/openai/v1/chat/completions', json],
      ['POST', '/openai/v1/chat/completionsx', json],
      ['POST', '/openai/v1/models', json],
      ['POST', '/v1/chat/completions', json],
      ['POST', '/openai/v1/chat/completions', { 'content-type': 'application/json' }],
      ['POST', '/openai/v1/chat/completions', { ...json, 'content-encoding': 'gzip' }],
      ['POST', '/openai/v1/chat/completions', { ...json, 'content-type': 'application/json; charset="utf-16le"' }],
    ] as const) expect([method, url, edge.match(req(method, url, headers))]).toEqual([method, url, undefined])
  })

  it('a gzip body is inflated and answered; a body in another charset is 415; no body at all is 400: as the express route always did', async () => {
    const before = await pending()
    const zipped = await raw(served.server.url, '/openai/v1/chat/completions', { 'content-type': 'application/json', 'content-encoding': 'gzip', ...auth }, gzipSync(chat()))
    expect(zipped.status).toBe(200)
    expect(zipped.headers['x-ledger-answer-hash']).toMatch(/^[0-9a-f]{64}$/)
    const latin = await raw(served.server.url, '/openai/v1/chat/completions', { 'content-type': 'application/json; charset=latin1', ...auth }, chat())
    expect([latin.status, (JSON.parse(latin.body) as { type: string }).type]).toEqual([415, '/problems/unsupported-media-type'])
    const none = await raw(served.server.url, '/openai/v1/chat/completions', auth, undefined)
    expect([none.status, (JSON.parse(none.body) as { type: string }).type]).toEqual([400, '/problems/malformed'])
    expect(await pending()).toBe(before + 1)
  })

  it('other methods and paths under the mount go to the router', async () => {
    const models = await raw(served.server.url, '/openai/v1/models', auth, undefined, 'GET')
    expect(models.status).toBe(200)
    expect((JSON.parse(models.body) as { data: { id: string }[] }).data[0]?.id).toBe(served.d.deploymentId)
    const get = await raw(served.server.url, '/openai/v1/chat/completions', auth, undefined, 'GET')
    expect([get.status, (JSON.parse(get.body) as { type: string }).type]).toEqual([404, '/problems/not-found'])
  })
})
