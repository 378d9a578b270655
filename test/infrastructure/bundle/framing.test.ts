/**
 * A bundle's bytes, probed as an independent verifier written from docs/ledger-format.md would:
 * every line ends in LF (the last one too), never CR LF, the file is UTF-8 with no byte-order
 * mark, and a byte that is not UTF-8 is refused rather than read as U+FFFD.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Expected } from '../../../domain/ports/event-store.js'
import { exportBundle } from '../../../infrastructure/bundle/export.js'
import { importBundle, ImportRefused } from '../../../infrastructure/bundle/import.js'
import { bundleFileLines } from '../../../infrastructure/bundle/lines.js'
import { manualClock } from '../../../infrastructure/clock.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import { verifyLines, type VerifyReport } from '../../../infrastructure/verify/verifier.js'
import { scratchDirs } from '../../support/scratch.js'
import { buildLedger, ledgerKey, ledgerSigner, standardSteps } from '../../support/ledger-fixture.js'

const dir = scratchDirs('ml-framing-')

const { store, backend } = await buildLedger(standardSteps)
await store.close()
const original = join(dir(), 'ledger.bundle.jsonl')
await exportBundle(backend, original)
const bytes = readFileSync(original)
const lineCount = bytes.toString('utf8').split('\n').length - 1

function bundleOf(content: Buffer | string): string {
  const path = join(dir(), 'probe.bundle.jsonl')
  writeFileSync(path, content)
  return path
}

const verify = (path: string, workers = 0): Promise<VerifyReport> => verifyLines(bundleFileLines(path), { trustedKey: ledgerKey, workers })

function expectRefused(report: VerifyReport, line: number, reason: RegExp): void {
  expect(report.ok).toBe(false)
  expect(report.failure?.line).toBe(line)
  expect(report.failure?.reason).toMatch(reason)
}

describe('line endings', () => {
  it('the control: the exported file ends in LF and verifies', async () => {
    expect(bytes[bytes.length - 1]).toBe(0x0a)
    expect((await verify(original)).ok).toBe(true)
  })

  it('refuses a bundle whose last line lost its LF, naming that line, on one thread or several', async () => {
    const cut = bundleOf(bytes.subarray(0, bytes.length - 1))
    expectRefused(await verify(cut), lineCount, /line \d+ does not end in LF/)
    expectRefused(await verify(cut, 2), lineCount, /does not end in LF/)
    await expect(importBundle(cut, join(dir(), 'imported.db'))).rejects.toBeInstanceOf(ImportRefused)
  })

  it('refuses a bundle of one header line without its LF', async () => {
    const header = bytes.subarray(0, bytes.indexOf(0x0a))
    expectRefused(await verify(bundleOf(header)), 1, /does not end in LF/)
  })

  it('refuses bytes after the last LF, even a complete, valid line repeated', async () => {
    const lastLine = bytes.subarray(bytes.lastIndexOf(0x0a, bytes.length - 2) + 1, bytes.length - 1)
    expectRefused(await verify(bundleOf(Buffer.concat([bytes, lastLine]))), lineCount + 1, /does not end in LF/)
  })

  it('reports an earlier fault before a missing final LF', async () => {
    const text = bytes.toString('utf8').replace('"sequence":2,', '"sequence":2 ,')
    const report = await verify(bundleOf(text.slice(0, -1)))
    expect(report.failure?.sequence).toBe(2)
    expect(report.failure?.reason).toMatch(/canonical/)
  })

  it('refuses CR LF line endings, throughout or on one line only', async () => {
    expectRefused(await verify(bundleOf(bytes.toString('utf8').replaceAll('\n', '\r\n'))), 1, /CR LF/)
    const lines = bytes.toString('utf8').split('\n')
    lines[4] = `${lines[4] as string}\r`
    const report = await verify(bundleOf(lines.join('\n')))
    expectRefused(report, 5, /CR LF/)
  })

  it('refuses an empty line at the end', async () => {
    expectRefused(await verify(bundleOf(Buffer.concat([bytes, Buffer.from('\n')]))), lineCount + 1, /not valid JSON/)
  })
})

describe('encoding', () => {
  it('refuses a byte-order mark', async () => {
    expectRefused(await verify(bundleOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]))), 1, /byte-order mark/)
  })

  it('refuses a byte that is not UTF-8, where a lenient decoder would read U+FFFD and the hash would still match', async () => {
    const memory = createMemoryBackend()
    const ledger = await openLedgerStore({ backend: memory, signer: ledgerSigner, clock: manualClock(Date.UTC(2026, 10, 1)), anchorEvery: 100, anchorIntervalMs: 0 })
    await ledger.append({ reason: 'test', writes: [{ stream: 'note-1', expected: Expected.any, events: [{ type: 'NoteWritten', data: { text: 'a\ufffdb' } }] }] })
    await ledger.close()
    const path = join(dir(), 'replacement.bundle.jsonl')
    await exportBundle(memory, path)
    const good = readFileSync(path)
    expect((await verify(path)).ok).toBe(true)
    const at = good.indexOf(Buffer.from('a\ufffdb'))
    expect(at).toBeGreaterThan(0)
    // The same text to a decoder that replaces bad bytes: 0xff reads as U+FFFD.
    const swapped = Buffer.concat([good.subarray(0, at + 1), Buffer.from([0xff]), good.subarray(at + 4)])
    expect(new TextDecoder().decode(swapped)).toBe(good.toString('utf8'))
    expectRefused(await verify(bundleOf(swapped)), 2, /line 2 is not UTF-8/)
  })
})
