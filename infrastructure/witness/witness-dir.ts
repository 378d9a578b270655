/**
 * A witness's data directory:
 *
 *   DIR/keys/witness.key   its Ed25519 key, encrypted with the passphrase (infrastructure/keys)
 *   DIR/keys/passphrase    only in development mode: a generated passphrase (mode 0600)
 *   DIR/witness.json       {"name": "<key name>"}: the name its cosignatures are made under
 *   DIR/witness.db         what it cosigned (infrastructure/witness/state.ts)
 *
 * As with `model-ledger init`, creating it never overwrites: with a key in place it changes
 * nothing; without one it refuses when a name, a development passphrase or state is already
 * there (a witness that lost its key must not come back as another witness with the same state).
 */
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fromHex, toHex } from '../../domain/crypto/hex.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { cosignatureVerifier } from '../../domain/tlog/cosignature.js'
import { isKeyName } from '../../domain/tlog/note.js'
import { vkeyOf } from '../../domain/tlog/vkey.js'
import { givenPassphrase, prepareKeysDir, resolvePassphrase } from '../data-dir.js'
import { createKeyFile, loadSigner, readPublicKey, type KeySigner, type Passphrase, type ScryptCost } from '../keys/index.js'

export interface WitnessLayout {
  readonly root: string
  readonly keys: string
  readonly key: string
  readonly devPassphrase: string
  readonly config: string
  readonly state: string
}

export function witnessLayout(root: string): WitnessLayout {
  const keys = join(root, 'keys')
  return { root, keys, key: join(keys, 'witness.key'), devPassphrase: join(keys, 'passphrase'), config: join(root, 'witness.json'), state: join(root, 'witness.db') }
}

/** The name a witness gets when none is given: `model-ledger-witness/` and 16 hex digits of its key. */
export function defaultWitnessName(publicKeyHex: string): string {
  return `model-ledger-witness/${publicKeyHex.slice(0, 16)}`
}

export interface WitnessInfo {
  readonly name: string
  readonly publicKey: string
  /** Its verifier key: name+keyID+base64(0x04 ‖ public key). */
  readonly vkey: string
  readonly layout: WitnessLayout
}

export interface InitWitnessResult extends WitnessInfo {
  readonly created: boolean
  readonly developmentPassphrase: boolean
}

function infoOf(name: string, publicKey: string, layout: WitnessLayout, crypto: CryptoSuite): WitnessInfo {
  return { name, publicKey, vkey: vkeyOf(cosignatureVerifier(name, fromHex(publicKey), crypto)), layout }
}

async function readName(layout: WitnessLayout, publicKey: string): Promise<string> {
  if (!existsSync(layout.config)) return defaultWitnessName(publicKey)
  const parsed = JSON.parse(await readFile(layout.config, 'utf8')) as { name?: unknown }
  if (typeof parsed.name !== 'string' || !isKeyName(parsed.name)) throw new Error(`${layout.config} does not name the witness with a key name`)
  return parsed.name
}

async function writeName(layout: WitnessLayout, name: string): Promise<void> {
  await writeFile(layout.config, `${JSON.stringify({ name }, null, 2)}\n`, { flag: 'wx' })
}

export interface InitWitnessOptions {
  readonly name?: string
  readonly passphrase?: Passphrase
  readonly cost?: ScryptCost
  readonly crypto: CryptoSuite
}

export async function initWitnessDir(root: string, options: InitWitnessOptions): Promise<InitWitnessResult> {
  const layout = witnessLayout(root)
  if (options.name !== undefined && !isKeyName(options.name)) throw new Error(`${JSON.stringify(options.name)} is not a key name (non-empty, no space, no plus)`)
  if (existsSync(layout.key)) {
    const publicKey = await readPublicKey(layout.key)
    // A key without witness.json: an init cut short after the key; finish it with the name asked for.
    if (!existsSync(layout.config) && options.name !== undefined) await writeName(layout, options.name)
    const name = await readName(layout, publicKey)
    if (options.name !== undefined && options.name !== name) throw new Error(`${root} already holds the witness ${name}; its name does not change`)
    return { ...infoOf(name, publicKey, layout, options.crypto), created: false, developmentPassphrase: existsSync(layout.devPassphrase) }
  }
  const given = await givenPassphrase(options.passphrase)
  const blocking = [layout.config, layout.state, ...(given === undefined ? [layout.devPassphrase] : [])].filter((path) => existsSync(path))
  if (blocking.length > 0) {
    throw new Error(`${root} has no witness key (${layout.key}) but ${blocking.join(', ')} exist: refusing to create a new witness over them (restore the key from its backup)`)
  }
  const { passphrase, developmentPassphrase } = await prepareKeysDir(layout, given)
  const key = await createKeyFile(layout.key, passphrase, { label: 'witness', ...(options.cost === undefined ? {} : { cost: options.cost }) })
  const name = options.name ?? defaultWitnessName(key.publicKey)
  await writeName(layout, name)
  return { ...infoOf(name, key.publicKey, layout, options.crypto), created: true, developmentPassphrase }
}

/** The witness's name, public key and vkey, without the passphrase. */
export async function readWitnessInfo(root: string, crypto: CryptoSuite): Promise<WitnessInfo> {
  const layout = witnessLayout(root)
  if (!existsSync(layout.key)) throw new Error(`${root} holds no witness key (run: model-ledger witness --data ${root} --init)`)
  const publicKey = await readPublicKey(layout.key)
  return infoOf(await readName(layout, publicKey), publicKey, layout, crypto)
}

/** The witness's identity and its signer (needs the passphrase: explicit, the environment, or the development file). */
export async function openWitnessKey(root: string, crypto: CryptoSuite, passphrase?: Passphrase): Promise<WitnessInfo & { readonly signer: KeySigner }> {
  const info = await readWitnessInfo(root, crypto)
  const signer = await loadSigner(info.layout.key, await resolvePassphrase(root, passphrase))
  if (toHex(signer.publicKey) !== info.publicKey) throw new Error(`${info.layout.key}: the secret key does not match its public key`)
  return { ...info, signer }
}
