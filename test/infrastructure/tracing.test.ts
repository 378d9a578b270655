/**
 * OpenTelemetry: with an OTLP endpoint configured, one command sent over HTTP reaches an
 * in-process collector as the standard exporter's OTLP/JSON: the server span (continuing the
 * caller's traceparent), the command's decision, its append and the batch commit, linked parent
 * to child in one trace; the request's log line carries that trace's ids. Off by default.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../api/http/server.js'
import { createClient, keyFromSeed } from '../../api/sdk/index.js'
import { defaultParams, tokens } from '../../domain/governance/index.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import { manualClock } from '../../infrastructure/clock.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../infrastructure/store/memory-backend.js'
import { startTracing, tracesUrl, traceMixin, type Tracing } from '../../infrastructure/tracing.js'

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: { key: string; value: Record<string, unknown> }[]
}

const seed = (n: number) => n.toString(16).padStart(2, '0').repeat(32)
const attr = (span: OtlpSpan | undefined, key: string): unknown => Object.values(span?.attributes.find((a) => a.key === key)?.value ?? {})[0]

let collector: Server
const received: { path: string; type: string; spans: OtlpSpan[] }[] = []
let tracing: Tracing | undefined
let store: EventStore
let server: RunningServer
const logLines: Record<string, unknown>[] = []

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }
      received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', spans: body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)) })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
  tracing = startTracing({ endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`, env: {} })
  const clock = manualClock(Date.UTC(2026, 0, 1))
  const ledgerKey = keyFromSeed(seed(1))
  store = await openLedgerStore({ backend: createMemoryBackend(), signer: ledgerKey.signer, clock, anchorEvery: 1000, anchorIntervalMs: 0 })
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => (logLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>), done()) })
  server = await startServer({ store, clock, logger: pino({ level: 'info', mixin: traceMixin }, sink) })
})

afterAll(async () => {
  await server.close()
  await store.close()
  await tracing?.shutdown()
  collector.close()
})

describe('traces', () => {
  it('are off unless an endpoint is configured, by flag or by the standard variables', () => {
    expect(tracesUrl({ env: {} })).toBeUndefined()
    expect(tracesUrl({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' } })).toBe('http://collector:4318/v1/traces')
    expect(tracesUrl({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' } })).toBe('http://collector:4318/custom')
    expect(tracesUrl({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' } })).toBeUndefined()
    expect(tracesUrl({ env: { OTEL_TRACES_EXPORTER: 'otlp' } })).toBe('http://localhost:4318/v1/traces')
    expect(tracesUrl({ endpoint: 'http://127.0.0.1:9/', env: {} })).toBe('http://127.0.0.1:9/v1/traces')
  })

  it('carry one command from the HTTP request through its decision, append and commit to the collector', async () => {
    const ledger = keyFromSeed(seed(1))
    const treasury = keyFromSeed(seed(2))
    const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' }
    const client = createClient({ baseUrl: server.url, ledger: ledger.publicKey, now: () => new Date(Date.UTC(2026, 0, 1)), headers: { traceparent: `00-${caller.traceId}-${caller.spanId}-01` } })
    const accepted = await client.actor(ledger).governance({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: treasury.publicKey, treasury: tokens(1_000), allocations: [] } })
    await tracing?.flush()
    const spans = received.flatMap((r) => r.spans)
    expect(received.every((r) => r.path === '/v1/traces' && r.type.startsWith('application/json'))).toBe(true)

    const request = spans.find((s) => s.name === 'POST /v1/commands')
    expect(request).toBeDefined()
    expect(request?.kind).toBe(2) // SERVER
    expect(request?.traceId).toBe(caller.traceId)
    expect(request?.parentSpanId).toBe(caller.spanId)
    expect(attr(request, 'http.response.status_code')).toBe(201)
    const inTrace = spans.filter((s) => s.traceId === caller.traceId)
    const command = inTrace.find((s) => s.name === 'ledger.command')
    expect(command?.parentSpanId).toBe(request?.spanId)
    expect(attr(command, 'ledger.command.type')).toBe('EstablishGenesis')
    expect(attr(command, 'ledger.command.outcome')).toBe('accepted')
    expect(attr(command, 'ledger.command.hash')).toBe(accepted.commandHash)
    const decide = inTrace.find((s) => s.name === 'ledger.decide')
    const append = inTrace.find((s) => s.name === 'ledger.append')
    expect(decide?.parentSpanId).toBe(command?.spanId)
    expect(append?.parentSpanId).toBe(command?.spanId)
    const commit = inTrace.find((s) => s.name === 'ledger.commit')
    expect(commit?.parentSpanId).toBe(append?.spanId)
    expect(Number(attr(commit, 'ledger.events'))).toBeGreaterThanOrEqual(1)

    const line = logLines.find((l) => l.msg === 'request' && l.method === 'POST')
    expect(line).toMatchObject({ trace_id: caller.traceId, span_id: request?.spanId })
  })
})
