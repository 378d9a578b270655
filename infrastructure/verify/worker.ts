/** A verification worker: checks batches of bundle lines on its own core. */
import { parentPort, workerData } from 'node:worker_threads'
import { referenceCrypto } from '../../domain/crypto/reference.js'
import { checkLine } from '../../domain/ledger/line-check.js'
import { nativeCrypto } from '../crypto/native.js'

interface Setup {
  readonly ledgerKey: string
  readonly crypto: 'native' | 'reference'
}
interface Batch {
  readonly id: number
  readonly lines: readonly string[]
}

const setup = workerData as Setup
const crypto = setup.crypto === 'reference' ? referenceCrypto : nativeCrypto

parentPort?.on('message', (batch: Batch) => {
  const facts = batch.lines.map((line) => checkLine(line, setup.ledgerKey, crypto))
  parentPort?.postMessage({ id: batch.id, facts })
})
