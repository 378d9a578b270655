/**
 * The native fast path: Ed25519 and SHA-256 from node:crypto (OpenSSL).
 *
 * OpenSSL already checks S < L and the cofactorless equation by comparing encodings; what it does
 * not do is refuse small-order or non-canonical public keys. Those are checked once per key with
 * the reference decoder and remembered, so both paths accept exactly the same signatures
 * (test/infrastructure/crypto/ed25519-equivalence.test.ts).
 */
import * as nodeCrypto from 'node:crypto'
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { CryptoSuite, Ed25519, Signer } from '../../domain/ports/crypto.js'
import { isAcceptablePublicKey } from '../../domain/crypto/reference.js'

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * Public keys by how often they have been seen, per thread. A key object holds about 0.85 KB of
 * OpenSSL memory that V8 does not see, so a dropped one is freed only when a full collection
 * happens to run: a cache that fills and clears with keys used once (a ledger's every new
 * account registers by signing once) piles such memory up, 8.5 MB for each 10,000 keys. So a key
 * gets a key object only the second time it is seen; the first time it is checked and verified
 * from its bytes (the same OpenSSL decoding, freed at once). `seenOnce` holds the hex of keys met
 * once (ordinary heap, which V8 sees and collects).
 */
const KEY_OBJECTS_LIMIT = 4_096
const SEEN_ONCE_LIMIT = 65_536
const keyObjects = new Map<string, KeyObject | null>()
const seenOnce = new Set<string>()

type PublicKeyInput = KeyObject | { key: Buffer; format: 'der'; type: 'spki' } | null

/** What to verify with: a remembered key object, the key's DER on a first sighting, or null for a key the rules refuse. */
function publicKeyInput(publicKey: Uint8Array): PublicKeyInput {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
  const cached = keyObjects.get(id)
  if (cached !== undefined) return cached
  const der = Buffer.concat([SPKI_PREFIX, publicKey])
  // A key in seenOnce passed the check when it was met.
  if (seenOnce.delete(id)) {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' })
    remember(id, key)
    return key
  }
  if (!isAcceptablePublicKey(publicKey)) {
    remember(id, null)
    return null
  }
  if (seenOnce.size >= SEEN_ONCE_LIMIT) seenOnce.clear()
  seenOnce.add(id)
  return { key: der, format: 'der', type: 'spki' }
}

function remember(id: string, key: KeyObject | null): void {
  if (keyObjects.size >= KEY_OBJECTS_LIMIT) keyObjects.clear()
  keyObjects.set(id, key)
}

export const nativeEd25519: Ed25519 = {
  name: 'node:crypto',
  signer(seed: Uint8Array): Signer {
    if (seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes')
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
    const publicKey = new Uint8Array(der.subarray(SPKI_PREFIX.length))
    return { publicKey, sign: (message) => new Uint8Array(sign(null, message, privateKey)) }
  },
  verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false
    const key = publicKeyInput(publicKey)
    if (key === null) return false
    try {
      return verify(null, message, key, signature)
    } catch {
      return false
    }
  },
}

/** Node's one-shot digest (20.12 and later): about half the cost of a Hash object for the short inputs a tree hashes. */
const oneShot: typeof nodeCrypto.hash | undefined = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash

export const nativeSha256: (data: Uint8Array) => Uint8Array =
  oneShot === undefined ? (data) => createHash('sha256').update(data).digest() : (data) => oneShot('sha256', data, 'buffer')

export const nativeCrypto: CryptoSuite = { ed25519: nativeEd25519, sha256: nativeSha256 }
