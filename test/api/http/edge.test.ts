/**
 * The listener's edges (api/http/edge.ts), on a real node:http server: an edge is given what the
 * express pipeline gives a route (request id, security headers, CORS, the latency metric under its
 * route's name), a request no edge matches goes on, and an edge that fails outside its own error
 * handling is logged and its connection cut, never left hanging.
 */
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { edgeDispatcher, type Edge } from '../../../api/http/edge.js'
import { createMetrics } from '../../../api/http/metrics.js'

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

function send(url: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end('{}')
  })
}

let server: Server | undefined
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

async function serve(edges: readonly Edge[]): Promise<{ url: string; lines: () => { msg: string }[]; metrics: ReturnType<typeof createMetrics> }> {
  const written: string[] = []
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (written.push(chunk.toString()), done()) }))
  const metrics = createMetrics({ head: async () => 0, lags: async () => new Map() })
  const dispatch = edgeDispatcher(edges, { logger, metrics, corsOrigins: ['https://console.example'] })
  server = createServer((req, res) => {
    if (dispatch(req, res)) return
    res.statusCode = 404
    res.end('not an edge')
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, lines: () => written.map((line) => JSON.parse(line) as { msg: string }), metrics }
}

const edge = (path: string, handle: Edge['handle']): Edge => ({ match: (req) => (req.url === path ? `/named${path}` : undefined), handle })

describe('the edge dispatcher', () => {
  it('gives an edge the request id, security headers, CORS for a listed origin and its metric; others go on', async () => {
    const { url, metrics } = await serve([
      edge('/a', (_req, res, requestId) => {
        res.setHeader('x-seen-id', requestId)
        res.end('a')
      }),
    ])
    const answer = await send(url, '/a', { 'x-request-id': 'client-7', origin: 'https://console.example' })
    expect([answer.status, answer.body, answer.headers['x-request-id'], answer.headers['x-seen-id']]).toEqual([200, 'a', 'client-7', 'client-7'])
    expect(answer.headers['x-content-type-options']).toBe('nosniff')
    expect(answer.headers['access-control-allow-origin']).toBe('https://console.example')
    expect(await metrics.registry.getSingleMetricAsString('model_ledger_http_request_duration_seconds')).toContain('route="/named/a"')
    expect((await send(url, '/b')).body).toBe('not an edge')
  })

  it('cuts the connection and logs when an edge throws or rejects outside its own handling', async () => {
    const { url, lines } = await serve([
      edge('/throws', () => {
        throw new Error('edge bug')
      }),
      edge('/rejects', async () => {
        await Promise.resolve()
        throw new Error('late edge bug')
      }),
    ])
    await expect(send(url, '/throws')).rejects.toThrow(/socket hang up|ECONNRESET/)
    await expect(send(url, '/rejects')).rejects.toThrow(/socket hang up|ECONNRESET/)
    expect(lines().filter((line) => line.msg === 'unhandled error at the edge')).toHaveLength(2)
  })
})
