/**
 * The embedded default: one SQLite file through better-sqlite3, in WAL mode with synchronous=FULL,
 * so a commit that returned is on disk and a crash mid-commit leaves the previous state intact.
 * A batch is one IMMEDIATE transaction that first checks the head it was sealed against, so two
 * processes that open the same file can never fork the chain.
 *
 * Commits run on a writer thread of their own (sqlite-writer.ts) with its own connection, so the
 * fsync never blocks the event loop; reads stay on this thread's connection, which sees each
 * commit once the writer reports it. `writerThread: false` commits on the calling thread instead.
 */
import Database from 'better-sqlite3'
import { canonicalize } from '../../domain/canonical/jcs.js'
import { signedCommandText } from '../verified-commands.js'
import type { JsonValue } from '../../domain/json.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { ZERO_HASH } from '../../domain/ledger/envelope.js'
import { nonceKey, type SignedCommand } from '../../domain/ledger/command.js'
import { ANCHOR_STREAM } from '../../domain/ledger/names.js'
import { StaleHeadError, type SealedBatch, type StorageBackend, type StoredCommand, type StoredHead } from './backend.js'
import type { Worker } from 'node:worker_threads'
import { spawnSibling } from '../worker.js'
import type { WriterBatch, WriterData, WriterReply, WriterRequest } from './sqlite-writer.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS events (
  sequence INTEGER PRIMARY KEY,
  stream TEXT NOT NULL,
  stream_version INTEGER NOT NULL,
  type TEXT NOT NULL,
  hash TEXT NOT NULL,
  command_hash TEXT,
  recorded_at TEXT NOT NULL,
  envelope TEXT NOT NULL,
  UNIQUE (stream, stream_version)
) STRICT;
CREATE TABLE IF NOT EXISTS commands (
  hash TEXT PRIMARY KEY,
  nonce_key TEXT NOT NULL UNIQUE,
  signed TEXT NOT NULL,
  result TEXT NOT NULL
) STRICT;
`

export interface SqliteOptions {
  /** Opens without creating or writing: for verify, export and other read-only work. */
  readonly readonly?: boolean
  /**
   * Caps the file at this many pages (PRAGMA max_page_count): a quota below the disk's own size.
   * A write past it fails with SQLITE_FULL, as a full disk does.
   */
  readonly maxPageCount?: number
  /** Commit on a writer thread (default) or, false, synchronously on the calling thread. */
  readonly writerThread?: boolean
}

export function createSqliteBackend(file: string, options: SqliteOptions = {}): StorageBackend {
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
  if (!options.readonly) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec(SCHEMA)
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('commands')").all()
    if (!columns.some((column) => column.name === 'nonce_key')) {
      db.close()
      throw new Error(`${file} was written by an earlier ledger format (its commands have no ledger id or unique nonce); export what you need with that version and start a new ledger`)
    }
  }
  db.pragma('busy_timeout = 10000')
  if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxPageCount))}`)

  const q = {
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM ledger_meta WHERE key = ?'),
    setMeta: options.readonly ? undefined : db.prepare('INSERT INTO ledger_meta (key, value) VALUES (?, ?)'),
    head: db.prepare<[], { sequence: number; hash: string; recorded_at: string }>(
      'SELECT sequence, hash, recorded_at FROM events ORDER BY sequence DESC LIMIT 1',
    ),
    lastAnchor: db.prepare<[string], { sequence: number; hash: string }>(
      'SELECT sequence, hash FROM events WHERE stream = ? ORDER BY stream_version DESC LIMIT 1',
    ),
    streamHeads: db.prepare<[], { stream: string; version: number; lastSequence: number }>(
      'SELECT stream, MAX(stream_version) AS version, MAX(sequence) AS lastSequence FROM events GROUP BY stream ORDER BY MIN(sequence)',
    ),
    streamVersion: db.prepare<[string], { v: number | null }>('SELECT MAX(stream_version) AS v FROM events WHERE stream = ?'),
    // One statement per batch of keys (a JSON array of them), not one per key: each statement
    // opens its own read of the WAL, which costs several times the index lookup itself.
    command: db.prepare<[string], { signed: string }>('SELECT signed FROM commands WHERE hash = ?'),
    commands: db.prepare<[string], { hash: string; signed: string; result: string }>('SELECT hash, signed, result FROM commands WHERE hash IN (SELECT value FROM json_each(?))'),
    nonces: db.prepare<[string], { nonce_key: string; hash: string }>('SELECT nonce_key, hash FROM commands WHERE nonce_key IN (SELECT value FROM json_each(?))'),
    range: db.prepare<[number, number], { envelope: string }>('SELECT envelope FROM events WHERE sequence >= ? ORDER BY sequence LIMIT ?'),
    rawRange: db.prepare<[number, number], { sequence: number; command_hash: string | null; envelope: string }>(
      'SELECT sequence, command_hash, envelope FROM events WHERE sequence >= ? ORDER BY sequence LIMIT ?',
    ),
    stream: db.prepare<[string, number, number], { envelope: string }>(
      'SELECT envelope FROM events WHERE stream = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?',
    ),
    insertEvent: options.readonly
      ? undefined
      : db.prepare(
          'INSERT INTO events (sequence, stream, stream_version, type, hash, command_hash, recorded_at, envelope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ),
    insertCommand: options.readonly ? undefined : db.prepare('INSERT INTO commands (hash, nonce_key, signed, result) VALUES (?, ?, ?, ?)'),
  }

  const head = (): StoredHead => {
    const row = q.head.get()
    return row === undefined
      ? { sequence: 0, hash: ZERO_HASH, recordedAt: null }
      : { sequence: row.sequence, hash: row.hash, recordedAt: row.recorded_at }
  }

  const commitTx = db.transaction((batch: SealedBatch) => {
    const current = head()
    if (current.sequence !== batch.expectedHead.sequence || current.hash !== batch.expectedHead.hash) {
      throw new StaleHeadError('the head moved')
    }
    const insertEvent = q.insertEvent
    const insertCommand = q.insertCommand
    if (insertEvent === undefined || insertCommand === undefined) throw new Error('the store is open read-only')
    batch.envelopes.forEach((e, i) => {
      const commandHash = e.cause.kind === 'command' ? e.cause.commandHash : null
      const text = batch.texts?.[i] ?? canonicalize(e as unknown as JsonValue)
      insertEvent.run(e.sequence, e.stream, e.streamVersion, e.type, e.hash, commandHash, e.recordedAt, text)
    })
    for (const c of batch.commands) {
      insertCommand.run(c.hash, nonceKey(c.signed.command), signedCommandText(c.signed), JSON.stringify(c.result))
    }
  })

  const parse = (rows: { envelope: string }[]): Envelope[] => rows.map((row) => JSON.parse(row.envelope) as Envelope)

  const writer = options.readonly || options.writerThread === false ? undefined : writerThread({ file, ...(options.maxPageCount === undefined ? {} : { maxPageCount: options.maxPageCount }) })

  return {
    kind: 'sqlite',
    // The writer thread takes batches in order, one transaction each, checking the head first.
    pipelined: true,
    async ledgerKey() {
      return q.getMeta.get('ledgerPublicKey')?.value
    },
    async bindLedgerKey(publicKey) {
      const existing = q.getMeta.get('ledgerPublicKey')?.value
      if (existing === publicKey) return
      if (existing !== undefined) throw new Error(`store belongs to ledger key ${existing}`)
      if (q.setMeta === undefined) throw new Error('the store is open read-only')
      q.setMeta.run('ledgerPublicKey', publicKey)
    },
    head: async () => head(),
    lastAnchor: async () => q.lastAnchor.get(ANCHOR_STREAM),
    streamHeads: async () => q.streamHeads.all(),
    async streamVersions(streams) {
      return new Map(streams.map((stream) => [stream, q.streamVersion.get(stream)?.v ?? 0]))
    },
    async findCommands(hashes) {
      const found = new Map<string, StoredCommand>()
      if (hashes.length === 0) return found
      for (const row of q.commands.all(JSON.stringify(hashes))) {
        found.set(row.hash, { hash: row.hash, signed: JSON.parse(row.signed) as SignedCommand, result: JSON.parse(row.result) as StoredCommand['result'] })
      }
      return found
    },
    async findNonces(keys) {
      const found = new Map<string, string>()
      if (keys.length === 0) return found
      for (const row of q.nonces.all(JSON.stringify(keys))) found.set(row.nonce_key, row.hash)
      return found
    },
    async commit(batch) {
      if (writer === undefined) {
        commitTx.immediate(batch)
        return
      }
      await writer.commit({
        expectedHead: { sequence: batch.expectedHead.sequence, hash: batch.expectedHead.hash },
        events: batch.envelopes.map((e, i) => [
          e.sequence, e.stream, e.streamVersion, e.type, e.hash, e.cause.kind === 'command' ? e.cause.commandHash : null, e.recordedAt, batch.texts?.[i] ?? canonicalize(e as unknown as JsonValue),
        ] as const),
        commands: batch.commands.map((c) => [c.hash, nonceKey(c.signed.command), signedCommandText(c.signed), JSON.stringify(c.result)] as const),
      })
    },
    readRange: async (fromSequence, limit) => parse(q.range.all(fromSequence, limit)),
    readStream: async (stream, fromVersion, limit) => parse(q.stream.all(stream, fromVersion, limit)),
    async readRawRange(fromSequence, limit) {
      return q.rawRange.all(fromSequence, limit).map((row) => ({ sequence: row.sequence, commandHash: row.command_hash, json: row.envelope }))
    },
    async readCommand(hash) {
      const row = q.command.get(hash)
      return row === undefined ? undefined : (JSON.parse(row.signed) as SignedCommand)
    },
    async close() {
      await writer?.close()
      if (db.open) db.close()
    },
  }
}

/**
 * The writer thread, started at the first commit (and again after one died). It holds the event
 * loop open only while a commit is outstanding. A thread that dies fails the commits it held:
 * each either committed whole or not at all, and the sequencer re-reads the head to find out.
 */
function writerThread(data: WriterData) {
  let worker: Worker | undefined
  let nextId = 0
  const waiting = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>()

  function failAll(error: unknown): void {
    for (const pending of waiting.values()) pending.reject(error)
    waiting.clear()
  }

  function started(): Worker {
    if (worker !== undefined) return worker
    const thread = spawnSibling(import.meta.url, 'sqlite-writer', data)
    thread.on('message', (reply: WriterReply) => {
      const pending = waiting.get(reply.id)
      if (pending === undefined) return
      waiting.delete(reply.id)
      if (waiting.size === 0) thread.unref()
      if (reply.ok) pending.resolve()
      else if (reply.stale) pending.reject(new StaleHeadError(reply.message))
      else pending.reject(Object.assign(new Error(reply.message), reply.code === undefined ? {} : { code: reply.code }))
    })
    thread.on('error', (error) => {
      if (worker === thread) worker = undefined
      failAll(error)
    })
    thread.on('exit', (code) => {
      if (worker === thread) worker = undefined
      failAll(new Error(`the SQLite writer thread exited (code ${code})`))
    })
    thread.unref()
    worker = thread
    return thread
  }

  return {
    commit(batch: WriterBatch): Promise<void> {
      const thread = started()
      const id = nextId++
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        thread.ref()
        thread.postMessage({ id, batch } satisfies WriterRequest)
      })
    },
    async close(): Promise<void> {
      const thread = worker
      if (thread === undefined) return
      worker = undefined
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()))
      thread.ref()
      thread.postMessage({ close: true } satisfies WriterRequest)
      await exited
    },
  }
}
