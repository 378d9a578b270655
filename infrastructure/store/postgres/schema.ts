/**
 * The ledger's tables in PostgreSQL. They mirror the SQLite layout (docs/ledger-format.md): the
 * envelope is kept as its canonical JSON text, so export and verification read the exact bytes
 * that were hashed, and `sequence` is the ledger's own gapless order, not a database sequence.
 */
import type { Pool } from 'pg'
import { withTransaction } from './transaction.js'
import { qualified } from './url.js'

/** Advisory-lock class for model-ledger; the object id is the schema's hash (see writer-lock.ts). */
export const LOCK_CLASS = 0x4d4c

function ddl(schema: string): string {
  const t = (name: string) => qualified(schema, name)
  return `
CREATE SCHEMA IF NOT EXISTS "${schema}";
CREATE TABLE IF NOT EXISTS ${t('ledger_meta')} (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t('events')} (
  sequence BIGINT PRIMARY KEY CHECK (sequence > 0),
  stream TEXT NOT NULL,
  stream_version INTEGER NOT NULL CHECK (stream_version > 0),
  type TEXT NOT NULL,
  hash TEXT NOT NULL,
  command_hash TEXT,
  recorded_at TEXT NOT NULL,
  envelope TEXT NOT NULL,
  UNIQUE (stream, stream_version)
);
CREATE TABLE IF NOT EXISTS ${t('commands')} (
  hash TEXT PRIMARY KEY,
  nonce_key TEXT NOT NULL UNIQUE,
  signed TEXT NOT NULL,
  result TEXT NOT NULL
);`
}

/**
 * Creates the schema once. Concurrent CREATE ... IF NOT EXISTS can still collide in the catalogue
 * when two instances start together, so creation runs under the ledger's advisory lock.
 */
export async function ensureSchema(pool: Pool, schema: string): Promise<void> {
  await createOnce(pool, schema, ddl(schema))
  const found = await pool.query(
    "SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'commands' AND column_name = 'nonce_key'",
    [schema],
  )
  if (found.rowCount === 0) {
    throw new Error(`schema ${schema} was written by an earlier ledger format (its commands have no ledger id or unique nonce); export what you need with that version and start a new ledger`)
  }
}

/** Runs DDL under the schema's advisory lock (transaction-scoped), so concurrent starts serialise. */
export async function createOnce(pool: Pool, schema: string, sql: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema])
    await client.query(sql)
  })
}
