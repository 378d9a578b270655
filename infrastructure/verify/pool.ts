/** A fixed pool of verification workers that return results in the order batches were sent. */
import type { Worker } from 'node:worker_threads'
import { spawnSibling } from '../worker.js'
import type { LineFacts } from '../../domain/ledger/line-check.js'

export interface LineCheckPool {
  check(lines: readonly string[]): Promise<LineFacts[]>
  close(): Promise<void>
}

/**
 * A worker holds one batch of lines at a time, so it needs little heap; capping its generations
 * makes V8 collect early instead of letting garbage grow each worker's resident memory, so that a
 * verification of any length stays well under 256 MB.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 }

function spawnWorker(workerData: unknown): Worker {
  return spawnSibling(import.meta.url, 'worker', workerData, WORKER_LIMITS)
}

export function createLineCheckPool(size: number, ledgerKey: string, crypto: 'native' | 'reference'): LineCheckPool {
  const pending = new Map<number, { resolve: (facts: LineFacts[]) => void; reject: (error: Error) => void }>()
  let nextId = 0
  const workers = Array.from({ length: size }, () => {
    const worker = spawnWorker({ ledgerKey, crypto })
    worker.on('message', (message: { id: number; facts: LineFacts[] }) => {
      pending.get(message.id)?.resolve(message.facts)
      pending.delete(message.id)
    })
    worker.on('error', (error) => {
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
    })
    return worker
  })
  return {
    check(lines) {
      const id = nextId++
      const worker = workers[id % workers.length]
      if (worker === undefined) return Promise.reject(new Error('the pool has no workers'))
      return new Promise<LineFacts[]>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, lines })
      })
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()))
    },
  }
}
