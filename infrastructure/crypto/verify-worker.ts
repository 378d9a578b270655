/**
 * A verification thread of the verify pool (verify-pool.ts): it checks batches of Ed25519
 * signatures with the native suite, exactly as the main thread would (strict key checks included).
 *
 * Message in: `{ id, items }`, `items` a buffer of n records of 128 bytes each (public key 32,
 * message 32, signature 64). Message out: `{ id, results }`, one byte per record (1 valid, 0 not).
 */
import { parentPort } from 'node:worker_threads'
import { nativeEd25519 } from './native.js'
import { RECORD_BYTES } from './verify-pool.js'

export interface VerifyBatch {
  readonly id: number
  readonly items: Uint8Array
}
export interface VerifyResults {
  readonly id: number
  readonly results: Uint8Array
}

const port = parentPort
if (port === null) throw new Error('verify-worker runs as a worker thread')
port.on('message', (batch: VerifyBatch) => {
  const n = batch.items.length / RECORD_BYTES
  const results = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const at = i * RECORD_BYTES
    const record = batch.items.subarray(at, at + RECORD_BYTES)
    results[i] = nativeEd25519.verify(record.subarray(0, 32), record.subarray(32, 64), record.subarray(64, 128)) ? 1 : 0
  }
  port.postMessage({ id: batch.id, results } satisfies VerifyResults, [results.buffer])
})
