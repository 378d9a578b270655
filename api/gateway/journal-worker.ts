/** The meter's journal thread: answers each call in order; the meter sends appends grouped. */
import { parentPort, workerData } from 'node:worker_threads'
import { openJournal, type JournalCall } from './journal.js'

const journal = openJournal((workerData as { path: string }).path)
parentPort?.on('message', (message: { id: number; call: JournalCall }) => {
  try {
    parentPort?.postMessage({ id: message.id, result: journal.call(message.call) })
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: (error as Error).message })
  }
})
