/**
 * The in-process language model: generated tokens/s of the TypeScript engine on a small GPT-shaped
 * model (random weights in the torch-lm@1 format) beside a raw Float32 matmul rate measured in the
 * same run (plain loops over Float32Array, the ceiling the engine's matrix-vector products can
 * reach), and the gateway's added latency per answer: the same request (same seed, same tokens)
 * through the gateway over HTTP (key check, checkpoint verified once, admission, write-ahead
 * receipt, span attribution) minus the backend generating it directly, with a tiny model so the
 * model's time does not hide the gateway's. Medians of 3.
 * `npm run build && node dist/bench/lm-generate.js [--tokens N] [--dmodel D] [--layers L]`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Backend, Target } from '../api/gateway/backend.js'
import { gatewayRouter, openMeter, operatorSigner } from '../api/gateway/index.js'
import { lmBackend } from '../api/gateway/lm-backend.js'
import { startServer } from '../api/http/server.js'
import { servedNow } from '../domain/deployment/state.js'
import { economy } from '../domain/economy/index.js'
import { loadLm, type LmConfig } from '../domain/lm/format.js'
import { generateAll } from '../domain/lm/generate.js'
import { createCommandHandler } from '../infrastructure/command-handler.js'
import { openLedger } from '../infrastructure/data-dir.js'
import { hashCheckpointDir } from '../trainer/hash-files.js'
import { inProcessLedger } from '../trainer/ledger.js'
import { API_KEY, deployedDataDir } from '../test/api/gateway/fixture.js'
import { writeCheckpoint } from '../test/api/gateway/lm-model.js'
import { tinyFiles } from '../test/domain/lm/tiny.js'
import { FAST_COST } from '../test/trainer/fixture.js'
import { fmt, median, numberArg, say } from './stats.js'

const TOKENS = numberArg('--tokens', 128)
const D = numberArg('--dmodel', 256)
/** Answer length for the latency comparison: short, so the model's own time (and its noise) does not swamp the gateway's. */
const SHORT = numberArg('--short', 16)
const LAYERS = numberArg('--layers', 4)
const config: LmConfig = { vocab: 257, context: 256, dModel: D, layers: LAYERS, heads: 4, mlp: 4 * D, layerNormEps: 1e-5 }
const QUESTION = 'What does the ledger record when a model is deployed?'
const options = { temperature: 0.8, topP: 0.95, maxTokens: TOKENS, stop: [], seed: 1 }

/** GFLOP/s of an n×n by n×n product in plain loops over Float32Array (i-k-j order). */
function rawMatmul(n: number): number {
  const a = new Float32Array(n * n).map((_, i) => (i % 7) - 3)
  const b = new Float32Array(n * n).map((_, i) => (i % 5) - 2)
  const c = new Float32Array(n * n)
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k] as number
      for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] as number) + aik * (b[k * n + j] as number)
    }
  }
  const seconds = (performance.now() - started) / 1000
  return (2 * n * n * n) / seconds / 1e9
}

/** Multiply-adds per generated token (matrix-vector products only), ×2 for FLOPs. */
const flopsPerToken = (c: LmConfig): number => 2 * (c.layers * (3 * c.dModel * c.dModel + c.dModel * c.dModel + 2 * c.mlp * c.dModel) + c.vocab * c.dModel)

const files = tinyFiles(7, config, 0.05)
const model = loadLm(JSON.parse(files.modelJson), files.weights)
rawMatmul(128)
const raw = median([0, 1, 2].map(() => rawMatmul(D)))
const rates: number[] = []
let generated = 0
for (let i = 0; i < 3; i++) {
  const started = performance.now()
  const g = generateAll(model, QUESTION, { ...options, seed: i + 1 })
  const seconds = (performance.now() - started) / 1000
  generated = g.completionTokens
  rates.push((g.completionTokens + g.promptTokens) / seconds)
}
const perToken = flopsPerToken(config)
say(`LM engine (d=${D}, layers ${LAYERS}, context ${config.context}, ${fmt(model.wte.length + model.wpe.length + model.layers.length * (12 * D * D + 13 * D))} params)`)
say(`  raw Float32 matmul ${D}×${D}: ${raw.toFixed(2)} GFLOP/s`)
say(`  generation: ${fmt(median(rates))} tokens/s (prompt + ${generated} generated, KV cache), ${((median(rates) * perToken) / 1e9).toFixed(2)} GFLOP/s in its matrix-vector products`)

// The gateway's added latency: the same answer through the gateway and from the backend directly.
const d = await deployedDataDir()
const work = mkdtempSync(join(tmpdir(), 'lm-bench-'))
const journal = mkdtempSync(join(tmpdir(), 'lm-bench-journal-'))
const { store } = await openLedger(d.dir)
try {
  // A tiny model here, so that the model's own time (and its noise) does not swamp what the gateway adds.
  writeCheckpoint(work, tinyFiles(7))
  const root = (await hashCheckpointDir(work)).root
  const ledger = inProcessLedger(store, await operatorSigner(d.dir, FAST_COST), createCommandHandler({ store, vertical: economy }))
  const meter = await openMeter({ path: join(journal, 'receipts.db'), submit: (r) => ledger.submit(r), flushMs: 200 })
  const backend = lmBackend({ dirOf: async () => work, itemsOf: async () => [{ contributionId: 'ab'.repeat(32), texts: [QUESTION] }] })
  const swap = (t: Target): Target => ({ ...t, served: { ...t.served, checkpoint: root } })
  const asLm: Backend = { prepare: (t, m) => (backend.prepare as NonNullable<Backend['prepare']>)(swap(t), m), generate: (t, r, s) => backend.generate(swap(t), r, s), stream: (t, r, s) => backend.stream(swap(t), r, s) }
  const router = gatewayRouter({ operator: ledger.key, state: () => ledger.state(), meter, backendFor: () => asLm })
  const server = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [{ path: '/openai/v1', router }] })
  const state = await ledger.state()
  const target: Target = { deploymentId: d.deploymentId, served: servedNow(state.deployment.deployments.get(d.deploymentId) as never) }
  const request = { messages: [{ role: 'user', content: QUESTION }], maxTokens: SHORT, temperature: 0.8, topP: 0.95, seed: 1, stop: [] }
  await asLm.generate(target, request, new AbortController().signal) // loads and verifies once
  const added: number[] = []
  for (let i = 0; i < 3; i++) {
    let t = performance.now()
    const direct = await asLm.generate(target, request, new AbortController().signal)
    const directMs = performance.now() - t
    t = performance.now()
    const res = await fetch(`${server.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ model: d.deploymentId, messages: request.messages, max_tokens: SHORT, temperature: 0.8, top_p: 0.95, seed: 1 }),
    })
    const body = (await res.json()) as { choices: { message: { content: string } }[] }
    const viaMs = performance.now() - t
    if (body.choices[0]?.message.content !== direct.text) throw new Error('the gateway answered differently from the backend')
    added.push(viaMs - directMs)
    say(`  answer ${i + 1}: backend ${directMs.toFixed(1)} ms, through the gateway ${viaMs.toFixed(1)} ms`)
  }
  say(`  gateway added latency per answer: ${median(added).toFixed(1)} ms (median of 3; answers of ${SHORT} tokens from a d=16 model)`)
  await server.close()
  await meter.close()
} finally {
  await store.close()
  rmSync(work, { recursive: true, force: true })
  rmSync(journal, { recursive: true, force: true })
  rmSync(d.dir, { recursive: true, force: true })
}

