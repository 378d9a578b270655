/**
 * The meter's journal across schema versions: a receipts.db written by an older gateway (before
 * per-answer attribution, or before the answer hash) is opened in place, its columns added, its
 * pending receipts read back as they were (no attribution, no answer hash), and new receipts keep
 * both; opening again changes nothing.
 */
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openJournal, type JournalReceipt } from '../../../api/gateway/journal.js'

/** The receipts table as the gateway created it before per-answer attribution. */
const V1 = `CREATE TABLE receipts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  grant_id TEXT NOT NULL,
  consumer TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  at TEXT NOT NULL,
  fee TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  command_hash TEXT,
  error TEXT,
  UNIQUE (deployment_id, request_id)
);
CREATE INDEX receipts_pending ON receipts (state, deployment_id, seq);`
/** … and after it, before the answer hash. */
const V2 = `${V1}\nALTER TABLE receipts ADD COLUMN attribution TEXT;`

const base = { deploymentId: 'dd'.repeat(32), grantId: 'aa'.repeat(32), consumer: 'cc'.repeat(32), inputTokens: 40, outputTokens: 31, at: '2026-01-01T00:00:00.000Z', fee: '71' }
const attribution = [{ contribution: '01'.repeat(32), weight: 30 }]
const answerHash = '5e'.repeat(32)

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

function oldJournal(schema: string, insert: string): string {
  dir = mkdtempSync(join(tmpdir(), 'journal-'))
  const path = join(dir, 'receipts.db')
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(schema)
  db.prepare(insert).run()
  db.close()
  return path
}

const columnsOf = (path: string): string[] => {
  const db = new Database(path, { readonly: true })
  try {
    return (db.prepare('PRAGMA table_info(receipts)').all() as { name: string }[]).map((c) => c.name)
  } finally {
    db.close()
  }
}

function roundTrip(path: string, old: JournalReceipt): void {
  const journal = openJournal(path)
  expect(journal.call({ op: 'pending' })).toEqual([old])
  const fresh: JournalReceipt = { ...base, requestId: 'new', attribution, answerHash }
  journal.call({ op: 'append', receipts: [fresh] })
  expect(journal.call({ op: 'pending' })).toEqual([old, fresh])
  journal.call({ op: 'close' })
  expect(columnsOf(path)).toEqual(expect.arrayContaining(['attribution', 'answer_hash']))
  // Opened again: no column added twice, nothing lost; settling works on old and new rows alike.
  const again = openJournal(path)
  expect(again.call({ op: 'pending' })).toEqual([old, fresh])
  again.call({ op: 'settle', settlement: { keys: [{ deploymentId: base.deploymentId, requestId: 'old' }, { deploymentId: base.deploymentId, requestId: 'new' }], state: 'recorded', commandHash: 'ff'.repeat(32), error: null } })
  expect(again.call({ op: 'pending' })).toEqual([])
  expect(again.call({ op: 'counts' })).toEqual({ recorded: 2 })
  again.call({ op: 'close' })
}

const values = `'${base.deploymentId}', '${base.grantId}', '${base.consumer}', 40, 31, '${base.at}', '71'`

describe('a journal written by an older gateway', () => {
  it('before per-answer attribution: both columns added, the pending receipt read back with neither', () => {
    const path = oldJournal(V1, `INSERT INTO receipts (request_id, deployment_id, grant_id, consumer, input_tokens, output_tokens, at, fee) VALUES ('old', ${values})`)
    expect(columnsOf(path)).not.toContain('answer_hash')
    roundTrip(path, { ...base, requestId: 'old' })
  })

  it('with attribution, before the answer hash: the column added, the pending attribution kept', () => {
    const path = oldJournal(V2, `INSERT INTO receipts (request_id, deployment_id, grant_id, consumer, input_tokens, output_tokens, at, fee, attribution) VALUES ('old', ${values}, '${JSON.stringify(attribution)}')`)
    expect(columnsOf(path)).toContain('attribution')
    expect(columnsOf(path)).not.toContain('answer_hash')
    roundTrip(path, { ...base, requestId: 'old', attribution })
  })

  it('a new journal has the column from the start', () => {
    dir = mkdtempSync(join(tmpdir(), 'journal-'))
    const path = join(dir, 'gateway', 'receipts.db')
    const journal = openJournal(path)
    journal.call({ op: 'append', receipts: [{ ...base, requestId: 'r', answerHash }] })
    expect(journal.call({ op: 'pending' })).toEqual([{ ...base, requestId: 'r', answerHash }])
    journal.call({ op: 'close' })
  })
})

describe('the journal thread', () => {
  it('commits the appends that arrive together in one transaction, answers each once durable, and keeps call order', async () => {
    const { spawnSibling } = await import('../../../infrastructure/worker.js')
    dir = mkdtempSync(join(tmpdir(), 'journal-thread-'))
    const path = join(dir, 'receipts.db')
    const worker = spawnSibling(new URL('../../../api/gateway/meter.ts', import.meta.url).href, 'journal-worker', { path })
    const answers: { id?: number; ids?: number[]; result?: unknown; error?: string }[] = []
    const done = new Promise<void>((resolve) =>
      worker.on('message', (m: (typeof answers)[number]) => {
        answers.push(m)
        if (m.id === 99) resolve()
      }),
    )
    // 40 appends sent at once, then a read of what is pending: the read must see all 40.
    for (let id = 0; id < 40; id++) worker.postMessage({ id, call: { op: 'append', receipts: [{ ...base, requestId: `r-${id}` }] } })
    worker.postMessage({ id: 99, call: { op: 'pending' } })
    await done
    await worker.terminate()
    const appendAnswers = answers.filter((a) => a.ids !== undefined)
    expect(appendAnswers.flatMap((a) => a.ids)).toEqual(Array.from({ length: 40 }, (_, id) => id))
    expect(appendAnswers.every((a) => a.error === undefined)).toBe(true)
    // Fewer commits than appends: they were grouped.
    expect(appendAnswers.length).toBeLessThan(40)
    expect(answers[answers.length - 1]?.id).toBe(99)
    const pending = answers[answers.length - 1]?.result as JournalReceipt[]
    expect(pending.map((r) => r.requestId)).toEqual(Array.from({ length: 40 }, (_, id) => `r-${id}`))
    // And durable: a fresh connection reads them.
    const db = new Database(path, { readonly: true })
    expect((db.prepare('SELECT count(*) AS n FROM receipts').get() as { n: number }).n).toBe(40)
    db.close()
  })
})
