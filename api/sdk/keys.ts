/**
 * Actor keys for the SDK: generate one, derive one from a seed, or keep one in an encrypted key
 * file (the ledger's own format: scrypt + XChaCha20-Poly1305, docs/ledger-format.md).
 */
import { randomBytes } from 'node:crypto'
import { fromHex, toHex } from '../../domain/crypto/hex.js'
import type { Signer } from '../../domain/ports/crypto.js'
import { nativeEd25519 } from '../../infrastructure/crypto/native.js'
import { createKeyFile, loadSigner, type Passphrase, type ScryptCost } from '../../infrastructure/keys/index.js'

export interface ActorKey {
  /** Hex Ed25519 public key: the actor's identity, account and command `actor`. */
  readonly publicKey: string
  readonly signer: Signer
}

function keyOf(signer: Signer): ActorKey {
  return { publicKey: toHex(signer.publicKey), signer }
}

/** A new random key, held in memory only. Save it with `saveKey` to keep it. */
export function generateKey(): ActorKey & { readonly seed: Uint8Array } {
  const seed = new Uint8Array(randomBytes(32))
  return { ...keyOf(nativeEd25519.signer(seed)), seed }
}

/** The key of a 32-byte seed (bytes or 64 hex characters). */
export function keyFromSeed(seed: Uint8Array | string): ActorKey {
  const bytes = typeof seed === 'string' ? fromHex(seed) : seed
  if (bytes.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes')
  return keyOf(nativeEd25519.signer(bytes))
}

/** Writes a seed to an encrypted key file (refuses to overwrite one). */
export async function saveKey(path: string, seed: Uint8Array, passphrase: Passphrase, options: { label?: string; cost?: ScryptCost } = {}): Promise<ActorKey> {
  await createKeyFile(path, passphrase, { label: options.label ?? 'actor', seed, ...(options.cost === undefined ? {} : { cost: options.cost }) })
  return keyFromSeed(seed)
}

/** Loads a key from an encrypted key file. */
export async function loadKey(path: string, passphrase: Passphrase): Promise<ActorKey> {
  return keyOf(await loadSigner(path, passphrase))
}
