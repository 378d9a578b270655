/**
 * The gateway's overhead: chat completions under concurrent load (autocannon, loopback) through
 * the gateway (key check against the ledger state, quota and escrow, write-ahead receipt, batched
 * appends) beside the same model behind a bare OpenAI-compatible HTTP server with none of that,
 * in the same run; and the gateway proxying to that bare server (the upstream path) beside
 * calling it directly. Medians of alternating runs.
 * With --delay-ms D the bare server waits D ms before each answer, standing in for a model whose
 * inference takes that long (then the in-process target, which has no such delay, is left out).
 * `npm run build && node dist/bench/gateway.js [--seconds S] [--connections C] [--runs R] [--delay-ms D]`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rmSync } from 'node:fs'
import autocannon from 'autocannon'
import { pino } from 'pino'
import { gatewayMount, openGateway, operatorSigner, type Gateway } from '../api/gateway/index.js'
import { referenceBackend } from '../api/gateway/reference-backend.js'
import type { Target } from '../api/gateway/backend.js'
import { startServer, type RunningServer } from '../api/http/server.js'
import { tokens } from '../domain/governance/amounts.js'
import { servedNow } from '../domain/deployment/state.js'
import { openLedger } from '../infrastructure/data-dir.js'
import { workRootOf } from '../trainer/open.js'
import { inProcessLedger } from '../trainer/ledger.js'
import { API_KEY, deployedDataDir } from '../test/api/gateway/fixture.js'
import { FAST_COST } from '../test/trainer/fixture.js'
import { median, numberArg, say } from './stats.js'

const SECONDS = numberArg('--seconds', 5)
const CONNECTIONS = numberArg('--connections', 16)
const RUNS = numberArg('--runs', 3)
/** Added to every answer of the bare server: what a real model's inference time looks like to the gateway (0 = the reference model alone). */
const DELAY_MS = numberArg('--delay-ms', 0)

interface Load {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly errors: number
}

async function load(url: string, body: string, connections: number): Promise<Load> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body,
  })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors }
}

/** The same model behind a bare OpenAI-compatible server: no key, no quota, no metering. */
async function bareServer(backend: ReturnType<typeof referenceBackend>, target: Target): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString()))
    req.on('end', () => {
      const body = JSON.parse(raw) as { messages: { role: string; content: string }[]; max_tokens?: number }
      const answered = backend.generate(target, { messages: body.messages, maxTokens: body.max_tokens ?? 4096, temperature: undefined, stop: [] }, new AbortController().signal)
      void answered.then(async (g) => {
        if (DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, DELAY_MS))
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: target.deploymentId, choices: [{ index: 0, message: { role: 'assistant', content: g.text }, finish_reason: g.finishReason }], usage: { prompt_tokens: g.inputTokens, completion_tokens: g.outputTokens, total_tokens: g.inputTokens + g.outputTokens } }))
      })
    })
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server }
}

async function main(): Promise<void> {
  say(`gateway benchmark: ${CONNECTIONS} connections, ${SECONDS} s per run, ${RUNS} runs each, loopback, reference model${DELAY_MS > 0 ? ` + ${DELAY_MS} ms per answer` : ''}`)
  const d = await deployedDataDir({ quota: Number.MAX_SAFE_INTEGER, escrow: tokens(10_000) })
  const { store } = await openLedger(d.dir)
  const signer = await operatorSigner(d.dir, FAST_COST)
  const state = await inProcessLedger(store, signer).state()
  const deployment = state.deployment.deployments.get(d.deploymentId)
  if (deployment === undefined) throw new Error('no deployment')
  const target: Target = { deploymentId: d.deploymentId, served: servedNow(deployment) }
  const stepOf = async () => state.training.jobs.get(d.jobId)?.checkpoints.find((k) => k.root === d.checkpoint)?.step
  const bare = await bareServer(referenceBackend({ workRoot: workRootOf(d.dir), stepOf }), target)

  const gateways: { name: string; gateway: Gateway; server: RunningServer }[] = []
  const modes = [['gateway, model in process', undefined], ['gateway, proxying to the bare server', { url: bare.url, model: d.deploymentId }]] as const
  for (const [name, upstream] of modes.filter(([, u]) => DELAY_MS === 0 || u !== undefined)) {
    const gateway = await openGateway({ dir: d.dir, store, signer, flushMs: 200, ...(upstream === undefined ? {} : { upstream }) })
    const server = await startServer({ store, logger: pino({ level: 'silent' }), projections: [], mounts: [gatewayMount(gateway)] })
    gateways.push({ name, gateway, server })
  }
  const body = JSON.stringify({ model: d.deploymentId, messages: [{ role: 'user', content: 'Chest pain radiating to the left arm, troponin raised, ECG changes' }] })
  const targets = [{ name: 'bare server (baseline)', url: `${bare.url}/chat/completions` }, ...gateways.map((g) => ({ name: g.name, url: `${g.server.url}/openai/v1/chat/completions` }))]
  const results = new Map<string, { c1: Load[]; cN: Load[] }>(targets.map((t) => [t.name, { c1: [], cN: [] }]))
  for (const t of targets) await load(t.url, body, 4) // warm up: model load, JIT
  for (let run = 0; run < RUNS; run++) {
    for (const t of targets) {
      const r = results.get(t.name) as { c1: Load[]; cN: Load[] }
      r.c1.push(await load(t.url, body, 1))
      r.cN.push(await load(t.url, body, CONNECTIONS))
    }
  }
  const med = (xs: Load[], k: keyof Load): number => median(xs.map((x) => x[k]))
  const base = results.get('bare server (baseline)') as { c1: Load[]; cN: Load[] }
  say('')
  // Autocannon's latencies have millisecond resolution: the time per request at one connection is 1 / its rate.
  say(`${'target'.padEnd(38)} ${'1 conn µs/req'.padStart(15)} ${'added µs'.padStart(9)} ${`${CONNECTIONS} conn req/s`.padStart(14)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'ratio to baseline'.padStart(18)} errors`)
  for (const t of targets) {
    const r = results.get(t.name) as { c1: Load[]; cN: Load[] }
    const ratio = med(r.cN, 'rps') / med(base.cN, 'rps')
    const perRequest = 1e6 / med(r.c1, 'rps')
    const added = perRequest - 1e6 / med(base.c1, 'rps')
    say(`${t.name.padEnd(38)} ${perRequest.toFixed(0).padStart(15)} ${added.toFixed(0).padStart(9)} ${med(r.cN, 'rps').toFixed(0).padStart(14)} ${med(r.cN, 'p50').toFixed(1).padStart(7)} ${med(r.cN, 'p99').toFixed(1).padStart(7)} ${ratio.toFixed(2).padStart(18)} ${r.cN.reduce((s, x) => s + x.errors, 0) + r.c1.reduce((s, x) => s + x.errors, 0)}`)
  }
  for (const g of gateways) {
    await g.gateway.meter.flush()
    const stats = await g.gateway.meter.stats()
    say(`${g.name}: ${stats.batches} RecordUsage batches appended; journal ${stats.recorded} recorded, ${stats.pending} pending, ${stats.refused} refused`)
  }
  let batches = 0
  let receipts = 0
  for await (const e of store.readAll(1)) {
    if (e.type !== 'UsageRecorded') continue
    batches++
    receipts += (e.data as { receipts: unknown[] }).receipts.length
  }
  say(`ledger: ${receipts} receipts in ${batches} UsageRecorded events (${(receipts / Math.max(1, batches)).toFixed(0)} per append)`)
  for (const g of gateways) {
    await g.server.close()
    await g.gateway.close()
  }
  await new Promise((resolve) => bare.server.close(resolve))
  await store.close()
  rmSync(d.dir, { recursive: true, force: true })
}

await main()
