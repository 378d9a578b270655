/**
 * The embedded read-model store: its own SQLite file beside the ledger (DIR/projections.db), in WAL
 * mode with synchronous=FULL like the ledger, so a batch that committed survives a crash and one
 * that did not leaves nothing behind.
 *
 * Rows are keyed (one SQLite row per read-model row) rather than one blob per projection: a batch
 * rewrites only what it touched, and a reader fetches one account without parsing every account.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { StoredChange, StoredRow } from '../table.js'
import { CheckpointConflict, type ProjectionStatus, type ReadModelStore } from './port.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS projections (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  checkpoint INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS rows (
  projection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (projection, key)
) STRICT, WITHOUT ROWID;
`

export const PROJECTIONS_FILE = 'projections.db'

/** Where a data directory keeps its read models. */
export function projectionsDbPath(dataDir: string): string {
  return join(dataDir, PROJECTIONS_FILE)
}

type StatusRow = { name: string; version: number; checkpoint: number }

export function createSqliteReadModelStore(file: string, options: { readonly?: boolean } = {}): ReadModelStore {
  const readonly = options.readonly ?? false
  const db = new Database(file, { readonly, fileMustExist: readonly })
  if (!readonly) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec(SCHEMA)
  }
  db.pragma('busy_timeout = 10000')

  const q = {
    list: db.prepare<[], StatusRow>('SELECT name, version, checkpoint FROM projections ORDER BY name'),
    status: db.prepare<[string], StatusRow>('SELECT name, version, checkpoint FROM projections WHERE name = ?'),
    rows: db.prepare<[string], { key: string; value: string }>('SELECT key, value FROM rows WHERE projection = ? ORDER BY key'),
    row: db.prepare<[string, string], { value: string }>('SELECT value FROM rows WHERE projection = ? AND key = ?'),
  }
  // Statements that write cannot be prepared on a read-only connection.
  const w = readonly
    ? undefined
    : {
        upsertStatus: db.prepare(
          'INSERT INTO projections (name, version, checkpoint) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version, checkpoint = excluded.checkpoint',
        ),
        upsertRow: db.prepare('INSERT INTO rows (projection, key, value) VALUES (?, ?, ?) ON CONFLICT (projection, key) DO UPDATE SET value = excluded.value'),
        deleteRow: db.prepare('DELETE FROM rows WHERE projection = ? AND key = ?'),
        deleteRows: db.prepare('DELETE FROM rows WHERE projection = ?'),
        deleteStatus: db.prepare('DELETE FROM projections WHERE name = ?'),
      }
  const writes = () => {
    if (w === undefined) throw new Error('the read-model store is open read-only')
    return w
  }

  const commitTx = db.transaction((name: string, from: ProjectionStatus, to: number, changes: readonly StoredChange[]) => {
    const s = writes()
    const current = q.status.get(name) ?? { name, version: from.version, checkpoint: 0 }
    if (current.version !== from.version || current.checkpoint !== from.checkpoint) {
      throw new CheckpointConflict(`${name} is at version ${current.version}, checkpoint ${current.checkpoint}; the write expected ${from.version}, ${from.checkpoint}`)
    }
    for (const change of changes) {
      if (change.json === null) s.deleteRow.run(name, change.key)
      else s.upsertRow.run(name, change.key, change.json)
    }
    s.upsertStatus.run(name, from.version, to)
  })

  const replaceTx = db.transaction((status: ProjectionStatus, rows: readonly StoredRow[]) => {
    const s = writes()
    s.deleteRows.run(status.name)
    for (const row of rows) s.upsertRow.run(status.name, row.key, row.json)
    s.upsertStatus.run(status.name, status.version, status.checkpoint)
  })

  const dropTx = db.transaction((name: string) => {
    writes().deleteRows.run(name)
    writes().deleteStatus.run(name)
  })

  return {
    kind: 'sqlite',
    list: async () => q.list.all(),
    status: async (name) => q.status.get(name),
    rows: async (name) => q.rows.all(name).map((row) => ({ key: row.key, json: row.value })),
    row: async (name, key) => q.row.get(name, key)?.value,
    async commit(name, from, to, changes) {
      commitTx.immediate(name, from, to, changes)
    },
    async replace(status, rows) {
      replaceTx.immediate(status, rows)
    },
    async drop(name) {
      dropTx.immediate(name)
    },
    async close() {
      if (db.open) db.close()
    },
  }
}
