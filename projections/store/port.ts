/**
 * The read-model store port: where projections keep their rows and checkpoints. SQLite is the
 * embedded default; a PostgreSQL adapter implements the same port (its own issue).
 *
 * Every write carries the checkpoint it moves from, and happens in one transaction with the rows:
 * a crash leaves rows and checkpoint together at the previous batch, so replaying from the
 * checkpoint applies each event exactly once.
 */
import type { StoredChange, StoredRow } from '../table.js'

export interface ProjectionStatus {
  readonly name: string
  readonly version: number
  /** The last sequence folded in (0 before any). */
  readonly checkpoint: number
}

/** Raised when the stored checkpoint is not the one a write started from: another runner moved it. */
export class CheckpointConflict extends Error {
  override readonly name = 'CheckpointConflict'
}

export interface ReadModelStore {
  readonly kind: string
  /** Every projection the store knows, by name. */
  list(): Promise<ProjectionStatus[]>
  status(name: string): Promise<ProjectionStatus | undefined>
  /** Every row of a projection, in key order. */
  rows(name: string): Promise<StoredRow[]>
  row(name: string, key: string): Promise<string | undefined>
  /**
   * Writes a batch: the changed rows and the new checkpoint, atomically, only if the stored
   * version and checkpoint are still `from` (a new projection starts from version v, checkpoint 0).
   */
  commit(name: string, from: ProjectionStatus, to: number, changes: readonly StoredChange[]): Promise<void>
  /** Replaces all of a projection's rows, its version and checkpoint in one transaction (a rebuild). */
  replace(status: ProjectionStatus, rows: readonly StoredRow[]): Promise<void>
  /** Forgets a projection (rows and checkpoint). */
  drop(name: string): Promise<void>
  /**
   * Optional, for a store several processes share: whether this process writes to it now. Only
   * one does at a time; the others fold the same log into the same tables in memory and write
   * nothing. Absent: always.
   */
  writable?(): boolean
  close(): Promise<void>
}
