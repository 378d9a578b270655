/**
 * The native fast path: Ed25519 and SHA-256 from node:crypto (OpenSSL).
 *
 * OpenSSL already checks S < L and the cofactorless equation by comparing encodings; what it does
 * not do is refuse small-order or non-canonical public keys. Those are checked once per key with
 * the reference decoder and remembered, so both paths accept exactly the same signatures
 * (test/infrastructure/crypto/ed25519-equivalence.test.ts).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { CryptoSuite, Ed25519, Signer } from '../../domain/ports/crypto.js'
import { isAcceptablePublicKey } from '../../domain/crypto/reference.js'

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const KEY_CACHE_LIMIT = 10_000

const keyCache = new Map<string, KeyObject | null>()

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
  const cached = keyCache.get(id)
  if (cached !== undefined) return cached
  let key: KeyObject | null = null
  if (isAcceptablePublicKey(publicKey)) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
  }
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
  keyCache.set(id, key)
  return key
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
    const key = publicKeyObject(publicKey)
    if (key === null) return false
    try {
      return verify(null, message, key, signature)
    } catch {
      return false
    }
  },
}

export function nativeSha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest()
}

export const nativeCrypto: CryptoSuite = { ed25519: nativeEd25519, sha256: nativeSha256 }
