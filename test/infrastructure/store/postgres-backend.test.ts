import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAnchor } from '../../../domain/ledger/anchor.js'
import { Expected, type EventStore } from '../../../domain/ports/event-store.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createPostgresBackend } from '../../../infrastructure/store/postgres-backend.js'
import { describeEventStore } from './conformance.js'
import { createTestDatabase, type TestDatabase } from './postgres-db.js'
import { assertChain, collect, command, ledgerSigner, otherLedgerSigner, waitFor } from './support.js'
import { checkTakesInOtherWriters } from './other-writers.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await db.drop()
})

// Each fixture is a fresh schema; reopening creates a new backend (a new pool) on the same schema.
describeEventStore('postgres', () => {
  const url = db.url()
  const opened: StorageBackend[] = []
  return {
    backend() {
      const backend = createPostgresBackend(url)
      opened.push(backend)
      return backend
    },
    async dispose() {
      for (const backend of opened) await backend.close()
    },
  }
})

describe('postgres backend: several instances on one ledger', () => {
  const stores: EventStore[] = []
  afterAll(async () => {
    for (const store of stores) await store.close()
  })

  async function open(url: string, anchorEvery = 16): Promise<EventStore> {
    const store = await openLedgerStore({ backend: createPostgresBackend(url), signer: ledgerSigner, anchorIntervalMs: 0, anchorEvery, pollIntervalMs: 60_000 })
    stores.push(store)
    return store
  }

  it('three instances appending at once keep one gapless, valid chain', async () => {
    const url = db.url()
    const instances = await Promise.all([open(url), open(url), open(url)])
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => instances[i % 3]?.append({ writes: [{ stream: `order-${i % 7}`, expected: Expected.any, events: [{ type: 'Placed', data: { i } }] }] })),
    )
    expect(new Set(results.map((r) => r?.firstSequence)).size).toBe(300)
    const log = await collect(instances[0]?.readAll() ?? [])
    assertChain(log, instances[0]?.ledgerPublicKey ?? '')
    expect(log.filter((e) => !isAnchor(e))).toHaveLength(300)
  })

  it('an instance takes in what another appended by reading only those events, and its checkpoints still verify', async () => {
    const url = db.url()
    await checkTakesInOtherWriters(() => createPostgresBackend(url), (store) => stores.push(store))
  })

  it('one command sent to two instances at once is written once', async () => {
    const url = db.url()
    const [a, b] = await Promise.all([open(url), open(url)])
    if (a === undefined || b === undefined) throw new Error('unreachable')
    const request = { writes: [{ stream: 'order-1', expected: Expected.any, events: [{ type: 'Placed', data: {} }] }], command: command() }
    const results = await Promise.all([a, b, a, b].map((store) => store.append(request)))
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1)
    expect(await b.streamVersion('order-1')).toBe(1)
  })

  it('NOTIFY wakes a live subscription on another instance without polling', async () => {
    const url = db.url()
    const [writer, reader] = await Promise.all([open(url), open(url)])
    if (writer === undefined || reader === undefined) throw new Error('unreachable')
    const seen: number[] = []
    const subscription = reader.subscribe(1)
    const follow = (async () => {
      for await (const envelope of subscription) seen.push(envelope.sequence)
    })()
    await writer.append({ writes: [{ stream: 'order-1', expected: Expected.any, events: [{ type: 'Placed', data: {} }] }] })
    // pollIntervalMs is a minute: only the notification can deliver this within the wait.
    await waitFor(async () => seen.includes(1), 5000)
    subscription.close()
    await follow
  })

  it('refuses a schema bound to another ledger key', async () => {
    const url = db.url()
    await (await open(url)).close()
    const backend = createPostgresBackend(url)
    await expect(openLedgerStore({ backend, signer: otherLedgerSigner })).rejects.toThrow(/ledger key/)
    await backend.close()
  })
})
