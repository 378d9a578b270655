/**
 * Rebuilds a store from a bundle. The bundle is verified completely before anything is written,
 * the store is built in a temporary file and renamed into place only when whole, and the bundle's
 * bytes must be the same on both passes: a bad or changing bundle leaves nothing behind.
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import type { Envelope } from '../../domain/ledger/envelope.js'
import type { SignedCommand } from '../../domain/ledger/command.js'
import type { StoredCommand } from '../store/backend.js'
import { createSqliteBackend } from '../store/sqlite-backend.js'
import { verifyLines, type VerifyOptions, type VerifyReport } from '../verify/verifier.js'
import { bundleFileLines, eachLine } from './lines.js'

export class ImportRefused extends Error {
  override readonly name = 'ImportRefused'
  constructor(
    message: string,
    readonly report?: VerifyReport,
  ) {
    super(message)
  }
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

type Line = { command: SignedCommand } | { event: Envelope } | { header: unknown }

export async function importBundle(bundle: string, dbPath: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  if (existsSync(dbPath)) throw new ImportRefused(`${dbPath} already exists: import only builds a new store`)
  const before = await fileDigest(bundle)
  const report = await verifyLines(bundleFileLines(bundle), options)
  if (!report.ok || report.ledgerPublicKey === null) throw new ImportRefused('the bundle does not verify', report)

  const temporary = `${dbPath}.import-${process.pid}`
  await rm(temporary, { force: true })
  const backend = createSqliteBackend(temporary)
  try {
    await backend.bindLedgerKey(report.ledgerPublicKey)
    await writeAll(backend, bundle)
    await backend.close()
    if ((await fileDigest(bundle)) !== before) throw new ImportRefused('the bundle changed while it was being imported')
    await rename(temporary, dbPath)
    return report
  } catch (error) {
    await backend.close()
    await rm(temporary, { force: true })
    throw error
  } finally {
    await rm(`${temporary}-wal`, { force: true })
    await rm(`${temporary}-shm`, { force: true })
  }
}

async function writeAll(backend: ReturnType<typeof createSqliteBackend>, bundle: string): Promise<void> {
  let envelopes: Envelope[] = []
  let commands: StoredCommand[] = []
  let open: { signed: SignedCommand; hash: string; events: Envelope[] } | undefined
  const closeCommand = () => {
    if (open === undefined) return
    const first = open.events[0]
    const last = open.events[open.events.length - 1]
    if (first === undefined || last === undefined) return
    const streamVersions: Record<string, number> = {}
    for (const e of open.events) streamVersions[e.stream] = e.streamVersion
    commands.push({
      hash: open.hash,
      signed: open.signed,
      result: { firstSequence: first.sequence, lastSequence: last.sequence, streamVersions, recordedAt: first.recordedAt, commandHash: open.hash },
    })
    open = undefined
  }
  const flush = async () => {
    if (envelopes.length === 0) return
    const head = await backend.head()
    await backend.commit({ expectedHead: head, envelopes, commands })
    envelopes = []
    commands = []
  }
  let pendingCommand: SignedCommand | undefined
  for await (const text of eachLine(bundleFileLines(bundle))) {
    const line = JSON.parse(text) as Line
    if ('command' in line) {
      closeCommand()
      pendingCommand = line.command
    } else if ('event' in line) {
      const e = line.event
      const cited = e.cause.kind === 'command' ? e.cause.commandHash : null
      if (cited === null || cited !== open?.hash) closeCommand()
      if (cited !== null && open === undefined && pendingCommand !== undefined) {
        open = { signed: pendingCommand, hash: cited, events: [] }
        pendingCommand = undefined
      }
      open?.events.push(e)
      envelopes.push(e)
      // Keep a command and all its events in one batch, so its stored result is whole.
      if (envelopes.length >= 2000 && open === undefined) await flush()
    }
  }
  closeCommand()
  await flush()
}
