/**
 * The upstream backend against real OpenAI-compatible servers: the gateway itself (serving the
 * reference model) as the upstream, and servers that fail or hang, for retries and deadlines.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rmSync } from 'node:fs'
import OpenAI from 'openai'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BackendError, type InferenceRequest, type Target } from '../../../api/gateway/backend.js'
import { gatewayMount, openGateway, operatorSigner, type Gateway } from '../../../api/gateway/index.js'
import { upstreamBackend } from '../../../api/gateway/upstream-backend.js'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { openLedger } from '../../../infrastructure/data-dir.js'
import { FAST_COST } from '../../trainer/fixture.js'
import { API_KEY, deployedDataDir, type DeployedDir } from './fixture.js'

let d: DeployedDir
let store: EventStore
let gateway: Gateway
let server: RunningServer
const closers: (() => Promise<void>)[] = []

beforeAll(async () => {
  d = await deployedDataDir()
  ;({ store } = await openLedger(d.dir))
  gateway = await openGateway({ dir: d.dir, store, signer: await operatorSigner(d.dir, FAST_COST), flushMs: 0 })
  server = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [gatewayMount(gateway)] })
}, 120_000)
afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await server?.close()
  await gateway?.close()
  await store?.close()
  if (d !== undefined) rmSync(d.dir, { recursive: true, force: true })
})

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s: Server = createServer(handler)
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => (s.closeAllConnections(), s.close(() => resolve()))))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`
}

const request: InferenceRequest = { messages: [{ role: 'user', content: 'chest pain troponin ecg angina' }], maxTokens: 16, temperature: undefined, stop: [] }
const target = (): Target => ({ deploymentId: d.deploymentId, served: { jobId: d.jobId, checkpoint: d.checkpoint, evaluationSequence: 1, since: 1, sinceAt: 0 } })
const upstreamOf = (over: Partial<Parameters<typeof upstreamBackend>[0]> = {}) => upstreamBackend({ url: `${server.url}/openai/v1`, apiKey: API_KEY, model: d.deploymentId, ...over })

describe('the upstream backend', () => {
  it('answers through an OpenAI-compatible server, with the upstream’s own token counts', async () => {
    const g = await upstreamOf().generate(target(), request, new AbortController().signal)
    expect(g).toEqual({ text: 'cardio', inputTokens: 5, outputTokens: 1, finishReason: 'stop' })
  })

  it('streams through it, ending with the usage the upstream reported', async () => {
    const deltas: string[] = []
    let done: unknown
    for await (const part of upstreamOf().stream(target(), request, new AbortController().signal)) {
      if ('delta' in part) deltas.push(part.delta)
      else done = part.done
    }
    expect(deltas.join('')).toBe('cardio')
    expect(done).toEqual({ text: 'cardio', inputTokens: 5, outputTokens: 1, finishReason: 'stop' })
  })

  it('retries 503s with backoff and gives up after its attempts', async () => {
    let calls = 0
    const flaky = await listen((req, res) => {
      calls++
      if (calls % 3 !== 0) {
        res.writeHead(503).end()
        return
      }
      // The third attempt is forwarded to the real gateway.
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        void fetch(`${server.url}/openai/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body })
          .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()))
      })
    })
    const g = await upstreamOf({ url: flaky, attempts: 3, backoffMs: 5 }).generate(target(), request, new AbortController().signal)
    expect(g.text).toBe('cardio')
    expect(calls).toBe(3)
    const failed = await upstreamOf({ url: flaky, attempts: 2, backoffMs: 5 }).generate(target(), request, new AbortController().signal).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(BackendError)
    expect((failed as BackendError).message).toMatch(/503 \(after 2 attempts\)/)
  })

  it('does not retry a 400, and times out an upstream that never answers', async () => {
    let calls = 0
    const refusing = await listen((_req, res) => {
      calls++
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad"}}')
    })
    const refused = await upstreamOf({ url: refusing, attempts: 3, backoffMs: 5 }).generate(target(), request, new AbortController().signal).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(BackendError)
    expect(calls).toBe(1)
    const hanging = await listen(() => undefined)
    const started = Date.now()
    const timedOut = await upstreamOf({ url: hanging, attempts: 2, timeoutMs: 150, backoffMs: 5 }).generate(target(), request, new AbortController().signal).catch((e: unknown) => e)
    expect(timedOut).toBeInstanceOf(BackendError)
    expect((timedOut as BackendError).timedOut).toBe(true)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('a gateway whose upstream hangs answers 504, and one whose upstream refuses answers 502, charging nothing', async () => {
    const hanging = await listen(() => undefined)
    const refusing = await listen((_req, res) => void res.writeHead(400).end())
    for (const [url, status] of [[hanging, 504], [refusing, 502]] as const) {
      const proxy = await openGateway({ dir: d.dir, store, signer: await operatorSigner(d.dir, FAST_COST), flushMs: 0, upstream: { url, timeoutMs: 150, attempts: 1 } })
      const front = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [{ path: '/openai/v1', router: proxy.router }] })
      const client = new OpenAI({ apiKey: API_KEY, baseURL: `${front.url}/openai/v1`, maxRetries: 0 })
      // The journal is the data directory's, shared with the gateway above: count what this call adds.
      const before = (await proxy.meter.stats()).pending
      const error = await client.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] }).catch((e: unknown) => e)
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status)
      expect((await proxy.meter.stats()).pending).toBe(before)
      await front.close()
      await proxy.close()
    }
  })
})
