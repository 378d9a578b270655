/**
 * A full store, for real: the SQLite file is capped with PRAGMA max_page_count at its size, so the
 * next write fails with SQLITE_FULL as on a full disk. The API answers 507, /readyz says storage,
 * /healthz does not claim the store is fine, and a write that fits again makes it ready.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import { createClient, keyFromSeed } from '../../../api/sdk/index.js'
import { defaultParams, tokens } from '../../../domain/governance/index.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../../../infrastructure/store/sqlite-backend.js'
import { isStorageFull } from '../../../infrastructure/store/storage-full.js'
import { ledgerKey, seedOf, WINDOWS } from './support.js'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

async function serverOn(file: string, maxPageCount?: number): Promise<{ store: EventStore; server: RunningServer }> {
  const store = await openLedgerStore({ backend: createSqliteBackend(file, maxPageCount === undefined ? {} : { maxPageCount }), signer: ledgerKey.signer, anchorIntervalMs: 0 })
  const server = await startServer({ store, logger: pino({ level: 'silent' }) })
  return { store, server }
}

describe('storage full', () => {
  it('answers 507 insufficient-storage, makes /readyz 503 (storage), and recovers once writes fit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ml-full-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'ledger.db')
    // Bind the key and learn the file's size in pages; then reopen capped at exactly that.
    const probe = createSqliteBackend(file)
    await probe.bindLedgerKey(ledgerKey.publicKey)
    await probe.close()
    const Database = (await import('better-sqlite3')).default
    const raw = new Database(file)
    raw.pragma('wal_checkpoint(TRUNCATE)')
    const pages = raw.pragma('page_count', { simple: true }) as number
    raw.close()

    const { store, server } = await serverOn(file, pages)
    const client = createClient({ baseUrl: server.url, ledger: ledgerKey.publicKey })
    const treasury = keyFromSeed(seedOf(20))
    // Big enough to need pages the capped file does not have.
    const allocations = Array.from({ length: 200 }, (_, i) => ({ account: keyFromSeed(createHash('sha256').update(`account ${i}`).digest('hex')).publicKey, amount: tokens(1) }))
    const genesis = { type: 'EstablishGenesis' as const, payload: { params: { ...defaultParams, ...WINDOWS }, treasuryKey: treasury.publicKey, treasury: tokens(1_000_000), allocations } }
    const refused = await client.actor(ledgerKey).governance(genesis).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toMatchObject({ status: 507 })
    expect(JSON.stringify(refused)).toContain('/problems/insufficient-storage')

    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(503)
    const body = (await ready.json()) as { reasons: string[]; storage: { ok: boolean; lastError: string } }
    expect(body.reasons).toContain('storage')
    expect(body.storage.ok).toBe(false)
    expect(body.storage.lastError).toMatch(/full/i)
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; notCovered: string[] }
    expect(health).toMatchObject({ status: 'ok' })
    expect(health.notCovered).toContain('storage')
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/^model_ledger_storage_ok 0$/m)
    await server.close()
    await store.close().catch((error: unknown) => expect(isStorageFull(error)).toBe(true))

    // Room again (the cap lifted): the same command goes in and the server is ready.
    const roomy = await serverOn(file)
    cleanups.push(async () => {
      await roomy.server.close()
      await roomy.store.close()
    })
    const again = createClient({ baseUrl: roomy.server.url, ledger: ledgerKey.publicKey })
    await again.actor(ledgerKey).governance(genesis)
    expect((await fetch(`${roomy.server.url}/readyz`)).status).toBe(200)
  })
})
