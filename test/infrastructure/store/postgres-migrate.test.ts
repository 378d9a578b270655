/** migrate: a SQLite data directory into an empty PostgreSQL schema, byte for byte; a non-empty target is refused. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateCommand } from '../../../api/cli/commands/migrate.js'
import { CommandFailed, EXIT } from '../../../api/cli/io.js'
import { Expected } from '../../../domain/ports/event-store.js'
import { initDataDir, openLedger, openReadOnly } from '../../../infrastructure/data-dir.js'
import { createPostgresBackend } from '../../../infrastructure/store/postgres-backend.js'
import { createTestDatabase, type TestDatabase } from './postgres-db.js'
import { collect, command } from './support.js'

let db: TestDatabase
let root: string
beforeAll(async () => {
  db = await createTestDatabase()
  root = await mkdtemp(join(tmpdir(), 'ml-migrate-test-'))
})
afterAll(async () => {
  await db.drop()
  await rm(root, { recursive: true, force: true })
})

describe('model-ledger migrate', () => {
  it('moves a ledger into PostgreSQL unchanged, verifies it, and the chain continues there', async () => {
    const dir = join(root, 'data')
    await initDataDir(dir, { config: { anchorEvery: 7, anchorIntervalMs: 0 } })
    const { store } = await openLedger(dir)
    for (let i = 0; i < 40; i++) await store.append({ writes: [{ stream: `order-${i % 3}`, expected: Expected.any, events: [{ type: 'Placed', data: { i } }] }], command: command({ i }, undefined, store.ledgerPublicKey) })
    await store.close()
    const url = db.url('migrated')
    const write = process.stdout.write
    process.stdout.write = () => true
    try {
      expect(await migrateCommand.run(['--from', dir, '--to', url])).toBe(EXIT.ok)
      await expect(migrateCommand.run(['--from', dir, '--to', url])).rejects.toBeInstanceOf(CommandFailed)
    } finally {
      process.stdout.write = write
    }
    const source = openReadOnly(dir)
    const target = createPostgresBackend(url)
    expect(await target.readRawRange(1, 1000)).toEqual(await source.readRawRange(1, 1000))
    expect(await target.head()).toEqual(await source.head())
    await source.close()
    await target.close()

    const moved = await openLedger(dir, { backend: createPostgresBackend(url) })
    await moved.store.append({ writes: [{ stream: 'order-0', expected: Expected.exact(14), events: [{ type: 'Placed', data: {} }] }] })
    const log = await collect(moved.store.readAll())
    expect(log[log.length - 1]?.prevHash).toBe(log[log.length - 2]?.hash)
    await moved.store.close()
  })
})
