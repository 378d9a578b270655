/**
 * The data directory: everything one ledger keeps on disk.
 *
 *   DIR/ledger.db           the embedded store (SQLite, WAL)
 *   DIR/config.json         anchoring and limits
 *   DIR/keys/ledger.key     the ledger authority's key, encrypted with the passphrase
 *   DIR/keys/ledger.pub     its public key in hex, for auditors
 *   DIR/keys/passphrase     only in development mode: a generated passphrase (mode 0600)
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Clock } from '../domain/ports/clock.js'
import type { EventStore } from '../domain/ports/event-store.js'
import { lockDataDir } from './dir-lock.js'
import { createKeyFile, isKeyFileError, loadSigner, readPassphrase, readPublicKey, type KeySigner, type Passphrase, type ScryptCost } from './keys/index.js'
import type { StorageBackend } from './store/backend.js'
import { openLedgerStore } from './store/ledger-store.js'
import { createSqliteBackend } from './store/sqlite-backend.js'

export interface DataDirLayout {
  readonly root: string
  readonly ledgerDb: string
  readonly config: string
  readonly keys: string
  readonly ledgerKey: string
  readonly ledgerPub: string
  readonly devPassphrase: string
}

export function layout(root: string): DataDirLayout {
  const keys = join(root, 'keys')
  return {
    root,
    ledgerDb: join(root, 'ledger.db'),
    config: join(root, 'config.json'),
    keys,
    ledgerKey: join(keys, 'ledger.key'),
    ledgerPub: join(keys, 'ledger.pub'),
    devPassphrase: join(keys, 'passphrase'),
  }
}

export interface LedgerConfig {
  readonly anchorEvery: number
  readonly anchorIntervalMs: number
}

export const DEFAULT_CONFIG: LedgerConfig = { anchorEvery: 1000, anchorIntervalMs: 10_000 }

export interface InitResult {
  readonly created: boolean
  readonly publicKey: string
  readonly layout: DataDirLayout
  /** True when no passphrase was supplied and one was generated into keys/passphrase. */
  readonly developmentPassphrase: boolean
}

export function isInitialised(root: string): boolean {
  return existsSync(layout(root).ledgerKey)
}

/** Resolves the passphrase: explicit, else the environment, else the development passphrase file. */
/**
 * A service's own key in DIR/keys/<name>.key (the trainer's, the gateway operator's), encrypted
 * with the ledger's passphrase and created on first use.
 */
export async function serviceSigner(root: string, name: string, cost?: ScryptCost): Promise<KeySigner> {
  const passphrase = await resolvePassphrase(root)
  const path = join(layout(root).keys, `${name}.key`)
  if (!existsSync(path)) await createKeyFile(path, passphrase, { label: name, ...(cost === undefined ? {} : { cost }) })
  return loadSigner(path, passphrase)
}

export async function resolvePassphrase(root: string, explicit?: Passphrase): Promise<Passphrase> {
  if (explicit !== undefined) return explicit
  try {
    return await readPassphrase()
  } catch (error) {
    const dev = layout(root).devPassphrase
    if (isKeyFileError(error, 'no-passphrase') && existsSync(dev)) return readPassphrase({ file: dev, env: {} })
    throw error
  }
}

/**
 * What init would find in its way with no ledger key in place: files it would otherwise write over
 * (a public key, a development passphrase), or a store already bound to a ledger. A directory
 * that lost its private key is one of these, and init must not turn it into a new ledger.
 */
async function obstacles(paths: DataDirLayout, explicitPassphrase: boolean): Promise<string[]> {
  const found: string[] = []
  if (existsSync(paths.ledgerPub)) found.push(`${paths.ledgerPub} exists`)
  if (!explicitPassphrase && existsSync(paths.devPassphrase)) found.push(`${paths.devPassphrase} exists`)
  if (existsSync(paths.ledgerDb)) {
    const backend = createSqliteBackend(paths.ledgerDb, { readonly: true })
    try {
      const key = await backend.ledgerKey()
      const head = await backend.head()
      if (key !== undefined || head.sequence > 0) found.push(`${paths.ledgerDb} already holds a ledger${key === undefined ? '' : ` (key ${key})`}`)
    } finally {
      await backend.close()
    }
  }
  return found
}

/** The passphrase given, else the environment's; undefined when there is none (development mode). */
export async function givenPassphrase(explicit?: Passphrase): Promise<Passphrase | undefined> {
  if (explicit !== undefined) return explicit
  try {
    return await readPassphrase()
  } catch (error) {
    if (!isKeyFileError(error, 'no-passphrase')) throw error
    return undefined
  }
}

/**
 * Makes DIR/keys private; with no passphrase, generates one into the development passphrase file
 * (never over an existing one). Run only after the caller has checked nothing is in the way.
 */
export async function prepareKeysDir(paths: { readonly keys: string; readonly devPassphrase: string }, given: Passphrase | undefined): Promise<{ passphrase: Passphrase; developmentPassphrase: boolean }> {
  await mkdir(paths.keys, { recursive: true, mode: 0o700 })
  await chmod(paths.keys, 0o700)
  if (given !== undefined) return { passphrase: given, developmentPassphrase: false }
  const passphrase = randomBytes(24).toString('base64url')
  await writeFile(paths.devPassphrase, `${passphrase}\n`, { mode: 0o600, flag: 'wx' })
  return { passphrase, developmentPassphrase: true }
}

/**
 * Creates a data directory. Checks everything first, then writes: with no ledger key in place it
 * refuses (writing nothing) when a public key, development passphrase or bound store is already
 * there; an existing config.json is kept as it is.
 */
export async function initDataDir(root: string, options: { passphrase?: Passphrase; cost?: ScryptCost; config?: Partial<LedgerConfig> } = {}): Promise<InitResult> {
  const paths = layout(root)
  if (isInitialised(root)) {
    return { created: false, publicKey: await readPublicKey(paths.ledgerKey), layout: paths, developmentPassphrase: existsSync(paths.devPassphrase) }
  }
  const given = await givenPassphrase(options.passphrase)
  const blocking = await obstacles(paths, given !== undefined)
  if (blocking.length > 0) {
    throw new Error(`${root} has no ledger key (${paths.ledgerKey}) but ${blocking.join('; ')}: refusing to create a new ledger over it (restore the key from its backup)`)
  }
  const { passphrase, developmentPassphrase } = await prepareKeysDir(paths, given)
  const info = await createKeyFile(paths.ledgerKey, passphrase, { label: 'ledger', ...(options.cost === undefined ? {} : { cost: options.cost }) })
  await writeFile(paths.ledgerPub, `${info.publicKey}\n`, { mode: 0o644, flag: 'wx' })
  if (!existsSync(paths.config)) await writeFile(paths.config, `${JSON.stringify({ ...DEFAULT_CONFIG, ...options.config }, null, 2)}\n`, { flag: 'wx' })
  const backend = createSqliteBackend(paths.ledgerDb)
  await backend.bindLedgerKey(info.publicKey)
  await backend.close()
  return { created: true, publicKey: info.publicKey, layout: paths, developmentPassphrase }
}

export async function readConfig(root: string): Promise<LedgerConfig> {
  const path = layout(root).config
  if (!existsSync(path)) return DEFAULT_CONFIG
  const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LedgerConfig>
  return { ...DEFAULT_CONFIG, ...parsed }
}

export interface OpenLedger {
  readonly store: EventStore
  /** The ledger authority's signer (genesis is its command); prints no secret. */
  readonly signer: KeySigner
  readonly config: LedgerConfig
  readonly layout: DataDirLayout
}

/**
 * Opens the ledger for writing: takes the directory's writer lock (infrastructure/dir-lock.ts;
 * another writer on DIR is refused at once), loads the ledger key (needs the passphrase) and the
 * store. Closing the store releases the lock. `backend` replaces the embedded SQLite file
 * (serve --store); the keys, config and lock stay in `root`.
 */
export interface OpenLedgerOptions {
  readonly passphrase?: Passphrase
  readonly clock?: Clock
  readonly backend?: StorageBackend
  /** Who holds the lock, for another process's refusal message. */
  readonly purpose?: string
  /** Runs under the lock before the store opens (start-up verification); a throw opens nothing. */
  readonly check?: (backend: StorageBackend) => Promise<void>
  /** False leaves sealing anchors on a timer to the caller (serve runs it under its supervisor). */
  readonly anchorTimer?: boolean
  /**
   * False skips the writer lock: only for tests that model several machines racing on one store
   * (the sequencer keeps the chain whole; the lock keeps operators from doing it by accident).
   */
  readonly exclusive?: boolean
}

export async function openLedger(root: string, options: OpenLedgerOptions = {}): Promise<OpenLedger> {
  const paths = layout(root)
  if (!isInitialised(root)) throw new Error(`${root} is not a ledger data directory (run: model-ledger init --data ${root})`)
  const lock = options.exclusive === false ? { release: () => undefined } : lockDataDir(root, options.purpose ?? 'a writer')
  try {
    const signer = await loadSigner(paths.ledgerKey, await resolvePassphrase(root, options.passphrase))
    const config = await readConfig(root)
    const backend = options.backend ?? createSqliteBackend(paths.ledgerDb)
    try {
      await options.check?.(backend)
    } catch (error) {
      await backend.close()
      throw error
    }
    const store = await openLedgerStore({
      backend,
      signer,
      anchorEvery: config.anchorEvery,
      anchorIntervalMs: options.anchorTimer === false ? 0 : config.anchorIntervalMs,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    })
    const locked: EventStore = {
      ...store,
      async close() {
        try {
          await store.close()
        } finally {
          lock.release()
        }
      },
    }
    return { store: locked, signer, config, layout: paths }
  } catch (error) {
    lock.release()
    throw error
  }
}

/** Opens the store for reading only: no key, no passphrase, no writes. */
export function openReadOnly(root: string): StorageBackend {
  const paths = layout(root)
  if (!existsSync(paths.ledgerDb)) throw new Error(`no ledger store at ${paths.ledgerDb}`)
  return createSqliteBackend(paths.ledgerDb, { readonly: true })
}
