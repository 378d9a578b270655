/**
 * What a witness remembers, in SQLite (WAL, synchronous=FULL: a cosignature is returned only after
 * the checkpoint it covers is on disk). One row per log origin: the size and root of the latest
 * checkpoint cosigned, and that checkpoint as a note with the log's verified signatures and the
 * witness's cosignature (served to monitors).
 *
 * `advance` is a compare-and-swap on the head a submission was judged against, so of two
 * submissions judged against the same head only the first to commit moves it: the other finds
 * the row changed and is answered 409 (tlog-witness, the race in "add-checkpoint"). It holds
 * across connections and processes, since the check and the write are one statement.
 *
 * Refused submissions that the log did sign (a fork, a rollback) are kept as evidence.
 */
import type { CosignedHead } from '../../domain/tlog/witness.js'
import { openDurableDb } from './sqlite.js'

export interface WitnessRecord extends CosignedHead {
  readonly origin: string
  /** The checkpoint note: its text, the log's verified signature lines, the witness's cosignature. */
  readonly note: string
  /** When it was recorded, milliseconds since the epoch. */
  readonly recordedAt: number
}

export interface Evidence {
  readonly origin: string
  readonly status: number
  readonly code: string
  /** The request body as received. */
  readonly request: Uint8Array
  readonly recordedAt: number
}

export interface WitnessState {
  latest(origin: string): WitnessRecord | undefined
  /** The record whose origin hashes (SHA-256, lower-case hex) to `originHash`. */
  byOriginHash(originHash: string): WitnessRecord | undefined
  /**
   * Records `next` for `origin` if its head is still `expected` (undefined: no row, or a row of
   * size 0 with the empty root). True when it did; false when another submission got there first.
   */
  advance(origin: string, expected: CosignedHead | undefined, next: { readonly size: number; readonly root: Uint8Array; readonly note: string; readonly originHash: string; readonly recordedAt: number }): boolean
  recordEvidence(evidence: Evidence): void
  evidence(origin: string): Evidence[]
  close(): void
}

interface Row {
  origin: string
  size: number
  root: Buffer
  note: string
  recorded_at: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cosigned (
  origin TEXT PRIMARY KEY,
  origin_hash TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL CHECK (size >= 0),
  root BLOB NOT NULL CHECK (length(root) = 32),
  note TEXT NOT NULL,
  recorded_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS evidence (
  id INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  status INTEGER NOT NULL,
  code TEXT NOT NULL,
  request BLOB NOT NULL,
  recorded_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS evidence_origin ON evidence (origin, id);
`

function record(row: Row | undefined): WitnessRecord | undefined {
  if (row === undefined) return undefined
  return { origin: row.origin, size: row.size, root: new Uint8Array(row.root), note: row.note, recordedAt: row.recorded_at }
}

export function openWitnessState(path: string): WitnessState {
  const db = openDurableDb(path, SCHEMA)
  const select = db.prepare<[string], Row>('SELECT origin, size, root, note, recorded_at FROM cosigned WHERE origin = ?')
  const selectByHash = db.prepare<[string], Row>('SELECT origin, size, root, note, recorded_at FROM cosigned WHERE origin_hash = ?')
  const update = db.prepare<[number, Buffer, string, number, string, number, Buffer]>(
    'UPDATE cosigned SET size = ?, root = ?, note = ?, recorded_at = ? WHERE origin = ? AND size = ? AND root = ?',
  )
  const insert = db.prepare<[string, string, number, Buffer, string, number]>(
    'INSERT INTO cosigned (origin, origin_hash, size, root, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (origin) DO NOTHING',
  )
  const addEvidence = db.prepare<[string, number, string, Buffer, number]>('INSERT INTO evidence (origin, status, code, request, recorded_at) VALUES (?, ?, ?, ?, ?)')
  const selectEvidence = db.prepare<[string], { origin: string; status: number; code: string; request: Buffer; recorded_at: number }>(
    'SELECT origin, status, code, request, recorded_at FROM evidence WHERE origin = ? ORDER BY id',
  )
  return {
    latest: (origin) => record(select.get(origin)),
    byOriginHash: (originHash) => record(selectByHash.get(originHash)),
    advance(origin, expected, next) {
      const root = Buffer.from(next.root)
      // No head yet: only an INSERT that finds no row wins. A head: only an UPDATE that finds it unchanged.
      const changes =
        expected === undefined
          ? insert.run(origin, next.originHash, next.size, root, next.note, next.recordedAt).changes
          : update.run(next.size, root, next.note, next.recordedAt, origin, expected.size, Buffer.from(expected.root)).changes
      return changes === 1
    },
    recordEvidence(evidence) {
      addEvidence.run(evidence.origin, evidence.status, evidence.code, Buffer.from(evidence.request), evidence.recordedAt)
    },
    evidence: (origin) =>
      selectEvidence.all(origin).map((row) => ({ origin: row.origin, status: row.status, code: row.code, request: new Uint8Array(row.request), recordedAt: row.recorded_at })),
    close: () => db.close(),
  }
}
