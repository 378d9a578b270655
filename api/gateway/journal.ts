/**
 * The meter's journal: receipts in a SQLite file (WAL, synchronous=FULL), each `pending` until
 * the ledger has it (`recorded`) or refused it for good (`refused`). Synchronous, because it runs
 * on the journal's own thread (journal-worker.ts), where an fsync blocks nobody but the journal.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

export interface JournalReceipt {
  readonly requestId: string
  readonly deploymentId: string
  readonly grantId: string
  readonly consumer: string
  readonly inputTokens: number
  readonly outputTokens: number
  readonly at: string
  /** Decimal string: bigints do not cross a thread boundary as such. */
  readonly fee: string
  /** The contributions the answer drew on (per-answer attribution); absent = the job-level split. */
  readonly attribution?: readonly { readonly contribution: string; readonly weight: number }[]
  /** SHA-256 (hex) of the answer's UTF-8 bytes as returned to the client; absent in receipts journaled before it existed. */
  readonly answerHash?: string
}

export interface Settlement {
  readonly keys: readonly { readonly deploymentId: string; readonly requestId: string }[]
  readonly state: 'recorded' | 'refused'
  readonly commandHash: string | null
  readonly error: string | null
}

export type JournalCall =
  | { readonly op: 'append'; readonly receipts: readonly JournalReceipt[] }
  | { readonly op: 'pending' }
  | { readonly op: 'settle'; readonly settlement: Settlement }
  | { readonly op: 'counts' }
  | { readonly op: 'close' }

interface Row {
  readonly request_id: string
  readonly deployment_id: string
  readonly grant_id: string
  readonly consumer: string
  readonly input_tokens: number
  readonly output_tokens: number
  readonly at: string
  readonly fee: string
  readonly attribution: string | null
  readonly answer_hash: string | null
}

export function openJournal(path: string) {
  mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(`CREATE TABLE IF NOT EXISTS receipts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    consumer TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    at TEXT NOT NULL,
    fee TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    command_hash TEXT,
    error TEXT,
    UNIQUE (deployment_id, request_id)
  );
  CREATE INDEX IF NOT EXISTS receipts_pending ON receipts (state, deployment_id, seq);`)
  // Journals written before per-answer attribution (JSON) or the answer hash (hex) gain their columns (NULL = none).
  const columns = new Set((db.prepare('PRAGMA table_info(receipts)').all() as { name: string }[]).map((c) => c.name))
  if (!columns.has('attribution')) db.exec('ALTER TABLE receipts ADD COLUMN attribution TEXT')
  if (!columns.has('answer_hash')) db.exec('ALTER TABLE receipts ADD COLUMN answer_hash TEXT')
  const insert = db.prepare('INSERT OR IGNORE INTO receipts (request_id, deployment_id, grant_id, consumer, input_tokens, output_tokens, at, fee, attribution, answer_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
  const pendingRows = db.prepare("SELECT request_id, deployment_id, grant_id, consumer, input_tokens, output_tokens, at, fee, attribution, answer_hash FROM receipts WHERE state = 'pending' ORDER BY seq")
  const mark = db.prepare('UPDATE receipts SET state = ?, command_hash = ?, error = ? WHERE deployment_id = ? AND request_id = ?')
  const counts = db.prepare('SELECT state, count(*) AS n FROM receipts GROUP BY state')
  const append = db.transaction((receipts: readonly JournalReceipt[]) => {
    for (const r of receipts) insert.run(r.requestId, r.deploymentId, r.grantId, r.consumer, r.inputTokens, r.outputTokens, r.at, r.fee, r.attribution === undefined ? null : JSON.stringify(r.attribution), r.answerHash ?? null)
  })
  const settle = db.transaction((s: Settlement) => {
    for (const k of s.keys) mark.run(s.state, s.commandHash, s.error, k.deploymentId, k.requestId)
  })

  return {
    call(c: JournalCall): unknown {
      switch (c.op) {
        case 'append':
          append(c.receipts)
          return null
        case 'pending':
          return (pendingRows.all() as Row[]).map(
            (r): JournalReceipt => ({
              requestId: r.request_id,
              deploymentId: r.deployment_id,
              grantId: r.grant_id,
              consumer: r.consumer,
              inputTokens: r.input_tokens,
              outputTokens: r.output_tokens,
              at: r.at,
              fee: r.fee,
              ...(r.attribution === null ? {} : { attribution: JSON.parse(r.attribution) as JournalReceipt['attribution'] }),
              ...(r.answer_hash === null ? {} : { answerHash: r.answer_hash }),
            }),
          )
        case 'settle':
          settle(c.settlement)
          return null
        case 'counts':
          return Object.fromEntries((counts.all() as { state: string; n: number }[]).map((r) => [r.state, r.n]))
        case 'close':
          db.close()
          return null
      }
    },
  }
}
