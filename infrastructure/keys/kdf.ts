/** scrypt through node:crypto: it runs on the libuv pool, so deriving never blocks the event loop. */
import { scrypt } from 'node:crypto'
import type { ScryptCost } from './format.js'

/** The 32-byte key a passphrase and salt derive under the given cost. */
export function deriveKey(passphrase: string, salt: Uint8Array, cost: ScryptCost): Promise<Uint8Array> {
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8')
  // node:crypto refuses to run past maxmem; allow what this cost needs, with headroom.
  const options = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 32 * 1024 * 1024 }
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, 32, options, (error, key) => {
      secret.fill(0)
      if (error !== null) reject(error)
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength))
    })
  })
}
