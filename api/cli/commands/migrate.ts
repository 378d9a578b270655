/**
 * model-ledger migrate: moves a ledger from a data directory's embedded store to another store
 * through the same path an auditor trusts: export to a bundle, verify and import the bundle, copy
 * the imported log into the (empty) target unchanged, then verify the target as read back.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { exportBundle } from '../../../infrastructure/bundle/export.js'
import { importBundle } from '../../../infrastructure/bundle/import.js'
import { storeLines } from '../../../infrastructure/bundle/lines.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { lockDataDir } from '../../../infrastructure/dir-lock.js'
import type { StorageBackend, StoredHead } from '../../../infrastructure/store/backend.js'
import { openBackend, storeKind } from '../../../infrastructure/store/open-store.js'
import { createSqliteBackend } from '../../../infrastructure/store/sqlite-backend.js'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { CommandFailed, EXIT, flag, parse, printJson, publicKeyArg, required, str, type Command } from '../io.js'

const PAGE = 2000

/** Copies every event (as its stored bytes) and every command, page by page, chaining on the target's head. */
async function copyLog(from: StorageBackend, to: StorageBackend): Promise<StoredHead> {
  let head = await to.head()
  const copied = new Set<string>()
  for (let next = 1; ; next += PAGE) {
    const raw = await from.readRawRange(next, PAGE)
    if (raw.length === 0) return head
    const hashes = [...new Set(raw.flatMap((r) => (r.commandHash === null || copied.has(r.commandHash) ? [] : [r.commandHash])))]
    const commands = [...(await from.findCommands(hashes)).values()]
    const envelopes = raw.map((r) => JSON.parse(r.json) as Envelope)
    await to.commit({ expectedHead: head, envelopes, texts: raw.map((r) => r.json), commands })
    hashes.forEach((hash) => copied.add(hash))
    const last = envelopes[envelopes.length - 1] as Envelope
    head = { sequence: last.sequence, hash: last.hash, recordedAt: last.recordedAt }
  }
}

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'move a ledger to another store (export, verify, import, verify)',
  usage: `model-ledger migrate --from DIR --to URL [--key HEX|FILE] [--json]

Moves the log in DIR's embedded store to URL (postgres://…?schema=name, esdb://…, sqlite:PATH):
exports a bundle, verifies and imports it, copies it into the target, and verifies the target as
read back (the same head hash, every signature and anchor). Refuses a target that holds any
event. --key is the ledger public key to trust (default: the one in the log). Keys stay in DIR.`,
  async run(argv) {
    const args = parse(argv, { from: { type: 'string' }, to: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } })
    const dir = required(str(args, 'from'), '--from')
    const url = required(str(args, 'to'), '--to')
    const keyArg = str(args, 'key')
    storeKind(url)
    // No writer may append to DIR while its log is copied (and the target is DIR's store from now on).
    const lock = lockDataDir(dir, 'migrate')
    const source = openReadOnly(dir)
    const target = openBackend(url, dir)
    const work = await mkdtemp(join(tmpdir(), 'ml-migrate-'))
    try {
      if ((await target.head()).sequence !== 0) throw new CommandFailed(`${url} already holds events: migrate only fills an empty store`, EXIT.failed)
      const sourceHead = await source.head()
      const bundle = join(work, 'ledger.bundle')
      await exportBundle(source, bundle)
      const report = await importBundle(bundle, join(work, 'verified.db'), keyArg === undefined ? {} : { trustedKey: publicKeyArg(keyArg) })
      const key = report.ledgerPublicKey as string
      const verified = createSqliteBackend(join(work, 'verified.db'), { readonly: true })
      try {
        await target.bindLedgerKey(key)
        const head = await copyLog(verified, target)
        if (head.hash !== sourceHead.hash) throw new CommandFailed('the target head differs from the source head', EXIT.failed)
      } finally {
        await verified.close()
      }
      const check = await verifyLines(storeLines(target), { trustedKey: key })
      if (!check.ok) throw new CommandFailed(`the target does not verify: ${check.failure?.reason ?? 'unknown'} (sequence ${check.failure?.sequence ?? '-'})`, EXIT.failed)
      if (flag(args, 'json')) printJson({ migrated: true, to: url, head: sourceHead, summary: check.summary })
      else process.stdout.write(`migrated ${sourceHead.sequence} events to ${target.kind}; the target verifies, head ${sourceHead.hash}\n`)
      return EXIT.ok
    } finally {
      await source.close()
      await target.close()
      await rm(work, { recursive: true, force: true })
      lock.release()
    }
  },
}
