/**
 * Where snapshots live (docs/snapshots.md). With the embedded store: files in DIR/snapshots/, one
 * per snapshot, named by sequence and hash, written to a synced temporary file and renamed into
 * place. With PostgreSQL: a `snapshots` table in the ledger's schema, which every instance on that
 * schema reads and writes. Either way a snapshot is written once and never changed; the newest few
 * are kept.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { syncDirectory } from '../keys/atomic-write.js'
import { createOnce } from '../store/postgres/schema.js'
import { parsePostgresUrl, qualified } from '../store/postgres/url.js'
import { storeKind } from '../store/store-kind.js'

export interface SnapshotRecord {
  readonly sequence: number
  /** SHA-256 of the bytes, hex, as recorded when they were written. */
  readonly hash: string
  readonly bytes: number
}

export interface SnapshotStore {
  /** For logs: the directory or the table. */
  readonly where: string
  /** Every snapshot held, newest (highest sequence) first. */
  list(): Promise<SnapshotRecord[]>
  read(record: SnapshotRecord): Promise<Uint8Array | undefined>
  /** Writes the chunks (UTF-8 text, in order) as the snapshot at `sequence`, hashing them on the way. */
  write(sequence: number, chunks: AsyncIterable<string>): Promise<SnapshotRecord>
  /** Deletes all but the newest `keep`. */
  prune(keep: number): Promise<void>
  close(): Promise<void>
}

/** A write's text gathered into buffers of about this many bytes before they go out. */
const FLUSH_BYTES = 1 << 20

/** SHA-256 as domain/snapshot/codec.ts's snapshotHash, by OpenSSL (about 10× the portable one's speed). */
function snapshotHasher(): { updateBytes(bytes: Uint8Array): void; digest(): string } {
  const hash = createHash('sha256')
  return { updateBytes: (bytes) => void hash.update(bytes), digest: () => hash.digest('hex') }
}

const NAME = /^([0-9]{16})-([0-9a-f]{64})\.snapshot\.json$/

export function snapshotDir(root: string): string {
  return join(root, 'snapshots')
}

/** Snapshots as files in `dir` (DIR/snapshots for a data directory). */
export function dirSnapshotStore(dir: string): SnapshotStore {
  const fileOf = (record: Pick<SnapshotRecord, 'sequence' | 'hash'>): string => join(dir, `${String(record.sequence).padStart(16, '0')}-${record.hash}.snapshot.json`)

  async function list(): Promise<SnapshotRecord[]> {
    let names: string[]
    try {
      names = await readdir(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    const records: SnapshotRecord[] = []
    for (const name of names) {
      const match = NAME.exec(name)
      if (match === null) continue
      const record = { sequence: Number(match[1]), hash: match[2] as string }
      const size = await stat(join(dir, name)).then((s) => s.size, () => -1)
      if (size >= 0) records.push({ ...record, bytes: size })
    }
    return records.sort((a, b) => b.sequence - a.sequence)
  }

  return {
    where: dir,
    list,
    async read(record) {
      try {
        return new Uint8Array(await readFile(fileOf(record)))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
    },
    async write(sequence, chunks) {
      await mkdir(dir, { recursive: true })
      const temp = join(dir, `.${String(sequence).padStart(16, '0')}.${randomBytes(6).toString('hex')}.tmp`)
      const hasher = snapshotHasher()
      let bytes = 0
      const handle = await open(temp, 'wx', 0o600)
      try {
        let pending: Buffer[] = []
        let pendingBytes = 0
        const flush = async (): Promise<void> => {
          if (pendingBytes === 0) return
          const buffer = Buffer.concat(pending, pendingBytes)
          pending = []
          pendingBytes = 0
          await handle.write(buffer)
        }
        for await (const chunk of chunks) {
          const buffer = Buffer.from(chunk, 'utf8')
          hasher.updateBytes(buffer)
          bytes += buffer.length
          pending.push(buffer)
          pendingBytes += buffer.length
          if (pendingBytes >= FLUSH_BYTES) await flush()
        }
        await flush()
        await handle.sync()
      } catch (error) {
        await handle.close().catch(() => undefined)
        await rm(temp, { force: true })
        throw error
      }
      await handle.close()
      const record = { sequence, hash: hasher.digest(), bytes }
      await rename(temp, fileOf(record))
      await syncDirectory(dir)
      return record
    },
    async prune(keep) {
      const records = await list()
      for (const record of records.slice(Math.max(0, keep))) await rm(fileOf(record), { force: true })
    },
    close: async () => undefined,
  }
}

/**
 * Snapshots in the `snapshots` table of a PostgreSQL ledger's schema (the `--store` URL). Every
 * instance on the schema shares them: two that write the same sequence write the same bytes (the
 * encoding is deterministic), so the second insert is a no-op, and a different hash for a
 * sequence already held is an error worth stopping for.
 */
export function postgresSnapshotStore(url: string): SnapshotStore {
  const { connectionString, schema } = parsePostgresUrl(url)
  const table = qualified(schema, 'snapshots')
  const pool = new pg.Pool({ connectionString, max: 2 })
  pool.on('error', () => undefined)
  const ready = createOnce(
    pool,
    schema,
    `CREATE SCHEMA IF NOT EXISTS "${schema}";
CREATE TABLE IF NOT EXISTS ${table} (
  sequence BIGINT PRIMARY KEY CHECK (sequence > 0),
  hash TEXT NOT NULL,
  bytes BYTEA NOT NULL,
  written_at TIMESTAMPTZ NOT NULL DEFAULT now()
);`,
  )
  ready.catch(() => undefined)
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> => {
    await ready
    return (await pool.query<R>(text, values)).rows
  }
  const toRecord = (row: { sequence: string; hash: string; size: number }): SnapshotRecord => ({ sequence: Number(row.sequence), hash: row.hash, bytes: Number(row.size) })
  return {
    where: `${schema}.snapshots`,
    list: async () => (await query<{ sequence: string; hash: string; size: number }>(`SELECT sequence, hash, octet_length(bytes) AS size FROM ${table} ORDER BY sequence DESC`)).map(toRecord),
    async read(record) {
      const row = (await query<{ bytes: Buffer }>(`SELECT bytes FROM ${table} WHERE sequence = $1 AND hash = $2`, [record.sequence, record.hash]))[0]
      return row === undefined ? undefined : new Uint8Array(row.bytes)
    },
    async write(sequence, chunks) {
      const hasher = snapshotHasher()
      const parts: Buffer[] = []
      let bytes = 0
      for await (const chunk of chunks) {
        const buffer = Buffer.from(chunk, 'utf8')
        hasher.updateBytes(buffer)
        parts.push(buffer)
        bytes += buffer.length
      }
      const hash = hasher.digest()
      await query(`INSERT INTO ${table} (sequence, hash, bytes) VALUES ($1, $2, $3) ON CONFLICT (sequence) DO NOTHING`, [sequence, hash, Buffer.concat(parts, bytes)])
      const held = (await query<{ hash: string }>(`SELECT hash FROM ${table} WHERE sequence = $1`, [sequence]))[0]
      if (held?.hash !== hash) throw new Error(`the snapshot at sequence ${sequence} in ${schema}.snapshots hashes to ${held?.hash ?? '(none)'}, not ${hash}: two instances folded the same log differently, or run builds with other rules (docs/snapshots.md, the rules digest)`)
      return { sequence, hash, bytes }
    },
    async prune(keep) {
      await query(`DELETE FROM ${table} WHERE sequence NOT IN (SELECT sequence FROM ${table} ORDER BY sequence DESC LIMIT $1)`, [Math.max(0, keep)])
    },
    close: () => pool.end(),
  }
}

/** The snapshot store beside a ledger store: its PostgreSQL schema for a postgres:// URL, DIR/snapshots otherwise. */
export function openSnapshotStore(storeUrl: string | undefined, dataDir: string): SnapshotStore {
  return storeUrl !== undefined && storeKind(storeUrl) === 'postgres' ? postgresSnapshotStore(storeUrl) : dirSnapshotStore(snapshotDir(dataDir))
}
