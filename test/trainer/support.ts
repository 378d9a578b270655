/** Helpers of the trainer tests: an in-process trainer with its own key, and the log read back. */
import { readFileSync } from 'node:fs'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { blobDir, createBlobStore } from '../../infrastructure/blobs/blob-store.js'
import { openLedger } from '../../infrastructure/data-dir.js'
import type { Executor } from '../../trainer/executors/port.js'
import { referenceExecutor } from '../../trainer/executors/reference/executor.js'
import { inProcessLedger } from '../../trainer/ledger.js'
import { lineageSink } from '../../trainer/lineage.js'
import { workRootOf } from '../../trainer/open.js'
import { createTrainer, type Trainer } from '../../trainer/trainer.js'
import { signerFor } from '../infrastructure/command-handler-support.js'
import type { JobDeps } from '../../trainer/run-job.js'

export interface Opened {
  readonly trainer: Trainer
  readonly deps: JobDeps
  close(): Promise<void>
}

/** Not exclusive: the tests race trainers as separate machines on one store. */
export async function openTrainer(dir: string, name = 'trainer-a', extra: Map<string, Executor> = new Map(), lineage?: string): Promise<Opened> {
  const { store } = await openLedger(dir, { exclusive: false })
  const deps: JobDeps = {
    ledger: inProcessLedger(store, signerFor(name)),
    blobs: createBlobStore(blobDir(dir)),
    workRoot: workRootOf(dir),
    leaseMs: 60_000,
    progressMs: 50,
    lineage: lineageSink(lineage),
    signal: new AbortController().signal,
  }
  const trainer = createTrainer({ ...deps, executors: new Map([['reference', referenceExecutor], ...extra]), displayName: name })
  return { trainer, deps, close: () => store.close() }
}

export async function logOf(dir: string): Promise<Envelope[]> {
  const { store } = await openLedger(dir, { exclusive: false })
  const out: Envelope[] = []
  for await (const e of store.readAll(1)) out.push(e)
  await store.close()
  return out
}

export const ofJob = (log: readonly Envelope[], jobId: string): Envelope[] => log.filter((e) => e.stream === `training-${jobId}`)
export const dataOf = <T>(e: Envelope | undefined): T => (e as Envelope).data as T
export const lines = (path: string): Record<string, unknown>[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
