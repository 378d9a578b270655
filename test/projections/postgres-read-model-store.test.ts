/**
 * The PostgreSQL read-model store against the port's contract: every sequence of commits,
 * replaces and drops must end exactly as the in-memory reference store ends (same accepted and
 * refused writes, same statuses, same rows in the same order), and a checkpoint can only be
 * advanced once when two writers race from it.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryReadModelStore } from '../../projections/store/memory-store.js'
import { createPostgresReadModelStore } from '../../projections/store/postgres-store.js'
import { CheckpointConflict, type ReadModelStore } from '../../projections/store/port.js'
import { createTestDatabase, type TestDatabase } from '../infrastructure/store/postgres-db.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await db.drop()
})

const name = fc.constantFrom('accounts', 'proposals')
const key = fc.constantFrom('a', 'B', 'b', 'é', 'z-1', 'Z')
const change = fc.record({ key, json: fc.oneof(fc.constant(null), fc.integer().map(String)) })
const op = fc.oneof(
  fc.record({ kind: fc.constant('commit' as const), name, stale: fc.boolean(), to: fc.integer({ min: 1, max: 99 }), changes: fc.array(change, { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('replace' as const), name, version: fc.integer({ min: 1, max: 3 }), rows: fc.uniqueArray(fc.record({ key, json: fc.integer().map(String) }), { selector: (r) => r.key, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('drop' as const), name }),
)
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never

/** Applies one op, starting commits from the stored status (or a wrong one when `stale`). */
async function apply(store: ReadModelStore, o: Op): Promise<string> {
  try {
    if (o.kind === 'drop') await store.drop(o.name)
    else if (o.kind === 'replace') await store.replace({ name: o.name, version: o.version, checkpoint: 0 }, o.rows)
    else {
      const status = (await store.status(o.name)) ?? { name: o.name, version: 1, checkpoint: 0 }
      const from = o.stale ? { ...status, checkpoint: status.checkpoint + 1 } : status
      await store.commit(o.name, from, from.checkpoint + o.to, o.changes)
    }
    return 'ok'
  } catch (error) {
    if (error instanceof CheckpointConflict) return 'conflict'
    throw error
  }
}

async function contents(store: ReadModelStore) {
  const list = await store.list()
  return { list, rows: await Promise.all(list.map((s) => store.rows(s.name))) }
}

describe('PostgreSQL read-model store', () => {
  it('behaves as the in-memory reference under random commits, replaces and drops', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
        const pg = createPostgresReadModelStore(db.url(`rm_${++run}`))
        const memory = createMemoryReadModelStore()
        try {
          for (const o of ops) expect(await apply(pg, o)).toBe(await apply(memory, o))
          expect(await contents(pg)).toEqual(await contents(memory))
        } finally {
          await pg.close()
        }
      }),
      { numRuns: 20 },
    )
  })

  it('two writers racing from one checkpoint: exactly one advances it', async () => {
    const url = db.url('rm_race')
    const [a, b] = [createPostgresReadModelStore(url), createPostgresReadModelStore(url)]
    const from = { name: 'p', version: 1, checkpoint: 0 }
    const outcomes = await Promise.allSettled([a.commit('p', from, 5, [{ key: 'x', json: '"a"' }]), b.commit('p', from, 6, [{ key: 'x', json: '"b"' }])])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const rejected = outcomes.find((o) => o.status === 'rejected')
    expect(rejected?.status === 'rejected' ? rejected.reason : undefined).toBeInstanceOf(CheckpointConflict)
    const status = await a.status('p')
    expect(await a.row('p', 'x')).toBe(status?.checkpoint === 5 ? '"a"' : '"b"')
    await Promise.all([a.close(), b.close()])
  })

  it('keeps rows and checkpoints across reopening', async () => {
    const url = db.url('rm_reopen')
    const first = createPostgresReadModelStore(url)
    await first.commit('p', { name: 'p', version: 3, checkpoint: 0 }, 4, [{ key: 'k', json: '"v"' }])
    await first.close()
    const second = createPostgresReadModelStore(url)
    expect(await second.status('p')).toEqual({ name: 'p', version: 3, checkpoint: 4 })
    expect(await second.row('p', 'k')).toBe('"v"')
    await second.close()
  })

  it('shared: exactly one process holds the writer lease; when it goes, another takes it', async () => {
    const url = db.url('rm_lease')
    const stores = [0, 1, 2].map(() => createPostgresReadModelStore(url, { shared: true, leasePollMs: 50 }))
    await Promise.all(stores.map((store) => store.list()))
    const writers = () => stores.filter((store) => store.writable?.() === true)
    expect(writers()).toHaveLength(1)
    // Its session ends (the process went away): within a few polls exactly one other holds it.
    const first = writers()[0] as ReadModelStore
    await first.close()
    stores.splice(stores.indexOf(first), 1)
    const deadline = Date.now() + 5_000
    while (writers().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(writers()).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 200))
    expect(writers()).toHaveLength(1)
    // A store that is not shared has no lease: it always writes.
    const lone = createPostgresReadModelStore(url)
    expect(lone.writable).toBeUndefined()
    await Promise.all([...stores, lone].map((store) => store.close()))
  })
})
