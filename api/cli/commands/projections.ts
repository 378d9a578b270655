/**
 * model-ledger projections status|rebuild|show: the read models in DIR/projections.db, kept
 * beside the ledger. Reads the ledger read-only (no key, no passphrase).
 */
import { existsSync } from 'node:fs'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { NO_ANCHOR } from '../../../domain/ledger/anchor.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import type { LogReader } from '../../../projections/log-source.js'
import { foldAt, parseCut } from '../../../projections/point-in-time.js'
import type { AnyProjection } from '../../../projections/projection.js'
import { readModel, readModels } from '../../../projections/read-models/index.js'
import { createRunner } from '../../../projections/runner.js'
import type { ReadModelStore } from '../../../projections/store/port.js'
import { createSqliteReadModelStore, projectionsDbPath } from '../../../projections/store/sqlite-store.js'
import { storedRows, type StoredRow } from '../../../projections/table.js'
import { EXIT, flag, parse, printJson, progress, required, str, UsageError, type Command } from '../io.js'

const PAGE = 1000

/** The ledger file as a log to fold: pages of envelopes and the head, read-only. */
function logOf(backend: StorageBackend): LogReader {
  return {
    async *readAll(from = 1): AsyncGenerator<Envelope> {
      for (let next = Math.max(1, from); ; ) {
        const page = await backend.readRange(next, PAGE)
        yield* page
        if (page.length < PAGE) return
        next += page.length
      }
    },
    async head() {
      const head = await backend.head()
      return { ...head, lastAnchor: (await backend.lastAnchor()) ?? NO_ANCHOR }
    },
  }
}

function pick(name: string | undefined): readonly AnyProjection[] {
  if (name === undefined) return readModels
  const projection = readModel(name)
  if (projection === undefined) throw new UsageError(`no read model named ${name}; there are: ${readModels.map((p) => p.name).join(', ')}`)
  return [projection]
}

async function withLedger<T>(dir: string, work: (log: LogReader) => Promise<T>): Promise<T> {
  const backend = openReadOnly(dir)
  try {
    return await work(logOf(backend))
  } finally {
    await backend.close()
  }
}

/** The store read-only for looking, or undefined when no projection has been built yet. */
function openForReading(dir: string): ReadModelStore | undefined {
  const file = projectionsDbPath(dir)
  return existsSync(file) ? createSqliteReadModelStore(file, { readonly: true }) : undefined
}

async function status(dir: string, json: boolean): Promise<number> {
  const store = openForReading(dir)
  try {
    const head = await withLedger(dir, (log) => log.head())
    const rows = []
    for (const projection of readModels) {
      const stored = await store?.status(projection.name)
      const state = stored === undefined ? 'not built' : stored.version === projection.version ? 'current' : 'stale version (rebuilds on next run)'
      const checkpoint = stored?.checkpoint ?? 0
      rows.push({ name: projection.name, version: projection.version, storedVersion: stored?.version ?? null, checkpoint, lag: head.sequence - checkpoint, state })
    }
    if (json) printJson({ head: head.sequence, projections: rows })
    else {
      process.stdout.write(`head ${head.sequence}\n`)
      for (const r of rows) process.stdout.write(`${r.name.padEnd(12)} v${r.version}  checkpoint ${String(r.checkpoint).padStart(9)}  lag ${String(r.lag).padStart(9)}  ${r.state}\n`)
    }
    return EXIT.ok
  } finally {
    await store?.close()
  }
}

async function rebuild(dir: string, name: string | undefined, json: boolean): Promise<number> {
  const store = createSqliteReadModelStore(projectionsDbPath(dir))
  try {
    const results = await withLedger(dir, async (log) => {
      const total = (await log.head()).sequence
      const done = []
      for (const projection of pick(name)) {
        const bar = progress(`rebuilding ${projection.name}`, json)
        const started = performance.now()
        try {
          const status = await createRunner(log, store, projection).rebuild((sequence) => bar.update(sequence, total))
          done.push({ ...status, seconds: (performance.now() - started) / 1000 })
        } finally {
          bar.stop()
        }
      }
      return done
    })
    if (json) printJson({ rebuilt: results })
    else for (const r of results) process.stdout.write(`rebuilt ${r.name} v${r.version} to checkpoint ${r.checkpoint} in ${r.seconds.toFixed(2)} s\n`)
    return EXIT.ok
  } finally {
    await store.close()
  }
}

interface Shown {
  readonly source: 'store' | 'replay'
  readonly checkpoint: number
  readonly rows: StoredRow[]
}

/** The stored model when it is current; a replay otherwise, or when a point in time is asked for. */
async function load(dir: string, projection: AnyProjection, at: string | undefined): Promise<Shown> {
  const store = at === undefined ? openForReading(dir) : undefined
  try {
    const stored = await store?.status(projection.name)
    if (store !== undefined && stored?.version === projection.version) {
      return { source: 'store', checkpoint: stored.checkpoint, rows: await store.rows(projection.name) }
    }
  } finally {
    await store?.close()
  }
  return withLedger(dir, async (log) => {
    const folded = await foldAt(log, projection, at === undefined ? { sequence: Number.MAX_SAFE_INTEGER } : parseCut(at))
    return { source: 'replay', checkpoint: folded.checkpoint, rows: storedRows(projection, folded.table) }
  })
}

async function show(dir: string, name: string | undefined, at: string | undefined, json: boolean): Promise<number> {
  const projection = pick(required(name, 'NAME'))[0] as AnyProjection
  if (at !== undefined && !/^\d+$/.test(at) && Number.isNaN(Date.parse(at))) throw new UsageError('--at takes a sequence number or an ISO time')
  const shown = await load(dir, projection, at)
  if (json) {
    const rows = Object.fromEntries(shown.rows.map((row) => [row.key, JSON.parse(row.json) as unknown]))
    printJson({ name: projection.name, version: projection.version, checkpoint: shown.checkpoint, source: shown.source, at: at ?? null, rows })
  } else {
    process.stdout.write(`${projection.name} v${projection.version} at sequence ${shown.checkpoint} (${shown.source})\n`)
    for (const row of shown.rows) process.stdout.write(`${row.key}  ${row.json}\n`)
  }
  return EXIT.ok
}

export const projectionsCommand: Command = {
  name: 'projections',
  summary: 'read models: status (checkpoint, lag), rebuild from zero, show (optionally as of a sequence or time)',
  usage: `model-ledger projections status --data DIR [--json]
model-ledger projections rebuild --data DIR [NAME] [--json]
model-ledger projections show --data DIR NAME [--at SEQUENCE|ISO-TIME] [--json]

Read models live in DIR/projections.db. Names: ${readModels.map((p) => p.name).join(', ')}.
status   each read model's version, checkpoint and lag (head sequence minus checkpoint)
rebuild  folds the whole log again and replaces the stored model in one transaction
show     the stored model if current, else a replay; --at replays from zero to that point
         (a sequence, or the last event recorded at or before an ISO time)`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } }, true)
    const [action, name, ...extra] = args.positionals
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0] ?? ''}`)
    const dir = required(str(args, 'data'), '--data')
    const json = flag(args, 'json')
    if (str(args, 'at') !== undefined && action !== 'show') throw new UsageError('--at goes with show')
    switch (action) {
      case 'status':
        if (name !== undefined) throw new UsageError('status takes no NAME')
        return status(dir, json)
      case 'rebuild':
        return rebuild(dir, name, json)
      case 'show':
        return show(dir, name, str(args, 'at'), json)
      default:
        throw new UsageError('give an action: status, rebuild or show')
    }
  },
}
