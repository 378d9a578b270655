/**
 * The thread `model-ledger verify` runs its verification on (verify.ts says why): posts progress
 * as it goes, then the report, or the error that stopped it.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { CommandFailed, UsageError } from '../io.js'
import { runVerification } from './verify-run.js'

const { argv } = workerData as { argv: string[] }
const port = parentPort
if (port === null) throw new Error('verify-thread runs as a worker thread')

try {
  const report = await runVerification(argv, (done, total) => port.postMessage({ progress: [done, total] }))
  port.postMessage({ report })
} catch (error) {
  port.postMessage({ error: { message: error instanceof Error ? error.message : String(error), usage: error instanceof UsageError, ...(error instanceof CommandFailed ? { exitCode: error.exitCode } : {}) } })
}
