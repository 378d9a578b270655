/**
 * The PostgreSQL store (pg). Several processes may open one ledger: each batch is planned and
 * committed holding the ledger's advisory lock (postgres/writer-lock.ts), and commits on the
 * holder's own session, so a holder that lost its session cannot commit. The commit still
 * checks the head it was sealed against, as every backend does.
 *
 * Read order: `sequence` is assigned under the lock from the committed head, and the lock is
 * released only after the commit is visible (PostgreSQL marks a transaction committed before it
 * releases its locks, and aborts it before releasing them if the session dies). So sequence N+1
 * cannot become visible before N, across failover too: a reader that reads `sequence >= n` in
 * order never skips an event that commits late. readRange still stops at a gap, as a guard.
 */
import pg from 'pg'
import type { PoolClient } from 'pg'
import { canonicalize } from '../../domain/canonical/jcs.js'
import { signedCommandText } from '../verified-commands.js'
import type { JsonValue } from '../../domain/json.js'
import { nonceKey, type SignedCommand } from '../../domain/ledger/command.js'
import { ZERO_HASH, type Envelope } from '../../domain/ledger/envelope.js'
import { ANCHOR_STREAM } from '../../domain/ledger/names.js'
import { StaleHeadError, type SealedBatch, type StorageBackend, type StoredCommand, type StoredHead } from './backend.js'
import { channelName, createListener } from './postgres/notify.js'
import { inTransaction } from './postgres/transaction.js'
import { ledgerQueries, type Queries } from './postgres/queries.js'
import { ensureSchema, LOCK_CLASS } from './postgres/schema.js'
import { parsePostgresUrl } from './postgres/url.js'
import { createWriterLock } from './postgres/writer-lock.js'

export interface PostgresBackendOptions {
  /** Connections in this process's pool (default 4). */
  readonly poolSize?: number
}

type Queryable = Pick<PoolClient, 'query'>

async function readHead(db: Queryable, q: Queries): Promise<StoredHead> {
  const { rows } = await db.query<{ sequence: string; hash: string; recorded_at: string }>(q.head)
  const row = rows[0]
  return row === undefined ? { sequence: 0, hash: ZERO_HASH, recordedAt: null } : { sequence: Number(row.sequence), hash: row.hash, recordedAt: row.recorded_at }
}

async function insertBatch(db: Queryable, q: Queries, batch: SealedBatch): Promise<void> {
  const e = batch.envelopes
  await db.query(q.insertEvents, [
    e.map((x) => x.sequence),
    e.map((x) => x.stream),
    e.map((x) => x.streamVersion),
    e.map((x) => x.type),
    e.map((x) => x.hash),
    e.map((x) => (x.cause.kind === 'command' ? x.cause.commandHash : null)),
    e.map((x) => x.recordedAt),
    e.map((x, i) => batch.texts?.[i] ?? canonicalize(x as unknown as JsonValue)),
  ])
  const c = batch.commands
  if (c.length === 0) return
  await db.query(q.insertCommands, [c.map((x) => x.hash), c.map((x) => nonceKey(x.signed.command)), c.map((x) => signedCommandText(x.signed)), c.map((x) => JSON.stringify(x.result))])
}

/** Keeps the contiguous prefix starting at `from`: a reader never passes a missing sequence. */
function contiguous<T extends { sequence: string }>(rows: T[], from: number): T[] {
  const gap = rows.findIndex((row, i) => Number(row.sequence) !== from + i)
  return gap === -1 ? rows : rows.slice(0, gap)
}

export function createPostgresBackend(url: string, options: PostgresBackendOptions = {}): StorageBackend {
  const { connectionString, schema } = parsePostgresUrl(url)
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 4 })
  // An idle pooled connection that the server drops must not crash the process; the pool replaces it.
  pool.on('error', () => undefined)
  const q = ledgerQueries(schema)
  const lock = createWriterLock(pool, schema)
  const listener = createListener(connectionString, schema)
  const ready = ensureSchema(pool, schema)
  ready.catch(() => undefined)
  let writer: PoolClient | undefined

  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> => {
    await ready
    return (await pool.query<R>(text, values)).rows
  }

  async function commit(batch: SealedBatch): Promise<void> {
    await ready
    const held = writer
    const client = held ?? (await pool.connect())
    try {
      await inTransaction(client, async () => {
        // Outside exclusive() (import, tools), the commit takes the same lock for its transaction.
        if (held === undefined) await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema])
        const current = await readHead(client, q)
        if (current.sequence !== batch.expectedHead.sequence || current.hash !== batch.expectedHead.hash) throw new StaleHeadError('the head moved')
        await insertBatch(client, q, batch)
        const last = batch.envelopes[batch.envelopes.length - 1]
        await client.query('SELECT pg_notify($1, $2)', [channelName(schema), String(last?.sequence ?? 0)])
      })
    } finally {
      if (held === undefined) client.release()
    }
  }

  const parse = (rows: { envelope: string }[]): Envelope[] => rows.map((row) => JSON.parse(row.envelope) as Envelope)

  return {
    kind: 'postgres',
    async ledgerKey() {
      return (await query<{ value: string }>(q.getMeta, ['ledgerPublicKey']))[0]?.value
    },
    async bindLedgerKey(publicKey) {
      // Insert-if-absent, then read: two instances binding at once agree on one key.
      await query(q.setMetaOnce, ['ledgerPublicKey', publicKey])
      const bound = (await query<{ value: string }>(q.getMeta, ['ledgerPublicKey']))[0]?.value
      if (bound !== publicKey) throw new Error(`store belongs to ledger key ${bound ?? '(none)'}`)
    },
    head: async () => {
      await ready
      return readHead(pool, q)
    },
    async lastAnchor() {
      const row = (await query<{ sequence: string; hash: string }>(q.lastOfStream, [ANCHOR_STREAM]))[0]
      return row === undefined ? undefined : { sequence: Number(row.sequence), hash: row.hash }
    },
    async streamHeads() {
      const rows = await query<{ stream: string; version: number; last: string }>(q.streamHeads, [])
      return rows.map((row) => ({ stream: row.stream, version: row.version, lastSequence: Number(row.last) }))
    },
    async streamVersions(streams) {
      const rows = await query<{ stream: string; version: number }>(q.streamVersions, [[...streams]])
      return new Map(rows.map((row) => [row.stream, row.version]))
    },
    async findCommands(hashes) {
      const found = new Map<string, StoredCommand>()
      if (hashes.length === 0) return found
      for (const row of await query<{ hash: string; signed: string; result: string }>(q.commands, [[...hashes]])) {
        found.set(row.hash, { hash: row.hash, signed: JSON.parse(row.signed) as SignedCommand, result: JSON.parse(row.result) as StoredCommand['result'] })
      }
      return found
    },
    async findNonces(keys) {
      const found = new Map<string, string>()
      if (keys.length === 0) return found
      for (const row of await query<{ nonce_key: string; hash: string }>(q.nonces, [[...keys]])) found.set(row.nonce_key, row.hash)
      return found
    },
    commit,
    async exclusive(work) {
      await ready
      return lock.exclusive(async (client) => {
        writer = client
        try {
          return await work()
        } finally {
          writer = undefined
        }
      })
    },
    watch: (onCommit) => listener.watch(onCommit),
    readRange: async (from, limit) => parse(contiguous(await query<{ sequence: string; envelope: string }>(q.range, [from, limit]), from)),
    readStream: async (stream, fromVersion, limit) => parse(await query<{ envelope: string }>(q.stream, [stream, fromVersion, limit])),
    async readRawRange(from, limit) {
      const rows = contiguous(await query<{ sequence: string; command_hash: string | null; envelope: string }>(q.range, [from, limit]), from)
      return rows.map((row) => ({ sequence: Number(row.sequence), commandHash: row.command_hash, json: row.envelope }))
    },
    async readCommand(hash) {
      const row = (await query<{ signed: string }>(q.command, [hash]))[0]
      return row === undefined ? undefined : (JSON.parse(row.signed) as SignedCommand)
    },
    async close() {
      await listener.close()
      await pool.end().catch(() => undefined)
    },
  }
}
