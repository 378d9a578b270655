/**
 * Whether the store takes writes. A write refused because storage is full (SQLITE_FULL, ENOSPC,
 * EDQUOT, PostgreSQL 53100) makes the server unready (/readyz: storage) and answers 507
 * /problems/insufficient-storage; the next write that succeeds makes it ready again.
 */
import type { ErrorRequestHandler } from 'express'
import type { EventStore } from '../../domain/ports/event-store.js'
import { isStorageFull } from '../../infrastructure/store/storage-full.js'
import { HttpProblem } from './problem.js'

export interface StorageHealth {
  readonly ok: boolean
  readonly lastError: string | null
  readonly since: string | null
  failed(error: unknown): void
  succeeded(): void
}

export function createStorageHealth(): StorageHealth {
  let lastError: string | null = null
  let since: string | null = null
  return {
    get ok() {
      return lastError === null
    },
    get lastError() {
      return lastError
    },
    get since() {
      return since
    },
    failed(error) {
      since ??= new Date().toISOString()
      lastError = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'storage failed'
    },
    succeeded() {
      lastError = null
      since = null
    },
  }
}

/** The store with its appends watched: a full store marks the health failed, a good append clears it. */
export function watchedStore(store: EventStore, health: StorageHealth): EventStore {
  return {
    ...store,
    async append(request) {
      try {
        const result = await store.append(request)
        health.succeeded()
        return result
      } catch (error) {
        if (isStorageFull(error)) health.failed(error)
        throw error
      }
    },
  }
}

/** A full-storage error as the 507 it answers (marking the health), else undefined. */
export function storageProblem(error: unknown, health: StorageHealth): HttpProblem | undefined {
  if (!isStorageFull(error)) return undefined
  health.failed(error)
  return new HttpProblem('insufficient-storage', 'the server’s storage is full: nothing was written; retry later', { retryAfter: 30 })
}

/** Turns a full-storage error from any route (commands, blobs) into 507 and marks the health. */
export function storageProblems(health: StorageHealth): ErrorRequestHandler {
  return (error: unknown, _req, _res, next) => {
    next(storageProblem(error, health) ?? error)
  }
}
