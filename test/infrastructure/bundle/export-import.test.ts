import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SignedCommand } from '../../../domain/ledger/command.js'
import { Expected } from '../../../domain/ports/event-store.js'
import { exportBundle } from '../../../infrastructure/bundle/export.js'
import { importBundle, ImportRefused } from '../../../infrastructure/bundle/import.js'
import { bundleFileLines, storeLines } from '../../../infrastructure/bundle/lines.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../../../infrastructure/store/sqlite-backend.js'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { buildLedger, ledgerKey, ledgerSigner, linesOf, standardSteps } from '../../support/ledger-fixture.js'

const made: string[] = []
const dir = (): string => {
  const path = mkdtempSync(join(tmpdir(), 'ml-bundle-'))
  made.push(path)
  return path
}
afterAll(() => {
  for (const path of made) rmSync(path, { recursive: true, force: true })
})

async function exported(): Promise<{ bundle: string; lines: string[] }> {
  const { store, backend } = await buildLedger(standardSteps)
  await store.close()
  const bundle = join(dir(), 'ledger.bundle.jsonl')
  await exportBundle(backend, bundle)
  return { bundle, lines: await linesOf(backend) }
}

describe('export', () => {
  it('writes exactly the store\'s lines, one per line, and the file verifies with no store', async () => {
    const { bundle, lines } = await exported()
    expect(readFileSync(bundle, 'utf8')).toBe(lines.map((line) => `${line}\n`).join(''))
    const report = await verifyLines(bundleFileLines(bundle), { trustedKey: ledgerKey, workers: 0 })
    expect(report.ok).toBe(true)
  })

  it('refuses to overwrite nothing partially: a failing export leaves no file', async () => {
    const { store, backend } = await buildLedger(standardSteps)
    await store.close()
    const target = join(dir(), 'missing-dir', 'out.jsonl')
    await expect(exportBundle(backend, target)).rejects.toThrow()
    expect(existsSync(target)).toBe(false)
  })
})

describe('import', () => {
  it('rebuilds a store that holds the same log and keeps working with the ledger key', async () => {
    const { bundle, lines } = await exported()
    const db = join(dir(), 'ledger.db')
    const report = await importBundle(bundle, db, { trustedKey: ledgerKey, workers: 0 })
    expect(report.ok).toBe(true)
    const backend = createSqliteBackend(db)
    expect(await linesOf(backend)).toEqual(lines)
    const store = await openLedgerStore({ backend, signer: ledgerSigner, anchorIntervalMs: 0 })
    const before = await store.head()
    const result = await store.append({ writes: [{ stream: 'account-a', expected: Expected.exact(4), events: [{ type: 'ThingHappened', data: { after: 'import' } }] }] })
    expect(result.firstSequence).toBe(before.sequence + 1)
    await store.close()
    const again = await verifyLines(storeLines(createSqliteBackend(db)), { trustedKey: ledgerKey, workers: 0 })
    expect(again.ok).toBe(true)
  })

  it('keeps each command\'s first result, so a resent command is still recognised after import', async () => {
    const { bundle } = await exported()
    const db = join(dir(), 'ledger.db')
    await importBundle(bundle, db, { trustedKey: ledgerKey, workers: 0 })
    const backend = createSqliteBackend(db)
    const firstCommandLine = readFileSync(bundle, 'utf8').split('\n').find((line) => line.startsWith('{"command"')) as string
    const { command } = JSON.parse(firstCommandLine) as { command: SignedCommand }
    const store = await openLedgerStore({ backend, signer: ledgerSigner, anchorIntervalMs: 0 })
    const head = await store.head()
    const resent = await store.append({ command, writes: [{ stream: 'account-a', expected: Expected.any, events: [{ type: 'ThingHappened', data: {} }] }] })
    expect(resent.duplicate).toBe(true)
    expect(resent.firstSequence).toBe(1)
    expect((await store.head()).sequence).toBe(head.sequence)
    await store.close()
  })

  it('refuses a bundle with one changed byte and writes nothing', async () => {
    const { bundle } = await exported()
    const text = readFileSync(bundle, 'utf8')
    const tampered = join(dir(), 'tampered.jsonl')
    writeFileSync(tampered, text.replace('original 3', 'original 4'))
    const target = join(dir(), 'ledger.db')
    const error = await importBundle(tampered, target, { trustedKey: ledgerKey, workers: 0 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ImportRefused)
    expect((error as ImportRefused).report?.failure?.reason).toMatch(/hash does not match/)
    expect(existsSync(target)).toBe(false)
  })

  it('refuses a bundle under a key the auditor does not trust', async () => {
    const { bundle } = await exported()
    const target = join(dir(), 'ledger.db')
    await expect(importBundle(bundle, target, { trustedKey: 'ab'.repeat(32), workers: 0 })).rejects.toBeInstanceOf(ImportRefused)
    expect(existsSync(target)).toBe(false)
  })

  it('refuses to import over an existing store', async () => {
    const { bundle } = await exported()
    const target = join(dir(), 'ledger.db')
    await importBundle(bundle, target, { trustedKey: ledgerKey, workers: 0 })
    await expect(importBundle(bundle, target, { trustedKey: ledgerKey, workers: 0 })).rejects.toThrow(/already exists/)
  })
})
