/**
 * Read models in PostgreSQL: the same port as the SQLite store, each batch of rows and its
 * checkpoint in one transaction. The status row is locked (FOR UPDATE) before the checkpoint is
 * compared, so two runners on one database cannot both advance a projection from one checkpoint.
 * Keys sort with COLLATE "C" (byte order), as SQLite's BINARY does, whatever the database locale.
 */
import pg from 'pg'
import type { PoolClient } from 'pg'
import { createOnce } from '../../infrastructure/store/postgres/schema.js'
import { withTransaction } from '../../infrastructure/store/postgres/transaction.js'
import { parsePostgresUrl, qualified } from '../../infrastructure/store/postgres/url.js'
import type { StoredChange, StoredRow } from '../table.js'
import { CheckpointConflict, type ProjectionStatus, type ReadModelStore } from './port.js'

type StatusRow = { name: string; version: number; checkpoint: string }

const toStatus = (row: StatusRow): ProjectionStatus => ({ name: row.name, version: row.version, checkpoint: Number(row.checkpoint) })

function statements(schema: string) {
  const p = qualified(schema, 'projections')
  const r = qualified(schema, 'read_model_rows')
  return {
    ddl: `CREATE SCHEMA IF NOT EXISTS "${schema}";
      CREATE TABLE IF NOT EXISTS ${p} (name TEXT PRIMARY KEY, version INTEGER NOT NULL, checkpoint BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${r} (projection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (projection, key));`,
    list: `SELECT name, version, checkpoint FROM ${p} ORDER BY name COLLATE "C"`,
    status: `SELECT name, version, checkpoint FROM ${p} WHERE name = $1`,
    lockStatus: `SELECT name, version, checkpoint FROM ${p} WHERE name = $1 FOR UPDATE`,
    claim: `INSERT INTO ${p} (name, version, checkpoint) VALUES ($1, $2, 0) ON CONFLICT (name) DO NOTHING`,
    setStatus: `INSERT INTO ${p} (name, version, checkpoint) VALUES ($1, $2, $3)
      ON CONFLICT (name) DO UPDATE SET version = excluded.version, checkpoint = excluded.checkpoint`,
    rows: `SELECT key, value FROM ${r} WHERE projection = $1 ORDER BY key COLLATE "C"`,
    row: `SELECT value FROM ${r} WHERE projection = $1 AND key = $2`,
    upsertRows: `INSERT INTO ${r} (projection, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS u(k, v)
      ON CONFLICT (projection, key) DO UPDATE SET value = excluded.value`,
    deleteKeys: `DELETE FROM ${r} WHERE projection = $1 AND key = ANY($2::text[])`,
    deleteRows: `DELETE FROM ${r} WHERE projection = $1`,
    deleteStatus: `DELETE FROM ${p} WHERE name = $1`,
  }
}

/** The net effect of a batch of changes in order: last write per key wins. */
function net(changes: readonly StoredChange[]): { upserts: [string[], string[]]; deletes: string[] } {
  const last = new Map<string, string | null>()
  for (const change of changes) last.set(change.key, change.json)
  const upserts: [string[], string[]] = [[], []]
  const deletes: string[] = []
  for (const [key, json] of last) {
    if (json === null) deletes.push(key)
    else {
      upserts[0].push(key)
      upserts[1].push(json)
    }
  }
  return { upserts, deletes }
}

/** `url` is a postgres:// URL; `?schema=` picks the schema (default model_ledger_read_models). */
export function createPostgresReadModelStore(url: string): ReadModelStore {
  const { connectionString, schema } = parsePostgresUrl(url, 'model_ledger_read_models')
  const pool = new pg.Pool({ connectionString, max: 4 })
  pool.on('error', () => undefined)
  const q = statements(schema)
  const ready = createOnce(pool, schema, q.ddl)
  ready.catch(() => undefined)

  async function read<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    await ready
    return (await pool.query<R>(text, values)).rows
  }

  async function transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    await ready
    await withTransaction(pool, work)
  }

  async function writeRows(client: PoolClient, name: string, changes: readonly StoredChange[]): Promise<void> {
    const { upserts, deletes } = net(changes)
    if (deletes.length > 0) await client.query(q.deleteKeys, [name, deletes])
    if (upserts[0].length > 0) await client.query(q.upsertRows, [name, ...upserts])
  }

  return {
    kind: 'postgres',
    list: async () => (await read<StatusRow>(q.list, [])).map(toStatus),
    async status(name) {
      const row = (await read<StatusRow>(q.status, [name]))[0]
      return row === undefined ? undefined : toStatus(row)
    },
    rows: async (name) => (await read<{ key: string; value: string }>(q.rows, [name])).map((row): StoredRow => ({ key: row.key, json: row.value })),
    row: async (name, key) => (await read<{ value: string }>(q.row, [name, key]))[0]?.value,
    commit: (name, from, to, changes) =>
      transaction(async (client) => {
        // A projection seen for the first time starts at (from.version, 0): claim that row to lock it.
        await client.query(q.claim, [name, from.version])
        const row = (await client.query<StatusRow>(q.lockStatus, [name])).rows[0]
        const current = row === undefined ? { name, version: from.version, checkpoint: 0 } : toStatus(row)
        if (current.version !== from.version || current.checkpoint !== from.checkpoint) {
          throw new CheckpointConflict(`${name} is at version ${current.version}, checkpoint ${current.checkpoint}; the write expected ${from.version}, ${from.checkpoint}`)
        }
        await writeRows(client, name, changes)
        await client.query(q.setStatus, [name, from.version, to])
      }),
    replace: (status, rows) =>
      transaction(async (client) => {
        await client.query(q.deleteRows, [status.name])
        await writeRows(client, status.name, rows)
        await client.query(q.setStatus, [status.name, status.version, status.checkpoint])
      }),
    drop: (name) =>
      transaction(async (client) => {
        await client.query(q.deleteRows, [name])
        await client.query(q.deleteStatus, [name])
      }),
    async close() {
      await pool.end().catch(() => undefined)
    },
  }
}
