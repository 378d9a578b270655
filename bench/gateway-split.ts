/**
 * Where the gateway's main-thread time goes, in two parts measured apart, with the load generator
 * in its own process (bench/load.ts):
 * - answering: chat completions with no usage flushed meanwhile (the meter's timer off), µs of
 *   main-thread time per request (event-loop utilization), beside a bare `node:http` server
 *   answering the same body with a constant in the same run (baseline);
 * - metering: then every receipt journaled during the load is flushed into the ledger at once
 *   (RecordUsage batches of 1,000: decode, decide, fold, canonical text, hash, commit, settle), µs
 *   of main-thread time per receipt, beside the raw cost of making the same receipts canonical
 *   and hashing them once (baseline: the least any recording of them must do).
 * Medians of R runs. `npm run build && node dist/bench/gateway-split.js [--seconds S] [--connections C] [--runs R]`.
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rmSync } from 'node:fs'
import { pino } from 'pino'
import { gatewayMount, openGateway, operatorSigner } from '../api/gateway/index.js'
import { startServer } from '../api/http/server.js'
import { canonicalize } from '../domain/canonical/jcs.js'
import { tokens } from '../domain/governance/amounts.js'
import { openLedger } from '../infrastructure/data-dir.js'
import { API_KEY, deployedDataDir } from '../test/api/gateway/fixture.js'
import { FAST_COST } from '../test/trainer/fixture.js'
import { runLoad, type LoadRequest } from './load.js'
import { fmt, median, numberArg, say } from './stats.js'

const SECONDS = numberArg('--seconds', 6)
const CONNECTIONS = numberArg('--connections', 16)
const RUNS = numberArg('--runs', 3)

interface Answered {
  readonly rps: number
  readonly mainUs: number
  readonly p99: number
}

async function answering(url: string, path: string, body: string, seconds: number): Promise<Answered> {
  const request: LoadRequest = { url, path, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, connections: CONNECTIONS, bodies: [body], amount: 0, seconds }
  const before = performance.eventLoopUtilization()
  const result = await runLoad(request)
  const used = performance.eventLoopUtilization(before)
  return { rps: result.ok / result.seconds, mainUs: (used.active * 1000) / result.ok, p99: result.p99 }
}

async function bare(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()))
    req.on('end', () => {
      const asked = JSON.parse(raw) as { model: string }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: asked.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

async function main(): Promise<void> {
  say(`gateway split: ${CONNECTIONS} connections, ${SECONDS} s per load, ${RUNS} runs, load generator in its own process`)
  const d = await deployedDataDir({ quota: Number.MAX_SAFE_INTEGER, escrow: tokens(10_000) })
  const { store } = await openLedger(d.dir)
  const gateway = await openGateway({ dir: d.dir, store, signer: await operatorSigner(d.dir, FAST_COST), flushMs: 0 })
  const server = await startServer({ store, logger: pino({ level: 'silent' }), projections: [], mounts: [gatewayMount(gateway)] })
  const baseline = await bare()
  const body = JSON.stringify({ model: d.deploymentId, messages: [{ role: 'user', content: 'Chest pain radiating to the left arm, troponin raised, ECG changes' }] })
  await answering(server.url, '/openai/v1/chat/completions', body, 1)
  await answering(baseline.url, '/', body, 1)
  await gateway.meter.flush()
  const rows: { gateway: Answered; bare: Answered; receiptUs: number; rawUs: number; receipts: number }[] = []
  for (let run = 0; run < RUNS; run++) {
    const g = await answering(server.url, '/openai/v1/chat/completions', body, SECONDS)
    const b = await answering(baseline.url, '/', body, SECONDS)
    const before = (await gateway.meter.stats()).recorded
    const used = performance.eventLoopUtilization()
    await gateway.meter.flush()
    const flushed = performance.eventLoopUtilization(used)
    const receipts = (await gateway.meter.stats()).recorded - before
    // The floor: the same number of receipts made canonical and hashed once, in batches of 1,000.
    const sample = { requestId: `chatcmpl-${'0'.repeat(36)}`, grantId: d.grantId, inputTokens: 17, outputTokens: 3, at: new Date().toISOString(), fee: '1234', answerHash: 'ab'.repeat(32) }
    const batch = { deploymentId: d.deploymentId, receipts: Array.from({ length: 1000 }, (_, i) => ({ ...sample, inputTokens: i })) }
    const started = performance.now()
    for (let done = 0; done < receipts; done += 1000) createHash('sha256').update(canonicalize(batch)).digest()
    const rawUs = ((performance.now() - started) * 1000) / Math.max(1, Math.ceil(receipts / 1000) * 1000)
    rows.push({ gateway: g, bare: b, receiptUs: (flushed.active * 1000) / Math.max(1, receipts), rawUs, receipts })
    say(`run ${run + 1}: gateway ${fmt(g.rps)} req/s (${g.mainUs.toFixed(0)} µs main/request, p99 ${g.p99} ms), bare ${fmt(b.rps)} req/s (${b.mainUs.toFixed(0)} µs); ${fmt(receipts)} receipts flushed at ${rows[run]?.receiptUs.toFixed(1)} µs main/receipt (raw canonical + hash ${rawUs.toFixed(2)} µs)`)
  }
  const m = (f: (r: (typeof rows)[number]) => number): number => median(rows.map(f))
  say('')
  say(`answering: gateway ${fmt(m((r) => r.gateway.rps))} req/s, ${m((r) => r.gateway.mainUs).toFixed(0)} µs of main thread per request; bare server (baseline) ${fmt(m((r) => r.bare.rps))} req/s, ${m((r) => r.bare.mainUs).toFixed(0)} µs; ratio ${(m((r) => r.gateway.mainUs) / m((r) => r.bare.mainUs)).toFixed(1)}x the baseline's time`)
  say(`metering: ${m((r) => r.receiptUs).toFixed(1)} µs of main thread per receipt recorded; raw canonical text + SHA-256 of the receipts (baseline) ${m((r) => r.rawUs).toFixed(2)} µs; ratio ${(m((r) => r.receiptUs) / m((r) => r.rawUs)).toFixed(0)}x`)
  await server.close()
  await gateway.close()
  await new Promise((resolve) => baseline.server.close(resolve))
  await store.close()
  rmSync(d.dir, { recursive: true, force: true })
}

await main()
