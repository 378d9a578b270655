/**
 * The SQLite backend's writer thread: it owns the write connection and commits each sealed batch
 * in one IMMEDIATE transaction (WAL, synchronous=FULL: one fsync a batch), so the fsync never
 * stalls the event loop that decides, serves HTTP and follows the log. The main thread keeps its
 * own connection for reads; WAL lets them see each commit as soon as this thread reports it.
 *
 * Messages in: `{ id, batch }` (rows already encoded by the main thread) or `{ close: true }`.
 * Messages out: `{ id, ok: true }` once the transaction committed, or `{ id, ok: false, message,
 * code, stale }` when it did not (nothing of it was written).
 */
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'

export interface WriterData {
  readonly file: string
  readonly maxPageCount?: number
}

/** One batch as rows: events then commands, in order. */
export interface WriterBatch {
  readonly expectedHead: { readonly sequence: number; readonly hash: string }
  readonly events: readonly (readonly [number, string, number, string, string, string | null, string, string])[]
  readonly commands: readonly (readonly [string, string, string, string])[]
}

export type WriterRequest = { readonly id: number; readonly batch: WriterBatch } | { readonly close: true }
export type WriterReply = { readonly id: number; readonly ok: true } | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string; readonly stale: boolean }

class StaleHead extends Error {}

/** The head of an empty log (domain/ledger/envelope.ts). */
const ZERO_HASH = '0'.repeat(64)

const port = parentPort
if (port === null) throw new Error('sqlite-writer runs as a worker thread')
const { file, maxPageCount } = workerData as WriterData
const db = new Database(file, { fileMustExist: true })
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
db.pragma('busy_timeout = 10000')
if (maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxPageCount))}`)

const head = db.prepare<[], { sequence: number; hash: string }>('SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1')
const insertEvent = db.prepare('INSERT INTO events (sequence, stream, stream_version, type, hash, command_hash, recorded_at, envelope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
const insertCommand = db.prepare('INSERT INTO commands (hash, nonce_key, signed, result) VALUES (?, ?, ?, ?)')
const commit = db.transaction((batch: WriterBatch) => {
  const current = head.get() ?? { sequence: 0, hash: ZERO_HASH }
  if (current.sequence !== batch.expectedHead.sequence || current.hash !== batch.expectedHead.hash) throw new StaleHead('the head moved')
  for (const row of batch.events) insertEvent.run(...row)
  for (const row of batch.commands) insertCommand.run(...row)
})

port.on('message', (message: WriterRequest) => {
  if ('close' in message) {
    db.close()
    port.close()
    return
  }
  let reply: WriterReply
  try {
    commit.immediate(message.batch)
    reply = { id: message.id, ok: true }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    reply = { id: message.id, ok: false, message: (error as Error).message, ...(typeof code === 'string' ? { code } : {}), stale: error instanceof StaleHead }
  }
  port.postMessage(reply)
})
