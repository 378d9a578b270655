/** Rotating a data directory's ledger key on real files and a real SQLite store. */
import { existsSync } from 'node:fs'
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { toHex } from '../../domain/crypto/hex.js'
import { anchorData } from '../../domain/ledger/anchor.js'
import { isLedgerError } from '../../domain/ledger/errors.js'
import { Expected, type EventStore } from '../../domain/ports/event-store.js'
import { storeLines } from '../../infrastructure/bundle/lines.js'
import { initDataDir, layout, openLedger, openReadOnly } from '../../infrastructure/data-dir.js'
import { DirLockedError } from '../../infrastructure/dir-lock.js'
import { rotateLedgerKey } from '../../infrastructure/key-rotation.js'
import { createKeyFile, loadSigner, readPublicKey } from '../../infrastructure/keys/index.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../../infrastructure/store/sqlite-backend.js'
import { verifyOnStart } from '../../infrastructure/verify/startup.js'
import { verifyLines } from '../../infrastructure/verify/verifier.js'

const FAST = { N: 1024, r: 8, p: 1 }
const passphrase = 'rotate me'
const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function fresh(events = 3): Promise<{ dir: string; genesis: string }> {
  const dir = join(await mkdtemp(join(tmpdir(), 'ml-rotate-')), 'data')
  dirs.push(dir)
  const init = await initDataDir(dir, { passphrase, cost: FAST, config: { anchorEvery: 4, anchorIntervalMs: 0 } })
  const ledger = await openLedger(dir, { passphrase })
  await appendSome(ledger.store, events)
  await ledger.store.close()
  return { dir, genesis: init.publicKey }
}

async function appendSome(store: EventStore, n: number): Promise<number[]> {
  const sequences: number[] = []
  for (let i = 0; i < n; i++) {
    const result = await store.append({ writes: [{ stream: 'thing-1', expected: Expected.any, events: [{ type: 'ThingHappened', data: { i } }] }], reason: 'test' })
    sequences.push(result.firstSequence)
  }
  return sequences
}

async function verifyDir(dir: string, trustedKey: string) {
  const backend = openReadOnly(dir)
  try {
    return await verifyLines(storeLines(backend), { trustedKey, workers: 0 })
  } finally {
    await backend.close()
  }
}

describe('rotateLedgerKey', () => {
  it('hands signing to a new key file; the ledger id and ledger.pub stay; the reopened store signs with the new key', async () => {
    const { dir, genesis } = await fresh()
    const paths = layout(dir)
    const pub = await readFile(paths.ledgerPub, 'utf8')
    const result = await rotateLedgerKey(dir, { passphrase, cost: FAST })
    expect(result.previousKey).toBe(genesis)
    expect(result.newKey).not.toBe(genesis)
    expect(await readPublicKey(paths.ledgerKey)).toBe(result.newKey)
    expect(existsSync(paths.ledgerNextKey)).toBe(false)
    expect(await readFile(paths.ledgerPub, 'utf8')).toBe(pub)
    expect(JSON.parse(await readFile(paths.ledgerKeyHistory, 'utf8'))).toEqual({
      ledger: genesis,
      keys: [
        { publicKey: genesis, from: 1, until: result.rotation.sequence },
        { publicKey: result.newKey, from: result.rotation.sequence + 1, until: null },
      ],
    })
    expect((await initDataDir(dir, { passphrase })).publicKey).toBe(genesis)

    const ledger = await openLedger(dir, { passphrase })
    expect(toHex(ledger.signer.publicKey)).toBe(result.newKey)
    expect(ledger.store.ledgerPublicKey).toBe(genesis)
    expect(ledger.store.signingKey()).toEqual({ publicKey: result.newKey, since: result.rotation.sequence + 1 })
    const [sequence] = await appendSome(ledger.store, 1)
    const [written] = await backendRead(ledger.store, sequence ?? 0)
    expect(written?.signer).toBe(result.newKey)
    await ledger.store.close()

    const report = await verifyDir(dir, genesis)
    expect(report.failure).toBeNull()
    expect(report.summary?.keys.map((k) => k.publicKey)).toEqual([genesis, result.newKey])
  })

  it('refuses while another process holds the directory, writing nothing', async () => {
    const { dir } = await fresh()
    const held = await openLedger(dir, { passphrase })
    try {
      await expect(rotateLedgerKey(dir, { passphrase, cost: FAST })).rejects.toThrow(DirLockedError)
      expect(existsSync(layout(dir).ledgerNextKey)).toBe(false)
    } finally {
      await held.store.close()
    }
  })

  it('rotates twice, and refuses a store opened with a retired key (an operator\'s backup of an old ledger.key)', async () => {
    const { dir, genesis } = await fresh()
    const paths = layout(dir)
    const backups = [join(dir, 'backup-0.key'), join(dir, 'backup-1.key')]
    await copyFile(paths.ledgerKey, backups[0] as string)
    const first = await rotateLedgerKey(dir, { passphrase, cost: FAST })
    await copyFile(paths.ledgerKey, backups[1] as string)
    const second = await rotateLedgerKey(dir, { passphrase, cost: FAST })
    expect(second.previousKey).toBe(first.newKey)
    expect(second.keys.map((k) => k.publicKey)).toEqual([genesis, first.newKey, second.newKey])
    for (const backup of backups) {
      const retired = await loadSigner(backup, passphrase)
      const backend = createSqliteBackend(paths.ledgerDb)
      const refused = await openLedgerStore({ backend, signer: retired, anchorIntervalMs: 0 }).catch((error: unknown) => error)
      await backend.close()
      expect(isLedgerError(refused, 'unknown-signer')).toBe(true)
      expect((refused as Error).message).toContain(`ledger key ${second.newKey} signs it`)
    }
    expect((await verifyDir(dir, genesis)).ok).toBe(true)
  })

  it('finishes a rotation that committed before its key file was moved', async () => {
    const { dir, genesis } = await fresh()
    const paths = layout(dir)
    // Steps 1-3 of a rotation, then a crash: the log has the new key, ledger.key the old one.
    const ledger = await openLedger(dir, { passphrase })
    await createKeyFile(paths.ledgerNextKey, passphrase, { label: 'ledger', cost: FAST })
    const next = await loadSigner(paths.ledgerNextKey, passphrase)
    await ledger.store.rotateKey(next)
    await ledger.store.close()
    expect(await readPublicKey(paths.ledgerKey)).toBe(genesis)

    const reopened = await openLedger(dir, { passphrase })
    expect(toHex(reopened.signer.publicKey)).toBe(toHex(next.publicKey))
    expect(existsSync(paths.ledgerNextKey)).toBe(false)
    expect(await readPublicKey(paths.ledgerKey)).toBe(toHex(next.publicKey))
    await appendSome(reopened.store, 2)
    await reopened.store.close()
    expect((await verifyDir(dir, genesis)).ok).toBe(true)
  })

  it('takes up an incoming key that a failed rotation left behind, and never writes over it', async () => {
    const { dir, genesis } = await fresh()
    const paths = layout(dir)
    const left = await createKeyFile(paths.ledgerNextKey, passphrase, { label: 'ledger', cost: FAST })
    // The log never took it: the store still opens with the old key.
    const ledger = await openLedger(dir, { passphrase })
    expect(toHex(ledger.signer.publicKey)).toBe(genesis)
    await ledger.store.close()
    const result = await rotateLedgerKey(dir, { passphrase, cost: FAST })
    expect(result.newKey).toBe(left.publicKey)
  })

  it('refuses to open when ledger.key is not the key the log has in force', async () => {
    const { dir } = await fresh()
    const paths = layout(dir)
    const ledger = await openLedger(dir, { passphrase })
    await ledger.store.rotateKey(await loadSigner(await newKeyFile(dir), passphrase))
    await ledger.store.close()
    await expect(openLedger(dir, { passphrase })).rejects.toThrow(/the log is signed by [0-9a-f]{64} since sequence \d+, but .*ledger\.key holds/)
    expect(existsSync(paths.ledgerNextKey)).toBe(false)
  })
})

describe('two writers on one store', () => {
  it('the one that did not rotate refuses every write once the other has, and still closes', async () => {
    const { dir, genesis } = await fresh()
    const paths = layout(dir)
    const signer = await loadSigner(paths.ledgerKey, passphrase)
    const open = () => openLedgerStore({ backend: createSqliteBackend(paths.ledgerDb), signer, anchorIntervalMs: 0 })
    const here = await open()
    const there = await open()
    await createKeyFile(paths.ledgerNextKey, passphrase, { label: 'ledger', cost: FAST })
    const next = await loadSigner(paths.ledgerNextKey, passphrase)
    await here.rotateKey(next)
    const refused = await appendSome(there, 1).catch((error: unknown) => error)
    expect(isLedgerError(refused, 'unknown-signer')).toBe(true)
    expect(there.signingKey().publicKey).toBe(toHex(next.publicKey))
    await there.close()
    await appendSome(here, 2)
    await here.close()
    const report = await verifyDir(dir, genesis)
    expect(report.failure).toBeNull()
    expect(report.summary?.keys.map((k) => k.publicKey)).toEqual([genesis, toHex(next.publicKey)])
  })
})

describe('start-up verification across a rotation', () => {
  it('verifies the tail from a marker before the rotation, then from the checkpoint both keys signed', async () => {
    const { dir, genesis } = await fresh(5)
    const backendOf = () => createSqliteBackend(layout(dir).ledgerDb)
    let backend = backendOf()
    const before = await verifyOnStart(backend, dir, { workers: 0 })
    await backend.close()
    expect(before.marker?.sequence).toBeGreaterThan(0)
    const result = await rotateLedgerKey(dir, { passphrase, cost: FAST })
    expect((before.marker?.sequence ?? 0) < result.rotation.sequence).toBe(true)

    backend = backendOf()
    const across = await verifyOnStart(backend, dir, { workers: 0 })
    await backend.close()
    expect(across.from).toBe((before.marker?.sequence ?? 0) + 1)
    const [checkpoint] = await readAt(dir, result.rotation.sequence + 1)
    expect(anchorData(checkpoint ?? ({} as never))?.signatures.map((s) => s.key)).toEqual([result.newKey, genesis])
    expect(across.marker?.sequence).toBe(result.rotation.sequence + 1)

    const ledger = await openLedger(dir, { passphrase })
    await appendSome(ledger.store, 5)
    await ledger.store.close()
    backend = backendOf()
    const after = await verifyOnStart(backend, dir, { workers: 0 })
    await backend.close()
    expect(after.from).toBe(result.rotation.sequence + 2)
    expect(after.head).toBeGreaterThan(result.rotation.sequence + 5)
  })
})

async function backendRead(store: EventStore, sequence: number) {
  const out = []
  for await (const envelope of store.readAll(sequence)) {
    out.push(envelope)
    break
  }
  return out
}

async function readAt(dir: string, sequence: number) {
  const backend = openReadOnly(dir)
  try {
    return await backend.readRange(sequence, 1)
  } finally {
    await backend.close()
  }
}

async function newKeyFile(dir: string): Promise<string> {
  const path = join(dir, 'keys', `elsewhere-${Math.random().toString(16).slice(2)}.key`)
  await createKeyFile(path, passphrase, { label: 'ledger', cost: FAST })
  return path
}

