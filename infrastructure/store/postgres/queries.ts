/** The SQL a PostgreSQL ledger runs, built once per schema. */
import { qualified } from './url.js'

export type Queries = ReturnType<typeof ledgerQueries>

export function ledgerQueries(schema: string) {
  const events = qualified(schema, 'events')
  const commands = qualified(schema, 'commands')
  const meta = qualified(schema, 'ledger_meta')
  return {
    getMeta: `SELECT value FROM ${meta} WHERE key = $1`,
    setMetaOnce: `INSERT INTO ${meta} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
    head: `SELECT sequence, hash, recorded_at FROM ${events} ORDER BY sequence DESC LIMIT 1`,
    lastOfStream: `SELECT sequence, hash FROM ${events} WHERE stream = $1 ORDER BY stream_version DESC LIMIT 1`,
    streamHeads: `SELECT stream, MAX(stream_version)::int AS version, MAX(sequence)::text AS last FROM ${events} GROUP BY stream ORDER BY MIN(sequence)`,
    // One index probe per stream rather than MAX over a join: the unique (stream, stream_version) index answers it.
    streamVersions: `SELECT s.stream, COALESCE((SELECT e.stream_version FROM ${events} e WHERE e.stream = s.stream ORDER BY e.stream_version DESC LIMIT 1), 0) AS version
      FROM unnest($1::text[]) AS s(stream)`,
    commands: `SELECT hash, signed, result FROM ${commands} WHERE hash = ANY($1::text[])`,
    command: `SELECT signed FROM ${commands} WHERE hash = $1`,
    nonces: `SELECT nonce_key, hash FROM ${commands} WHERE nonce_key = ANY($1::text[])`,
    range: `SELECT sequence, command_hash, envelope FROM ${events} WHERE sequence >= $1 ORDER BY sequence LIMIT $2`,
    stream: `SELECT envelope FROM ${events} WHERE stream = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3`,
    insertEvents: `INSERT INTO ${events} (sequence, stream, stream_version, type, hash, command_hash, recorded_at, envelope)
      SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
    insertCommands: `INSERT INTO ${commands} (hash, nonce_key, signed, result) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
  }
}
