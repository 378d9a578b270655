/**
 * Opening a trainer on a data directory: the ledger store, the blob store, the trainer's own
 * encrypted key (DIR/keys/trainer.key, created with the ledger's passphrase on first start), its
 * work directory (DIR/training/<job>/…), and the executors the operator allows.
 */
import { join } from 'node:path'
import type { EventStore } from '../domain/ports/event-store.js'
import type { Signer } from '../domain/ports/crypto.js'
import { blobDir, createBlobStore, type BlobStore } from '../infrastructure/blobs/blob-store.js'
import { openLedger, serviceSigner } from '../infrastructure/data-dir.js'
import type { ScryptCost } from '../infrastructure/keys/index.js'
import { referenceExecutor } from './executors/reference/executor.js'
import { processExecutor } from './executors/process.js'
import { torchLmExecutor } from './executors/torch-lm.js'
import type { Executor } from './executors/port.js'

export const workRootOf = (dir: string): string => join(dir, 'training')

export const trainerSigner = (dir: string, cost?: ScryptCost): Promise<Signer> => serviceSigner(dir, 'trainer', cost)

/**
 * `reference`, plus `process:<name>` for each NAME=COMMAND the operator configured (split on spaces).
 * NAME `torch-lm` (or `torch-lm-cuda`, on a GPU) makes COMMAND the language-model worker
 * (trainer/executors/torch-lm.ts): base models, preference pairs, evaluation and attribution.
 */
export function executorsOf(processes: readonly string[], timeoutMs?: number): Map<string, Executor> {
  const executors = new Map<string, Executor>([['reference', referenceExecutor]])
  for (const spec of processes) {
    const at = spec.indexOf('=')
    if (at <= 0) throw new Error(`--process takes NAME=COMMAND, not ${spec}`)
    const [program, ...args] = spec.slice(at + 1).trim().split(/\s+/)
    if (program === undefined || program === '') throw new Error(`--process ${spec}: no command`)
    const name = spec.slice(0, at)
    const timeout = timeoutMs === undefined ? {} : { timeoutMs }
    const executor = name === 'torch-lm' || name === 'torch-lm-cuda' ? torchLmExecutor({ command: program, args, device: name === 'torch-lm' ? 'cpu' : 'cuda', ...timeout }) : processExecutor({ name, command: program, args, ...timeout })
    executors.set(`process:${name}`, executor)
  }
  return executors
}

export interface OpenTrainer {
  readonly store: EventStore
  readonly signer: Signer
  readonly blobs: BlobStore
  readonly workRoot: string
  close(): Promise<void>
}

export async function openTrainerDir(dir: string): Promise<OpenTrainer> {
  const { store } = await openLedger(dir, { purpose: 'trainer' })
  const signer = await trainerSigner(dir)
  return { store, signer, blobs: createBlobStore(blobDir(dir)), workRoot: workRootOf(dir), close: () => store.close() }
}
