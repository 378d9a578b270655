/** An in-memory read-model store: the reference behaviour for tests. */
import { compareKeys, type StoredRow } from '../table.js'
import { CheckpointConflict, type ProjectionStatus, type ReadModelStore } from './port.js'

interface Entry {
  status: ProjectionStatus
  rows: Map<string, string>
}

export function createMemoryReadModelStore(): ReadModelStore {
  const entries = new Map<string, Entry>()

  function check(name: string, from: ProjectionStatus): Entry {
    const entry = entries.get(name) ?? { status: { name, version: from.version, checkpoint: 0 }, rows: new Map<string, string>() }
    if (entry.status.version !== from.version || entry.status.checkpoint !== from.checkpoint) {
      throw new CheckpointConflict(`${name} is at version ${entry.status.version}, checkpoint ${entry.status.checkpoint}; the write expected ${from.version}, ${from.checkpoint}`)
    }
    return entry
  }

  return {
    kind: 'memory',
    list: async () => [...entries.values()].map((entry) => entry.status).sort((a, b) => compareKeys(a.name, b.name)),
    status: async (name) => entries.get(name)?.status,
    async rows(name) {
      const rows = entries.get(name)?.rows ?? new Map<string, string>()
      return [...rows.keys()].sort(compareKeys).map((key): StoredRow => ({ key, json: rows.get(key) as string }))
    },
    row: async (name, key) => entries.get(name)?.rows.get(key),
    async commit(name, from, to, changes) {
      const entry = check(name, from)
      for (const change of changes) {
        if (change.json === null) entry.rows.delete(change.key)
        else entry.rows.set(change.key, change.json)
      }
      entry.status = { name, version: from.version, checkpoint: to }
      entries.set(name, entry)
    },
    async replace(status, rows) {
      entries.set(status.name, { status, rows: new Map(rows.map((row) => [row.key, row.json])) })
    },
    async drop(name) {
      entries.delete(name)
    },
    async close() {},
  }
}
