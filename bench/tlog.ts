/**
 * The transparency-log costs of issue #14, each beside a raw baseline measured in the same run:
 * - sealing a checkpoint (root, right edge, stream-heads map, note signature) at tree sizes from
 *   1,000 to 10,000,000, beside one raw Ed25519 signature and one raw SHA-256;
 * - inclusion and consistency proofs in a 10,000,000-entry tree (time and size), beside raw SHA-256;
 * - full level-0 tiles served over HTTP by `serve`'s router, beside a bare node:http server
 *   answering the same number of bytes.
 * `npm run build && node dist/bench/tlog.js [--max 10000000] [--events 100000]`
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { startServer } from '../api/http/server.js'
import { keyFromSeed } from '../api/sdk/index.js'
import { checkpointText } from '../domain/ledger/anchor.js'
import type { Envelope } from '../domain/ledger/envelope.js'
import { StreamingRoot } from '../domain/ledger/merkle.js'
import { StreamHeads } from '../domain/ledger/stream-heads.js'
import { Expected } from '../domain/ports/event-store.js'
import { createBlobStore } from '../infrastructure/blobs/blob-store.js'
import { nativeCrypto, nativeSha256 } from '../infrastructure/crypto/native.js'
import { createMemoryBackend } from '../infrastructure/store/memory-backend.js'
import { openLedgerStore } from '../infrastructure/store/ledger-store.js'
import { LogTree } from '../infrastructure/tlog/log-tree.js'
import { tileIndexPath } from '../domain/tlog/tiles.js'
import { fmt, median, numberArg, say } from './stats.js'

const MAX = numberArg('--max', 10_000_000)
const EVENTS = numberArg('--events', 100_000)
const encoder = new TextEncoder()

/** The synthetic entry i: SHA-256 of its index, as an event hash would be. */
function entry(i: number): Uint8Array {
  const input = new Uint8Array(4)
  new DataView(input.buffer).setUint32(0, i)
  return nativeSha256(input)
}

function timeUs(run: () => unknown, times: number): number {
  const started = performance.now()
  for (let i = 0; i < times; i++) run()
  return ((performance.now() - started) * 1000) / times
}

async function timeUsAsync(run: (i: number) => Promise<unknown>, times: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < times; i++) await run(i)
  return ((performance.now() - started) * 1000) / times
}

const ledger = keyFromSeed('07'.repeat(32))
const node = new Uint8Array(65)
const rawSha = median([0, 1, 2].map(() => timeUs(() => nativeSha256(node), 20_000)))
const rawSign = median([0, 1, 2].map(() => timeUs(() => ledger.signer.sign(node), 500)))
say(`raw: SHA-256 of a 65-byte node ${rawSha.toFixed(2)} µs; Ed25519 sign ${rawSign.toFixed(1)} µs`)

// Sealing: the sequencer's own structures, grown once to MAX and measured at each decade.
const tree = new StreamingRoot(nativeSha256)
const heads = new StreamHeads(nativeSha256)
const STREAMS_CHANGED = 1000
say('checkpoint sealing (root + right edge + stream-heads map with 1,000 changed streams + note signature), per checkpoint and per event at one checkpoint every 1,000 events:')
let pushed = 0
for (let size = 1000; size <= MAX; size *= 10) {
  const pushStarted = performance.now()
  for (; pushed < size; pushed++) {
    tree.push(entry(pushed))
    heads.record(`stream-${pushed % Math.max(1, size / 10)}`, 1 + Math.floor(pushed / 10), pushed + 1)
  }
  const pushUs = ((performance.now() - pushStarted) * 1000) / (size - (size === 1000 ? 0 : size / 10))
  const seal = () => {
    for (let i = 0; i < STREAMS_CHANGED; i++) heads.record(`stream-${i}`, size + i, size)
    const root = tree.root()
    tree.rightEdge()
    const streams = heads.commit()
    ledger.signer.sign(encoder.encode(checkpointText('model-ledger/bench', size, root)))
    return streams
  }
  seal()
  const sealUs = median([0, 1, 2].map(() => timeUs(seal, 20)))
  const perEvent = pushUs + sealUs / 1000
  say(`  ${fmt(size).padStart(10)} entries, ${fmt(heads.count).padStart(9)} streams: seal ${(sealUs / 1000).toFixed(2)} ms (= ${fmt(sealUs / rawSha)} SHA-256s, ${(sealUs / rawSign).toFixed(0)} signatures); tree append ${pushUs.toFixed(2)} µs/event; per event ${perEvent.toFixed(2)} µs`)
}

// Proofs in a MAX-entry tree, with level-0 tiles generated on demand as a store would read them.
const reader = {
  async readRange(from: number, limit: number): Promise<Envelope[]> {
    const out: Envelope[] = []
    for (let s = from; s < from + limit && s <= MAX; s++) out.push({ sequence: s, hash: Buffer.from(entry(s - 1)).toString('hex') } as Envelope)
    return out
  },
}
const indexStarted = performance.now()
const log = await LogTree.open(reader, nativeSha256, MAX)
say(`indexed a ${fmt(MAX)}-entry tree in ${((performance.now() - indexStarted) / 1000).toFixed(1)} s (${fmt(log.size / 256)} tile roots in memory, ${((log.size / 256) * 32 / 1e6).toFixed(1)} MB of hashes)`)
const picks = Array.from({ length: 200 }, (_, i) => 1 + Math.floor(((i + 0.5) / 200) * (MAX - 1)))
const consistencyUs = median([
  await timeUsAsync((i) => log.consistency(picks[i] as number, MAX), picks.length),
  await timeUsAsync((i) => log.consistency(picks[i] as number, MAX), picks.length),
  await timeUsAsync((i) => log.consistency(picks[i] as number, MAX), picks.length),
])
const inclusionUs = median([
  await timeUsAsync((i) => log.inclusion(picks[i] as number, MAX), picks.length),
  await timeUsAsync((i) => log.inclusion(picks[i] as number, MAX), picks.length),
  await timeUsAsync((i) => log.inclusion(picks[i] as number, MAX), picks.length),
])
const sizes = await Promise.all(picks.map(async (m) => (await log.consistency(m, MAX)).length))
const inclusionSizes = await Promise.all(picks.map(async (m) => (await log.inclusion(m, MAX)).length))
say(`${fmt(MAX)}-entry tree: consistency proof from 200 sizes spread over the log: median ${(consistencyUs / 1000).toFixed(2)} ms (= ${fmt(consistencyUs / rawSha)} SHA-256s, tile reads included), ${Math.min(...sizes)}-${Math.max(...sizes)} hashes (${Math.max(...sizes) * 32} bytes at most); inclusion proof ${(inclusionUs / 1000).toFixed(2)} ms, ${Math.max(...inclusionSizes)} hashes`)

// Tiles over HTTP, beside a bare server sending the same 8,192 bytes.
const store = await openLedgerStore({ backend: createMemoryBackend(), signer: ledger.signer, anchorEvery: 1_000_000, anchorIntervalMs: 0 })
for (let i = 0; i < EVENTS; i += 1000) {
  await store.append({ writes: [{ stream: `thing-${i}`, expected: Expected.any, events: Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => ({ type: 'ThingHappened', data: { j } })) }] })
}
await store.sealAnchor()
const server = await startServer({ store, blobs: createBlobStore(`/tmp/bench-tlog-blobs-${process.pid}`), logger: pino({ level: 'silent' }), limits: { perIp: { perSecond: 1e9, burst: 1e9 } }, crypto: nativeCrypto })
const tiles = Math.floor(EVENTS / 256)
const payload = Buffer.alloc(8192, 7)
const bare = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(payload))
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve))
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`

async function load(url: (i: number) => string, seconds: number, connections = 16): Promise<number> {
  let done = 0
  const deadline = performance.now() + seconds * 1000
  await Promise.all(Array.from({ length: connections }, async (_, c) => {
    for (let i = c; performance.now() < deadline; i += connections) {
      const response = await fetch(url(i))
      const body = new Uint8Array(await response.arrayBuffer())
      if (response.status !== 200 || body.length !== 8192) throw new Error(`${url(i)}: ${response.status}, ${body.length} bytes`)
      done++
    }
  }))
  return done / seconds
}
await load((i) => `${server.url}/tlog/tile/0/${tileIndexPath(i % tiles)}`, 1)
const tileUrl = (i: number) => `${server.url}/tlog/tile/0/${tileIndexPath((i * 7919) % tiles)}`
const tileRate = median([await load(tileUrl, 3), await load(tileUrl, 3), await load(tileUrl, 3)])
const bareRate = median([await load(() => bareUrl, 3), await load(() => bareUrl, 3), await load(() => bareUrl, 3)])
say(`full level-0 tiles over HTTP (16 connections, ${fmt(EVENTS)} events, ${fmt(tiles)} tiles, 64 cached): ${fmt(tileRate)} tiles/s; bare node:http with the same 8 KB ${fmt(bareRate)}/s; ratio ${(tileRate / bareRate).toFixed(2)}`)
await server.close()
await store.close()
bare.close()
