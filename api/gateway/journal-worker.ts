/**
 * The meter's journal thread. Appends are committed in groups: every append message that arrives
 * while a commit runs waits for the next one, which takes them all in one transaction (one
 * fsync), and each is answered once that commit is durable. Any other call first commits the
 * appends before it, so calls take effect in the order they were sent.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { openJournal, type JournalCall, type JournalReceipt } from './journal.js'

const journal = openJournal((workerData as { path: string }).path)
if (parentPort === null) throw new Error('journal-worker runs as a worker thread')
const port: MessagePort = parentPort

let appends: { id: number; receipts: readonly JournalReceipt[] }[] = []
let scheduled = false

function commitAppends(): void {
  scheduled = false
  const batch = appends
  appends = []
  if (batch.length === 0) return
  const ids = batch.map((a) => a.id)
  try {
    journal.call({ op: 'append', receipts: batch.flatMap((a) => a.receipts) })
    port.postMessage({ ids, result: null })
  } catch (error) {
    port.postMessage({ ids, error: (error as Error).message })
  }
}

port.on('message', (message: { id: number; call: JournalCall }) => {
  if (message.call.op === 'append') {
    appends.push({ id: message.id, receipts: message.call.receipts })
    if (!scheduled) {
      scheduled = true
      // After every message already delivered: they share the commit.
      setImmediate(commitAppends)
    }
    return
  }
  commitAppends()
  try {
    port.postMessage({ id: message.id, result: journal.call(message.call) })
  } catch (error) {
    port.postMessage({ id: message.id, error: (error as Error).message })
  }
})
