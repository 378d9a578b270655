/**
 * Ed25519 verification off the event loop. A signed command's signature is the most expensive
 * check a request pays for (about three signatures' worth of CPU), it needs no state, and it runs
 * before any queue: so the HTTP edge hands it to a few threads and the event loop goes on parsing,
 * deciding and answering meanwhile. Requests that arrive in the same turn of the event loop go out
 * as one message per thread (a buffer of fixed-size records, transferred, not copied), so the
 * cost of crossing threads is shared.
 *
 * The threads verify with the native suite (crypto/native.ts), so the pool accepts exactly the
 * signatures the main thread would. Messages are 32 bytes (a command hash); anything else, and
 * any key or signature of the wrong length, is refused without a thread. A thread that dies fails
 * the verifications it held (the request answers 500, nothing is appended), and the next
 * verification starts a new one.
 */
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { spawnSibling } from '../worker.js'
import type { VerifyBatch, VerifyResults } from './verify-worker.js'

/** One record of a batch: public key 32 bytes, message 32, signature 64. */
export const RECORD_BYTES = 128
/**
 * At most this many records in one message. Small enough that the first answers of a burst come
 * back while the thread goes on with the rest, so the event loop starts deciding them sooner (with
 * 512 a burst of 30 requests waited for all 30 signatures); large enough that a message's cost
 * (about one signature's) stays a small share.
 */
const MAX_BATCH = 16

export interface VerifyPool {
  readonly threads: number
  /** True when `signature` is a valid Ed25519 signature of the 32-byte `message` under `publicKey`. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>
  close(): Promise<void>
}

/** The default thread count: one less than the cores (the event loop keeps one), at most 4. */
export function defaultVerifyThreads(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1))
}

interface Pending {
  readonly record: Uint8Array
  readonly resolve: (ok: boolean) => void
  readonly reject: (error: unknown) => void
}

interface Thread {
  worker: Worker | undefined
  readonly waiting: Map<number, readonly Pending[]>
}

export function createVerifyPool(threads: number): VerifyPool {
  if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError('a verify pool has at least one thread')
  const pool: Thread[] = Array.from({ length: threads }, () => ({ worker: undefined, waiting: new Map() }))
  let queued: Pending[] = []
  let scheduled = false
  let nextId = 0
  let next = 0
  let closed = false

  function failAll(thread: Thread, error: unknown): void {
    for (const batch of thread.waiting.values()) for (const pending of batch) pending.reject(error)
    thread.waiting.clear()
  }

  function started(thread: Thread): Worker {
    if (thread.worker !== undefined) return thread.worker
    const worker = spawnSibling(import.meta.url, 'verify-worker', undefined)
    worker.on('message', (reply: VerifyResults) => {
      const batch = thread.waiting.get(reply.id)
      if (batch === undefined) return
      thread.waiting.delete(reply.id)
      if (thread.waiting.size === 0) worker.unref()
      batch.forEach((pending, i) => pending.resolve(reply.results[i] === 1))
    })
    const died = (error: unknown) => {
      if (thread.worker === worker) thread.worker = undefined
      failAll(thread, error)
    }
    worker.on('error', died)
    worker.on('exit', (code) => died(new Error(`a signature verification thread exited (code ${code})`)))
    worker.unref()
    thread.worker = worker
    return worker
  }

  function flush(): void {
    scheduled = false
    const all = queued
    queued = []
    // Spread over the threads: each gets a contiguous share, in messages of at most MAX_BATCH.
    const share = Math.max(1, Math.ceil(all.length / threads))
    for (let from = 0; from < all.length; ) {
      const size = Math.min(share, MAX_BATCH, all.length - from)
      const batch = all.slice(from, from + size)
      from += size
      const thread = pool[next++ % threads] as Thread
      const items = new Uint8Array(batch.length * RECORD_BYTES)
      batch.forEach((pending, i) => items.set(pending.record, i * RECORD_BYTES))
      const id = nextId++
      try {
        const worker = started(thread)
        thread.waiting.set(id, batch)
        worker.ref()
        worker.postMessage({ id, items } satisfies VerifyBatch, [items.buffer])
      } catch (error) {
        thread.waiting.delete(id)
        for (const pending of batch) pending.reject(error)
      }
    }
  }

  return {
    threads,
    verify(publicKey, message, signature) {
      if (closed) return Promise.reject(new Error('the verify pool is closed'))
      if (publicKey.length !== 32 || message.length !== 32 || signature.length !== 64) return Promise.resolve(false)
      const record = new Uint8Array(RECORD_BYTES)
      record.set(publicKey, 0)
      record.set(message, 32)
      record.set(signature, 64)
      return new Promise<boolean>((resolve, reject) => {
        queued.push({ record, resolve, reject })
        if (!scheduled) {
          scheduled = true
          // After the I/O callbacks of this turn: requests parsed together share a message.
          setImmediate(flush)
        }
      })
    },
    async close() {
      closed = true
      if (scheduled) flush()
      await Promise.all(
        pool.map(async (thread) => {
          const worker = thread.worker
          thread.worker = undefined
          if (worker === undefined) return
          failAll(thread, new Error('the verify pool is closed'))
          await worker.terminate()
        }),
      )
    },
  }
}
