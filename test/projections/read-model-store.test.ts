/**
 * The read-model store port, on SQLite and memory alike: a write must start from the stored
 * checkpoint (two runners cannot both advance one projection), rows and checkpoint move together,
 * a replace swaps everything at once, and SQLite keeps it all across reopening.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryReadModelStore } from '../../projections/store/memory-store.js'
import { CheckpointConflict, type ReadModelStore } from '../../projections/store/port.js'
import { createSqliteReadModelStore, projectionsDbPath } from '../../projections/store/sqlite-store.js'
import { tempDir } from './support.js'

const { dir, cleanup } = tempDir('read-model-store-')
afterAll(cleanup)
let n = 0

const stores: [string, () => ReadModelStore][] = [
  ['memory', createMemoryReadModelStore],
  ['sqlite', () => createSqliteReadModelStore(join(dir, `store-${++n}.db`))],
]

describe.each(stores)('read-model store (%s)', (_kind, open) => {
  it('commits rows with the checkpoint, and refuses a write from a stale checkpoint', async () => {
    const store = open()
    const v1 = { name: 'p', version: 1, checkpoint: 0 }
    await store.commit('p', v1, 5, [{ key: 'b', json: '{"x":1}' }, { key: 'a', json: '2' }])
    expect(await store.status('p')).toEqual({ name: 'p', version: 1, checkpoint: 5 })
    expect(await store.rows('p')).toEqual([{ key: 'a', json: '2' }, { key: 'b', json: '{"x":1}' }])
    await expect(store.commit('p', v1, 9, [{ key: 'c', json: '3' }])).rejects.toBeInstanceOf(CheckpointConflict)
    await expect(store.commit('p', { ...v1, version: 2, checkpoint: 5 }, 9, [])).rejects.toBeInstanceOf(CheckpointConflict)
    expect(await store.row('p', 'c')).toBeUndefined()
    await store.commit('p', { ...v1, checkpoint: 5 }, 7, [{ key: 'a', json: null }])
    expect(await store.rows('p')).toEqual([{ key: 'b', json: '{"x":1}' }])
    await store.close()
  })

  it('replaces rows, version and checkpoint at once, and drops', async () => {
    const store = open()
    await store.commit('p', { name: 'p', version: 1, checkpoint: 0 }, 3, [{ key: 'old', json: '1' }])
    await store.commit('q', { name: 'q', version: 1, checkpoint: 0 }, 3, [{ key: 'keep', json: '1' }])
    await store.replace({ name: 'p', version: 2, checkpoint: 10 }, [{ key: 'new', json: '2' }])
    expect(await store.rows('p')).toEqual([{ key: 'new', json: '2' }])
    expect((await store.list()).map((s) => [s.name, s.version, s.checkpoint])).toEqual([['p', 2, 10], ['q', 1, 3]])
    await store.drop('p')
    expect(await store.status('p')).toBeUndefined()
    expect(await store.rows('q')).toEqual([{ key: 'keep', json: '1' }])
    await store.close()
  })
})

describe('SQLite read-model store', () => {
  it('keeps rows and checkpoints across reopening, and opens read-only for readers', async () => {
    const file = projectionsDbPath(dir)
    const store = createSqliteReadModelStore(file)
    await store.commit('p', { name: 'p', version: 3, checkpoint: 0 }, 4, [{ key: 'k', json: '"v"' }])
    await store.close()
    const reader = createSqliteReadModelStore(file, { readonly: true })
    expect(await reader.status('p')).toEqual({ name: 'p', version: 3, checkpoint: 4 })
    expect(await reader.row('p', 'k')).toBe('"v"')
    await expect(reader.commit('p', { name: 'p', version: 3, checkpoint: 4 }, 5, [])).rejects.toThrow(/read-only/)
    await reader.close()
  })
})
