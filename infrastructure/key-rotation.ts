/**
 * Rotating a data directory's ledger key (docs/operations.md, "Rotating the ledger key"):
 *
 *   1. take the directory's writer lock (a running `serve` holds it: refused at once);
 *   2. write the incoming key to keys/ledger.next.key, encrypted, never over an existing file
 *      (one left by a rotation that never committed is taken up again instead);
 *   3. commit the rotation to the log: the rotation event signed by the outgoing key and a
 *      checkpoint both keys sign, in one batch; the store signs with the new key from that commit;
 *   4. record the key history (keys/ledger-keys.json) and move ledger.next.key over ledger.key.
 *
 * The log decides which key is in force: a crash after step 3 leaves the files behind the log,
 * and the next open finishes step 4 (settleKeyFiles in data-dir.ts). keys/ledger.pub, the
 * ledger's id, never changes.
 */
import { existsSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { toHex } from '../domain/crypto/hex.js'
import type { Envelope } from '../domain/ledger/envelope.js'
import type { KeyEra } from '../domain/ledger/key-rotation.js'
import type { EventStore } from '../domain/ports/event-store.js'
import { layout, openLedger, recordKeyHistory, resolvePassphrase, type OpenLedgerOptions } from './data-dir.js'
import { createKeyFile, loadSigner, type ScryptCost } from './keys/index.js'
import { syncDirectory } from './keys/atomic-write.js'
import { keyChainOf } from './store/signing-keys.js'

export interface RotationResult {
  readonly previousKey: string
  readonly newKey: string
  /** The rotation event; the checkpoint both keys signed is the event after it. */
  readonly rotation: Envelope
  /** The signing keys of the log after the rotation, the new one last. */
  readonly keys: readonly KeyEra[]
}

export interface RotateOptions extends Pick<OpenLedgerOptions, 'passphrase' | 'clock' | 'backend'> {
  /** scrypt cost of the new key file; the default is DEFAULT_COST. */
  readonly cost?: ScryptCost
}

export async function rotateLedgerKey(root: string, options: RotateOptions = {}): Promise<RotationResult> {
  const paths = layout(root)
  const passphrase = await resolvePassphrase(root, options.passphrase)
  const ledger = await openLedger(root, { ...options, passphrase, purpose: 'rotate-key', anchorTimer: false })
  try {
    if (!existsSync(paths.ledgerNextKey)) await createKeyFile(paths.ledgerNextKey, passphrase, { label: 'ledger', ...(options.cost === undefined ? {} : { cost: options.cost }) })
    const next = await loadSigner(paths.ledgerNextKey, passphrase)
    const previousKey = ledger.store.signingKey().publicKey
    const rotation = await ledger.store.rotateKey(next)
    const newKey = toHex(next.publicKey)
    const keys = await keysOf(ledger.store)
    await recordKeyHistory(paths, keys)
    await rename(paths.ledgerNextKey, paths.ledgerKey)
    await syncDirectory(paths.keys)
    return { previousKey, newKey, rotation, keys }
  } finally {
    await ledger.store.close()
  }
}

/** The log's signing keys, read back through the store. */
function keysOf(store: EventStore): Promise<KeyEra[]> {
  const source = {
    async readStream(stream: string, fromVersion: number): Promise<Envelope[]> {
      const out: Envelope[] = []
      for await (const event of store.readStream(stream, { fromVersion })) out.push(event)
      return out
    },
  }
  return keyChainOf(source, store.ledgerPublicKey)
}
