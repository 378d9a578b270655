/**
 * Signed commands through HTTP under concurrent load (autocannon, loopback, bounded count and
 * time) beside the same commands through the command handler in process, on the embedded SQLite
 * store, in the same run, beside two raw baselines measured in the same run: the one-core
 * Ed25519 sign rate and the store's own durable append rate (plain appends, no decisions, as many
 * concurrent callers). `npm run build && node dist/bench/http.js [--commands N] [--connections C]
 * [--verify-threads T] [--only http]` (`--only http`: the HTTP run alone, as for a profile).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { startServer } from '../api/http/server.js'
import { createClient, keyFromSeed, type ActorKey } from '../api/sdk/index.js'
import { encodeRequest } from '../domain/economy/index.js'
import { defaultParams, governance, tokens } from '../domain/governance/index.js'
import { signCommand, type SignedCommand } from '../domain/ledger/command.js'
import type { EventStore } from '../domain/ports/event-store.js'
import { createCommandHandler } from '../infrastructure/command-handler.js'
import { nativeCrypto } from '../infrastructure/crypto/native.js'
import { openLedgerStore } from '../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../infrastructure/store/sqlite-backend.js'
import { appendRate } from './append.js'
import { runLoad, type LoadResult } from './load.js'
import { rawSignRate } from './raw.js'
import { fmt, numberArg } from './stats.js'

const COMMANDS = numberArg('--commands', 3000)
const CONNECTIONS = numberArg('--connections', 32)
/** Threads verifying signatures off the event loop (the server's default when not given; 0: on it). */
const VERIFY_THREADS = process.argv.includes('--verify-threads') ? numberArg('--verify-threads', 0) : undefined
const ONLY_HTTP = process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'http'
const ACTORS = 64
const seed = (n: number): string => n.toString(16).padStart(4, '0').repeat(16)
const ledger = keyFromSeed(seed(1))
const actors: ActorKey[] = Array.from({ length: ACTORS }, (_, i) => keyFromSeed(seed(100 + i)))

async function freshStore(dir: string): Promise<EventStore> {
  return openLedgerStore({ backend: createSqliteBackend(join(dir, 'ledger.db')), signer: ledger.signer, anchorEvery: 1000, anchorIntervalMs: 10_000 })
}

function sign(key: ActorKey, type: string, payload: Parameters<typeof signCommand>[0]['payload'], n: number): SignedCommand {
  return signCommand({ type, payload, actor: key.publicKey, nonce: `bench-${n}`, issuedAt: new Date().toISOString(), ledger: ledger.publicKey }, key.signer, nativeCrypto)
}

/** Genesis and identities, then COMMANDS signed WrapOpen commands spread over the actors. */
function workload(): { setup: SignedCommand[]; load: SignedCommand[] } {
  const payload = encodeRequest({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: ledger.publicKey, treasury: 0n, allocations: actors.map((a) => ({ account: a.publicKey, amount: tokens(1000) })) } }).payload
  const genesis = sign(ledger, 'EstablishGenesis', payload, 0)
  const setup = [genesis, ...actors.map((a, i) => sign(a, 'RegisterIdentity', { displayName: `actor ${i}` }, 1))]
  const load = Array.from({ length: COMMANDS }, (_, i) => sign(actors[i % ACTORS] as ActorKey, 'WrapOpen', { amount: '1' }, 10 + i))
  return { setup, load }
}

async function inProcess(dir: string, work: ReturnType<typeof workload>): Promise<number> {
  const store = await freshStore(dir)
  const handler = createCommandHandler({ store, vertical: governance })
  for (const signed of work.setup) await handler.handle(signed)
  const started = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (next < work.load.length) await handler.handle(work.load[next++])
  }))
  const seconds = (performance.now() - started) / 1000
  await store.close()
  return work.load.length / seconds
}

async function overHttp(dir: string, work: ReturnType<typeof workload>): Promise<LoadResult & { serverCpuMs: number }> {
  const store = await freshStore(dir)
  const unlimited = { perSecond: Infinity, burst: Infinity }
  const server = await startServer({ store, logger: pino({ level: 'silent' }), limits: { perIp: unlimited, perActor: unlimited }, ...(VERIFY_THREADS === undefined ? {} : { verifyThreads: VERIFY_THREADS }) })
  const client = createClient({ baseUrl: server.url })
  for (const signed of work.setup) await client.submit(signed)
  const bodies = work.load.map((signed) => JSON.stringify(signed))
  // The load generator runs in its own process: on the server's event loop it would take the server's time.
  const cpu = process.cpuUsage()
  const result = await runLoad({ url: server.url, path: '/v1/commands', method: 'POST', headers: { 'content-type': 'application/json' }, connections: CONNECTIONS, bodies, amount: bodies.length, seconds: 60 })
  const used = process.cpuUsage(cpu)
  await server.close()
  await store.close()
  return { ...result, serverCpuMs: (used.user + used.system) / 1000 }
}

const dir = await mkdtemp(join(tmpdir(), 'ml-bench-http-'))
try {
  const work = workload()
  if (!ONLY_HTTP) {
    process.stdout.write(`raw Ed25519 sign (node:crypto, 1 core): ${fmt(rawSignRate())}/s\n`)
    process.stdout.write(`raw durable append (ledger store, ${CONNECTIONS} callers, no decisions): ${fmt(await appendRate(20_000, CONNECTIONS))} events/s\n`)
    await mkdtemp(join(dir, 'a-')).then(async (a) => {
      const rate = await inProcess(a, work)
      process.stdout.write(`in process (command handler, SQLite): ${COMMANDS} signed commands, ${rate.toFixed(0)} commands/s with ${CONNECTIONS} concurrent callers\n`)
    })
  }
  const b = await mkdtemp(join(dir, 'b-'))
  const result = await overHttp(b, work)
  process.stdout.write(`over HTTP (autocannon in its own process, loopback, ${CONNECTIONS} connections): ${result.ok}/${result.total} 2xx, non-2xx ${result.non2xx}, ${(result.ok / result.seconds).toFixed(0)} commands/s, latency p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms; CPU per command: server ${((result.serverCpuMs * 1000) / result.ok).toFixed(0)} µs (all its threads), load generator ${((result.cpuMs * 1000) / result.ok).toFixed(0)} µs\n`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
