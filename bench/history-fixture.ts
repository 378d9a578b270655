/**
 * The ledger the lineage and point-in-time benchmarks read: the model story (a mandate voted in,
 * a datanet, a trained and deployed model with usage, a rollback, a withdrawal: real signed
 * commands, test/projections/story.ts), then filler up to the size asked (transfers, wraps and
 * a new identity in every 50 slices, all folded by the accounts read model, and events of another
 * vertical), checkpointed every 1,000 events. Built once into .bench/history-N/ (SQLite).
 *
 * `viewAt(size)` is the same ledger as it stood after `size` events: reads stop there and the
 * latest checkpoint is the last one at or below it, so one build serves every size.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tokens } from '../domain/governance/amounts.js'
import type { GovernanceEvent } from '../domain/governance/events.js'
import { encodeEvent } from '../domain/governance/wire.js'
import type { AnchorRef } from '../domain/ledger/anchor.js'
import type { Envelope } from '../domain/ledger/envelope.js'
import { ANCHOR_STREAM } from '../domain/ledger/names.js'
import { Expected, type NewEvent } from '../domain/ports/event-store.js'
import type { StorageBackend } from '../infrastructure/store/backend.js'
import { createSqliteBackend } from '../infrastructure/store/sqlite-backend.js'
import type { LogReader } from '../projections/log-source.js'
import type { ReportSource } from '../projections/lineage/report.js'
import { openDriver, tellStory } from '../test/projections/story.js'
import { fmt, say } from './stats.js'

const ACCOUNTS = 1000
const key = (i: number): string => (i % ACCOUNTS).toString(16).padStart(64, '0')
const fresh = (i: number): string => (0x10000000 + i).toString(16).padStart(64, 'f')

function slice(i: number): { stream: string; type: string; data: NewEvent['data'] }[] {
  const a = key(i)
  const b = key(i * 7 + 3)
  const governance: GovernanceEvent[] =
    i % 10 < 7
      ? [{ type: 'OpenSent', data: { from: a, to: b, amount: tokens(1) } }, { type: 'OpenReceived', data: { from: a, to: b, amount: tokens(1) } }]
      : [{ type: 'OpenWrapped', data: { account: a, amount: tokens(2) } }]
  if (i % 50 === 0) governance.push({ type: 'IdentityRegistered', data: { key: fresh(i), displayName: `filler ${i}` } })
  const events: { stream: string; type: string; data: NewEvent['data'] }[] = governance.map(encodeEvent)
  if (i % 4 === 0) events.push({ stream: `datanet-d${i % 50}`, type: 'ContributionAdded', data: { n: i, hash: key(i) } })
  return events
}

export interface HistoryLedger {
  readonly backend: StorageBackend
  readonly deploymentId: string
  readonly events: number
  readonly anchors: readonly Envelope[]
}

/** Opens the cached ledger of `events` events (building it first when absent). */
export async function historyLedger(events: number): Promise<HistoryLedger> {
  const dir = join('.bench', `history-${events}`)
  const file = join(dir, 'ledger.db')
  const done = join(dir, 'deployment')
  if (!existsSync(done)) {
    say(`building a ${fmt(events)}-event SQLite ledger in ${dir} (once; cached)`)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const d = await openDriver(file, 1000)
    const story = await tellStory(d)
    let written = await d.head()
    let i = 1
    const started = performance.now()
    while (written < events) {
      const writes = new Map<string, NewEvent[]>()
      let n = 0
      while (n < 900 && written + n < events) {
        for (const e of slice(i++)) {
          const list = writes.get(e.stream) ?? []
          list.push({ type: e.type, data: e.data })
          writes.set(e.stream, list)
          n++
        }
      }
      const result = await d.store.append({ writes: [...writes].map(([stream, list]) => ({ stream, expected: Expected.any, events: list })), reason: 'bench' })
      written = result.lastSequence
      if (written % 100_000 < 1000) say(`  built ${fmt(written)} events (${fmt(written / ((performance.now() - started) / 1000))}/s)`)
    }
    await d.store.close()
    writeFileSync(done, `${story.deploymentId}\n`)
  }
  const backend = createSqliteBackend(file)
  const anchors: Envelope[] = []
  for (;;) {
    const page = await backend.readStream(ANCHOR_STREAM, anchors.length + 1, 1000)
    anchors.push(...page)
    if (page.length < 1000) break
  }
  return { backend, deploymentId: readFileSync(done, 'utf8').trim(), events: (await backend.head()).sequence, anchors }
}

/** The ledger as it stood after `size` events, as a report source and a log reader. */
export function viewAt(ledger: HistoryLedger, size: number): ReportSource & LogReader {
  const { backend, anchors } = ledger
  const readRange = async (from: number, limit: number): Promise<Envelope[]> => (from > size || limit < 1 ? [] : backend.readRange(from, Math.min(limit, size - from + 1)))
  return {
    ledgerKey: () => backend.ledgerKey(),
    readRange,
    readStream: async (stream, from, limit) => (await backend.readStream(stream, from, limit)).filter((e) => e.sequence <= size),
    lastAnchor: async (): Promise<AnchorRef | undefined> => {
      let last: Envelope | undefined
      for (const anchor of anchors) if (anchor.sequence <= size) last = anchor
      return last === undefined ? undefined : { sequence: last.sequence, hash: last.hash }
    },
    async *readAll(from = 1) {
      for (let next = Math.max(1, from); ; ) {
        const page = await readRange(next, 1000)
        for (const envelope of page) yield envelope
        if (page.length < 1000) return
        next += page.length
      }
    },
    head: async () => {
      const [last] = await readRange(size, 1)
      return { sequence: last?.sequence ?? 0, hash: last?.hash ?? '0'.repeat(64), recordedAt: last?.recordedAt ?? null, lastAnchor: { sequence: 0, hash: '0'.repeat(64) } }
    },
  }
}

/** Milliseconds `work` takes. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work()
  return performance.now() - started
}
