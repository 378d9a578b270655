/**
 * Encrypted Ed25519 key files (format in format.ts): create one, read its public key without the
 * passphrase, and load a Signer with it. Errors are KeyFileErrors with a stable code; a wrong
 * passphrase and an altered file look the same to the AEAD, so they share one.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { decodeWith } from '../../domain/codec.js'
import { fromHex, toHex, bytesEqual } from '../../domain/crypto/hex.js'
import { isAcceptablePublicKey } from '../../domain/crypto/reference.js'
import type { Ed25519 } from '../../domain/ports/crypto.js'
import { nativeEd25519, nativeSha256 } from '../crypto/native.js'
import { assertAbsent, writeNewFile } from './atomic-write.js'
import { errnoCode, KeyFileError } from './errors.js'
import {
  associatedData,
  costWithinLimits,
  DEFAULT_COST,
  KEY_FILE_FORMAT,
  KEY_FILE_VERSION,
  KeyFileC,
  type KeyFile,
  type KeyFileHeader,
  type ScryptCost,
} from './format.js'
import { deriveKey } from './kdf.js'
import { redactedSigner, type KeySigner } from './redacted-signer.js'
import { revealPassphrase, type Passphrase } from './secret.js'

export interface KeyFileInfo {
  readonly publicKey: string
  readonly keyId: string
  readonly label: string
}

export interface CreateKeyFileOptions {
  readonly label: string
  /** scrypt cost; the default is DEFAULT_COST. Tests pass a low one to run fast. */
  readonly cost?: ScryptCost
  /** Import this 32-byte seed instead of generating one. */
  readonly seed?: Uint8Array
  readonly ed25519?: Ed25519
}

export function keyIdOf(publicKey: Uint8Array): string {
  return toHex(nativeSha256(publicKey).subarray(0, 8))
}

/** Creates a key file; refuses to overwrite one, and never leaves a partial file behind. */
export async function createKeyFile(path: string, passphrase: Passphrase, options: CreateKeyFileOptions): Promise<KeyFileInfo> {
  const secret = revealPassphrase(passphrase)
  if (secret.length === 0) throw new KeyFileError('no-passphrase', 'a key file needs a non-empty passphrase')
  const cost = options.cost ?? DEFAULT_COST
  if (!costWithinLimits(cost)) throw new KeyFileError('unsupported', `scrypt cost N=${cost.N} r=${cost.r} p=${cost.p} is out of bounds`)
  await assertAbsent(path) // before the costly derivation; the final link refuses a racing writer too
  const seed = options.seed === undefined ? new Uint8Array(randomBytes(32)) : Uint8Array.from(options.seed)
  if (seed.length !== 32) throw new KeyFileError('malformed', 'an Ed25519 seed is 32 bytes')
  const publicKey = (options.ed25519 ?? nativeEd25519).signer(seed).publicKey
  const header: KeyFileHeader = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    algorithm: 'ed25519',
    label: options.label,
    keyId: keyIdOf(publicKey),
    publicKey: toHex(publicKey),
    kdf: { name: 'scrypt', ...cost, salt: toHex(randomBytes(32)) },
    cipher: { name: 'xchacha20-poly1305', nonce: toHex(randomBytes(24)) },
  }
  const checked = decodeWith(KeyFileC, { ...header, ciphertext: '00'.repeat(48) })
  if (!checked.ok) throw new KeyFileError('malformed', `cannot create key file: ${checked.error}`)
  const key = await deriveKey(secret, fromHex(header.kdf.salt), cost)
  const ciphertext = xchacha20poly1305(key, fromHex(header.cipher.nonce), associatedData(header)).encrypt(seed)
  key.fill(0)
  seed.fill(0)
  const file: KeyFile = { ...header, ciphertext: toHex(ciphertext) }
  await writeNewFile(path, `${JSON.stringify(file, null, 2)}\n`)
  return { publicKey: header.publicKey, keyId: header.keyId, label: header.label }
}

async function readKeyFile(path: string): Promise<KeyFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new KeyFileError('not-found', `no key file at ${path}`)
    throw new KeyFileError('io', `cannot read key file ${path}: ${errnoCode(error) ?? 'unknown error'}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new KeyFileError('malformed', `${path} is not JSON`)
  }
  return decodeKeyFile(path, json)
}

function decodeKeyFile(path: string, json: unknown): KeyFile {
  const shape = json as { format?: unknown; version?: unknown }
  if (typeof json !== 'object' || json === null || shape.format !== KEY_FILE_FORMAT) {
    throw new KeyFileError('malformed', `${path} is not a model-ledger key file`)
  }
  if (shape.version !== KEY_FILE_VERSION) throw new KeyFileError('unsupported', `${path} is key file version ${String(shape.version)}; this build reads ${KEY_FILE_VERSION}`)
  const decoded = decodeWith(KeyFileC, json)
  if (!decoded.ok) throw new KeyFileError('malformed', `${path}: ${decoded.error}`)
  const file = decoded.value
  const publicKey = fromHex(file.publicKey)
  if (!isAcceptablePublicKey(publicKey) || keyIdOf(publicKey) !== file.keyId) {
    throw new KeyFileError('tampered', `${path}: the key id does not match the public key`)
  }
  if (!costWithinLimits(file.kdf)) throw new KeyFileError('unsupported', `${path}: scrypt cost out of bounds`)
  return file
}

export async function readKeyFileInfo(path: string): Promise<KeyFileInfo> {
  const file = await readKeyFile(path)
  return { publicKey: file.publicKey, keyId: file.keyId, label: file.label }
}

/** The hex public key of a key file, without the passphrase. */
export async function readPublicKey(path: string): Promise<string> {
  return (await readKeyFileInfo(path)).publicKey
}

function decryptSeed(path: string, file: KeyFile, key: Uint8Array): Uint8Array {
  try {
    return xchacha20poly1305(key, fromHex(file.cipher.nonce), associatedData(file)).decrypt(fromHex(file.ciphertext))
  } catch {
    throw new KeyFileError('cannot-decrypt', `cannot decrypt ${path}: wrong passphrase, or the file was altered`)
  } finally {
    key.fill(0)
  }
}

/** Decrypts a key file into a Signer that never prints its secret. */
export async function loadSigner(path: string, passphrase: Passphrase, ed25519: Ed25519 = nativeEd25519): Promise<KeySigner> {
  const file = await readKeyFile(path)
  const key = await deriveKey(revealPassphrase(passphrase), fromHex(file.kdf.salt), file.kdf)
  const seed = decryptSeed(path, file, key)
  try {
    const signer = ed25519.signer(seed)
    if (!bytesEqual(signer.publicKey, fromHex(file.publicKey))) {
      throw new KeyFileError('tampered', `${path}: the secret key does not match the public key`)
    }
    return redactedSigner(signer, file.keyId, file.label)
  } finally {
    seed.fill(0)
  }
}
