/**
 * One writer per data directory. The lock is an exclusive SQLite transaction on DIR/lock.db,
 * opened and held for the life of the process: the operating system's file lock behind it is
 * released when the process ends however it ends (SIGKILL, a crash, the OOM killer), so there is
 * no stale lock to clean up and no pid to mistake for another process's. DIR/lock.json names the
 * holder (pid, command, start time) for the refusal message only; it is never trusted.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export class DirLockedError extends Error {
  override readonly name = 'DirLockedError'
}

export interface DirLock {
  readonly path: string
  /** Releases the lock; idempotent. */
  release(): void
}

interface Holder {
  readonly pid: number
  readonly purpose: string
  readonly since: string
}

export function lockPath(root: string): string {
  return join(root, 'lock.db')
}

function holderOf(root: string): string {
  try {
    const holder = JSON.parse(readFileSync(join(root, 'lock.json'), 'utf8')) as Partial<Holder>
    return ` (held by pid ${String(holder.pid)}: ${String(holder.purpose)} since ${String(holder.since)})`
  } catch {
    return ''
  }
}

function isBusy(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : ''
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
}

/** Takes the data directory's writer lock, or throws DirLockedError at once (never waits). */
export function lockDataDir(root: string, purpose: string): DirLock {
  mkdirSync(root, { recursive: true })
  const path = lockPath(root)
  const db = new Database(path, { timeout: 0 })
  try {
    // Rollback journal: an EXCLUSIVE transaction holds the file's exclusive lock until it ends.
    db.pragma('journal_mode = DELETE')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, purpose TEXT, since TEXT)')
  } catch (error) {
    db.close()
    if (isBusy(error)) throw new DirLockedError(`${root} is in use by another model-ledger process${holderOf(root)}; stop it first`)
    throw error
  }
  const holder: Holder = { pid: process.pid, purpose, since: new Date().toISOString() }
  try {
    writeFileSync(join(root, 'lock.json'), `${JSON.stringify(holder)}\n`)
  } catch {
    // The note is for messages only; the lock holds without it.
  }
  let held = true
  return {
    path,
    release() {
      if (!held) return
      held = false
      rmSync(join(root, 'lock.json'), { force: true })
      db.exec('ROLLBACK')
      db.close()
    },
  }
}
