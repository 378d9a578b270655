/**
 * The encrypted key file format, version 1: one JSON object, UTF-8, file mode 0600.
 *
 *   {
 *     "format": "model-ledger-key",
 *     "version": 1,
 *     "algorithm": "ed25519",
 *     "label": "ledger authority",                  free text, 1-128 chars, no control characters
 *     "keyId": "3f2a9c0d5e6b7a18",                  first 8 bytes of SHA-256(public key), hex
 *     "publicKey": "<32 bytes, hex>",               the Ed25519 public key, in clear
 *     "kdf": { "name": "scrypt", "N": 131072, "r": 8, "p": 1, "salt": "<32 random bytes, hex>" },
 *     "cipher": { "name": "xchacha20-poly1305", "nonce": "<24 random bytes, hex>" },
 *     "ciphertext": "<48 bytes, hex>"               the 32-byte seed encrypted, then the 16-byte tag
 *   }
 *
 * key        = scrypt(UTF-8 of the NFC-normalized passphrase, salt, N, r, p, 32 bytes)
 * aad        = UTF-8 of the RFC 8785 (JCS) canonical JSON of the object without "ciphertext"
 * ciphertext = XChaCha20-Poly1305(key, nonce, aad).encrypt(seed)
 *
 * Every member in clear is bound as associated data, so changing the public key, the label or a
 * KDF parameter makes decryption fail instead of pairing a secret with someone else's public key.
 * Hex is lower case; unknown members are refused, so nothing unauthenticated can ride along.
 */
import * as t from 'io-ts'
import { canonicalBytes } from '../../domain/canonical/jcs.js'
import { closed, Hex32, integer, pattern } from '../../domain/codec.js'
import type { JsonValue } from '../../domain/json.js'

export const KEY_FILE_FORMAT = 'model-ledger-key'
export const KEY_FILE_VERSION = 1

/** scrypt cost: 2^17 x 8 needs 128 MiB and about half a second; parameters are stored per file. */
export interface ScryptCost {
  readonly N: number
  readonly r: number
  readonly p: number
}
export const DEFAULT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 }

/** Beyond these a file is refused unread: a hostile file must not make us allocate gigabytes. */
export const COST_LIMITS = { minLogN: 10, maxLogN: 20, maxR: 32, maxP: 16, maxMemory: 1024 * 1024 * 1024 }

const hexOf = (bytes: number) => pattern(`hex of ${bytes} bytes`, new RegExp(`^[0-9a-f]{${bytes * 2}}$`))

export const KdfC = closed(
  { name: t.literal('scrypt'), N: integer('scrypt N', 2), r: integer('scrypt r', 1), p: integer('scrypt p', 1), salt: hexOf(32) },
  'Kdf',
)
export const CipherC = closed({ name: t.literal('xchacha20-poly1305'), nonce: hexOf(24) }, 'Cipher')

const headerProps = {
  format: t.literal(KEY_FILE_FORMAT),
  version: t.literal(KEY_FILE_VERSION),
  algorithm: t.literal('ed25519'),
  label: pattern('label (1-128 chars, no control characters)', /^[^\p{Cc}]{1,128}$/u),
  keyId: hexOf(8),
  publicKey: Hex32,
  kdf: KdfC,
  cipher: CipherC,
}
export const KeyFileHeaderC = closed(headerProps, 'KeyFileHeader')
export type KeyFileHeader = t.TypeOf<typeof KeyFileHeaderC>

export const KeyFileC = closed({ ...headerProps, ciphertext: hexOf(48) }, 'KeyFile')
export type KeyFile = t.TypeOf<typeof KeyFileC>

export function associatedData(file: KeyFileHeader): Uint8Array {
  const header: KeyFileHeader = {
    format: file.format,
    version: file.version,
    algorithm: file.algorithm,
    label: file.label,
    keyId: file.keyId,
    publicKey: file.publicKey,
    kdf: file.kdf,
    cipher: file.cipher,
  }
  return canonicalBytes(header as unknown as JsonValue)
}

export function costWithinLimits(cost: ScryptCost): boolean {
  const logN = Math.log2(cost.N)
  return (
    Number.isInteger(logN) &&
    logN >= COST_LIMITS.minLogN &&
    logN <= COST_LIMITS.maxLogN &&
    cost.r <= COST_LIMITS.maxR &&
    cost.p <= COST_LIMITS.maxP &&
    128 * cost.N * cost.r <= COST_LIMITS.maxMemory
  )
}
