/** A fixed pool of verification workers that return results in the order batches were sent. */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
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
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 }

/** The file URL of tsx's ESM API, read from tsx's own package exports. */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> }
  const target = manifest.exports['./esm/api']?.import.default
  if (target === undefined) throw new Error('tsx does not export ./esm/api')
  return pathToFileURL(join(dirname(manifestPath), target)).href
}

/**
 * Built, the worker is plain JavaScript. Run from source (tests, tsx), it is TypeScript: a small
 * bootstrap registers tsx's loader inside the worker first, since Node 20 workers ignore --import.
 */
function spawnWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData, resourceLimits: WORKER_LIMITS })
  const api = JSON.stringify(tsxEsmApi())
  const entry = JSON.stringify(new URL('./worker.ts', import.meta.url).href)
  const bootstrap = `import(${api}).then((tsx) => { tsx.register(); return import(${entry}) })`
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits: WORKER_LIMITS })
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
