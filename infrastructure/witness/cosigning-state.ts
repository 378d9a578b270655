/**
 * What `serve --witness` remembers across restarts (SQLite, DIR/cosigning.db): for each witness
 * (keyed by its vkey, not its URL, which may change) the size of the last checkpoint it cosigned
 * for this log, so the next submission carries the consistency proof from there; each
 * cosignature collected, by tree size; the checkpoint notes they cover; and the note last
 * published at /tlog/checkpoint. Cosignatures and notes older than the published size are pruned.
 */
import { openDurableDb } from './sqlite.js'

export interface CosigningState {
  /** The size this witness last cosigned (or told us it holds), or undefined when never heard from. */
  witnessSize(vkey: string): number | undefined
  setWitnessSize(vkey: string, size: number, at: number): void
  /** Records a checkpoint note (the log's signatures only) for its size. */
  putCheckpoint(size: number, note: string): void
  checkpoint(size: number): string | undefined
  /** The newest checkpoint recorded. */
  latestCheckpoint(): { readonly size: number; readonly note: string } | undefined
  /** Records witness `vkey`'s cosignature line (without newline) for the checkpoint of `size`. */
  putCosignature(size: number, vkey: string, line: string): void
  /** Every cosignature recorded for `size`, by vkey. */
  cosignatures(size: number): ReadonlyMap<string, string>
  /** Sizes with at least one cosignature, newest first. */
  cosignedSizes(): number[]
  published(): { readonly size: number; readonly note: string } | undefined
  /** Records the published note and drops what is older than it. */
  publish(size: number, note: string): void
  close(): void
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS witness (
  vkey TEXT PRIMARY KEY,
  size INTEGER NOT NULL CHECK (size >= 0),
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS checkpoint (
  size INTEGER PRIMARY KEY CHECK (size >= 0),
  note TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS cosignature (
  size INTEGER NOT NULL,
  vkey TEXT NOT NULL,
  line TEXT NOT NULL,
  PRIMARY KEY (size, vkey)
) STRICT;
CREATE TABLE IF NOT EXISTS published (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  note TEXT NOT NULL
) STRICT;
`

export function openCosigningState(path: string): CosigningState {
  const db = openDurableDb(path, SCHEMA)
  const getWitness = db.prepare<[string], { size: number }>('SELECT size FROM witness WHERE vkey = ?')
  const setWitness = db.prepare<[string, number, number]>('INSERT INTO witness (vkey, size, updated_at) VALUES (?, ?, ?) ON CONFLICT (vkey) DO UPDATE SET size = excluded.size, updated_at = excluded.updated_at')
  const putCheckpoint = db.prepare<[number, string]>('INSERT INTO checkpoint (size, note) VALUES (?, ?) ON CONFLICT (size) DO UPDATE SET note = excluded.note')
  const getCheckpoint = db.prepare<[number], { note: string }>('SELECT note FROM checkpoint WHERE size = ?')
  const latest = db.prepare<[], { size: number; note: string }>('SELECT size, note FROM checkpoint ORDER BY size DESC LIMIT 1')
  const putCosignature = db.prepare<[number, string, string]>('INSERT INTO cosignature (size, vkey, line) VALUES (?, ?, ?) ON CONFLICT (size, vkey) DO UPDATE SET line = excluded.line')
  const cosignatures = db.prepare<[number], { vkey: string; line: string }>('SELECT vkey, line FROM cosignature WHERE size = ? ORDER BY vkey')
  const sizes = db.prepare<[], { size: number }>('SELECT DISTINCT size FROM cosignature ORDER BY size DESC')
  const getPublished = db.prepare<[], { size: number; note: string }>('SELECT size, note FROM published WHERE id = 1')
  const setPublished = db.prepare<[number, string]>('INSERT INTO published (id, size, note) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size, note = excluded.note')
  const pruneCosignatures = db.prepare<[number]>('DELETE FROM cosignature WHERE size < ?')
  const pruneCheckpoints = db.prepare<[number]>('DELETE FROM checkpoint WHERE size < ?')
  const publish = db.transaction((size: number, note: string) => {
    setPublished.run(size, note)
    pruneCosignatures.run(size)
    pruneCheckpoints.run(size)
  })
  return {
    witnessSize: (vkey) => getWitness.get(vkey)?.size,
    setWitnessSize: (vkey, size, at) => void setWitness.run(vkey, size, at),
    putCheckpoint: (size, note) => void putCheckpoint.run(size, note),
    checkpoint: (size) => getCheckpoint.get(size)?.note,
    latestCheckpoint: () => latest.get(),
    putCosignature: (size, vkey, line) => void putCosignature.run(size, vkey, line),
    cosignatures: (size) => new Map(cosignatures.all(size).map((row) => [row.vkey, row.line])),
    cosignedSizes: () => sizes.all().map((row) => row.size),
    published: () => getPublished.get(),
    publish: (size, note) => void publish(size, note),
    close: () => db.close(),
  }
}
