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

/** The advisory lock class of the read-model writer lease ("MR"); the ledger's sequencer uses "ML". */
export const READ_MODEL_LOCK_CLASS = 0x4d52

export interface PostgresReadModelOptions {
  /**
   * Several `serve` processes share these read models (one ledger on PostgreSQL): one of them at a
   * time holds the writer lease and writes; `writable()` says whether this one does.
   */
  readonly shared?: boolean
  /** How often a process without the lease tries to take it, and the holder checks its session (ms, default 1000). */
  readonly leasePollMs?: number
}

/**
 * The writer lease: a session-level advisory lock held for as long as its session lives. The
 * holder's session checks itself every poll; PostgreSQL releases the lock when the session ends,
 * which it does when the holder's process dies, and after `idle_session_timeout` (30 s) for a
 * holder that froze. The others try to take it every poll.
 */
function writerLease(connectionString: string, schema: string, pollMs: number): { holds: () => boolean; first: Promise<void>; close: () => Promise<void> } {
  let client: pg.Client | undefined
  let held = false
  let closed = false
  let timer: NodeJS.Timeout | undefined
  async function tick(): Promise<void> {
    try {
      if (client === undefined) {
        const fresh = new pg.Client({ connectionString })
        fresh.on('error', () => {
          held = false
          if (client === fresh) client = undefined
          void fresh.end().catch(() => undefined)
        })
        await fresh.connect()
        await fresh.query("SET idle_session_timeout = '30s'")
        client = fresh
      }
      if (held) await client.query('SELECT 1')
      else held = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [READ_MODEL_LOCK_CLASS, schema])).rows[0]?.ok === true
    } catch {
      held = false
      const broken = client
      client = undefined
      await broken?.end().catch(() => undefined)
    }
  }
  const loop = async (): Promise<void> => {
    await tick()
    if (!closed) timer = setTimeout(() => void loop(), pollMs).unref()
  }
  const first = loop()
  return {
    holds: () => held && !closed,
    first,
    async close() {
      closed = true
      held = false
      if (timer !== undefined) clearTimeout(timer)
      await first
      await client?.end().catch(() => undefined)
      client = undefined
    },
  }
}

/** `url` is a postgres:// URL; `?schema=` picks the schema (default model_ledger_read_models). */
export function createPostgresReadModelStore(url: string, options: PostgresReadModelOptions = {}): ReadModelStore {
  const { connectionString, schema } = parsePostgresUrl(url, 'model_ledger_read_models')
  const pool = new pg.Pool({ connectionString, max: 4 })
  pool.on('error', () => undefined)
  const q = statements(schema)
  const lease = options.shared === true ? writerLease(connectionString, schema, options.leasePollMs ?? 1000) : undefined
  // The first try for the lease comes before the first read, so a lone instance writes from the start.
  const ready = Promise.all([createOnce(pool, schema, q.ddl), lease?.first]).then(() => undefined)
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
    ...(lease === undefined ? {} : { writable: lease.holds }),
    async close() {
      await lease?.close()
      await pool.end().catch(() => undefined)
    },
  }
}
