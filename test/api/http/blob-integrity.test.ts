/** Blobs are checked before any header: a stored file whose bytes changed on disk is never served. */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import { createBlobStore, type BlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { ledgerKey } from './support.js'

let dir = ''
let blobs: BlobStore
let store: EventStore
let server: RunningServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ml-blob-integrity-'))
  blobs = createBlobStore(dir)
  store = await openLedgerStore({ backend: createMemoryBackend(), signer: ledgerKey.signer, anchorIntervalMs: 0 })
  server = await startServer({ store, blobs, logger: pino({ level: 'silent' }) })
})
afterAll(async () => {
  await server.close()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

async function put(text: string): Promise<{ hash: string; path: string }> {
  const bytes = new TextEncoder().encode(text)
  const hash = createHash('sha256').update(bytes).digest('hex')
  expect((await fetch(`${server.url}/v1/blobs/${hash}`, { method: 'PUT', body: bytes })).status).toBe(201)
  return { hash, path: join(dir, hash.slice(0, 2), hash) }
}

async function flipFirstByte(path: string): Promise<void> {
  const bytes = await readFile(path)
  bytes[0] = (bytes[0] ?? 0) ^ 0xff
  await writeFile(path, bytes)
}

describe('blob integrity', () => {
  it('serves a good blob, then answers 500 blob-corrupt without immutable caching once its bytes change on disk', async () => {
    const { hash, path } = await put('a blob served once, then corrupted')
    const good = await fetch(`${server.url}/v1/blobs/${hash}`)
    expect(good.status).toBe(200)
    expect(good.headers.get('cache-control')).toContain('immutable')
    expect(await good.text()).toBe('a blob served once, then corrupted')

    await flipFirstByte(path)
    for (const method of ['GET', 'HEAD']) {
      const bad = await fetch(`${server.url}/v1/blobs/${hash}`, { method })
      expect(bad.status).toBe(500)
      expect(bad.headers.get('content-type')).toContain('application/problem+json')
      expect(bad.headers.get('cache-control') ?? '').not.toContain('immutable')
      expect(bad.headers.get('etag')).not.toBe(`"${hash}"`)
      if (method === 'GET') expect(((await bad.json()) as { type: string }).type).toBe('/problems/blob-corrupt')
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/^model_ledger_blobs_corrupt_total 2$/m)
  })

  it('refuses a blob corrupted before it was ever served, and the store’s verify names it', async () => {
    const { hash, path } = await put('a blob corrupted before its first read')
    await flipFirstByte(path)
    const bad = await fetch(`${server.url}/v1/blobs/${hash}`)
    expect(bad.status).toBe(500)
    expect(((await bad.json()) as { type: string }).type).toBe('/problems/blob-corrupt')
    await expect(blobs.verify(hash)).rejects.toMatchObject({ code: 'corrupt' })
    expect((await fetch(`${server.url}/problems/blob-corrupt`)).status).toBe(200)
  })
})
