/**
 * Point-in-time reads from snapshots (issue #15): a read model as of any cut, folded from the
 * nearest snapshot at or below it, equals the fold from zero, row for row; for every read model,
 * over the model story and random governance logs, by sequence and by time, with snapshots taken
 * by a fold or a runner that went on folding past them. The ladder keeps at most `keep`, spread
 * evenly over the log.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { foldFromZero } from '../../projections/fold.js'
import { foldAt, type Cut } from '../../projections/point-in-time.js'
import type { AnyProjection } from '../../projections/projection.js'
import { readModels } from '../../projections/read-models/index.js'
import { createRunner } from '../../projections/runner.js'
import { SnapshotLadder } from '../../projections/snapshots.js'
import { createMemoryReadModelStore } from '../../projections/store/memory-store.js'
import { storedRows } from '../../projections/table.js'
import type { LogReader } from '../../projections/log-source.js'
import { actionsArb, preamble } from '../domain/governance/random-commands.js'
import { openDriver, tellStory } from './story.js'
import { arrayLog, collect, openTestLedger, play, run } from './support.js'

const envelope = (sequence: number, recordedAt = '2026-01-01T00:00:00.000Z') => ({ sequence, recordedAt }) as Envelope

/** The rows a cut gives folded from zero over exactly the envelopes before it: the oracle. */
async function oracle(log: readonly Envelope[], projection: AnyProjection, cut: Cut): Promise<{ checkpoint: number; rows: unknown }> {
  const limit = 'time' in cut ? Date.parse(cut.time) : undefined
  const kept = log.filter((e) => ('sequence' in cut ? e.sequence <= cut.sequence : Date.parse(e.recordedAt) <= (limit as number)))
  const folded = await foldFromZero(arrayLog(kept), projection)
  return { checkpoint: folded.checkpoint, rows: storedRows(projection, folded.table) }
}

/** Ladders filled by one fold of the whole log (which goes on folding past each snapshot). */
async function laddersOver(log: LogReader, every: number, keep: number): Promise<Map<string, SnapshotLadder<unknown>>> {
  const ladders = new Map<string, SnapshotLadder<unknown>>()
  for (const projection of readModels) {
    const ladder = new SnapshotLadder<unknown>({ every, keep })
    await foldFromZero(log, projection, {}, { onStep: (e, rows) => ladder.offer(e, rows) })
    ladders.set(projection.name, ladder)
  }
  return ladders
}

describe('snapshot ladder', () => {
  it('keeps at most `keep`, at multiples of a spacing that doubles, spread over the whole log', () => {
    const ladder = new SnapshotLadder<number>({ every: 2, keep: 4 })
    for (let s = 1; s <= 40; s++) ladder.offer(envelope(s), new Map([['n', s]]))
    expect(ladder.every).toBe(16)
    expect(ladder.sequences()).toEqual([16, 32])
    for (let s = 41; s <= 64; s++) ladder.offer(envelope(s), new Map([['n', s]]))
    expect(ladder.sequences()).toEqual([16, 32, 48, 64])
    expect(ladder.atSequence(15)).toBeUndefined()
    expect(ladder.atSequence(47)?.rows.get('n')).toBe(32)
    expect(ladder.atSequence(48)?.rows.get('n')).toBe(48)
    ladder.offer(envelope(80), new Map([['n', 80]]))
    expect(ladder.sequences()).toEqual([32, 64])
    expect(() => new SnapshotLadder({ every: 0 })).toThrow(RangeError)
    // A runner that starts far into the log (from a stored checkpoint) spaces them for the log's length at once.
    const late = new SnapshotLadder<number>({ every: 2, keep: 4 })
    late.offer(envelope(1000), new Map())
    expect(late.every).toBe(256)
    late.offer(envelope(1024), new Map())
    expect(late.sequences()).toEqual([1024])
  })

  it('keeps fewer, further apart, when the rows are many: the copies stay within maxEntries map entries (at least 2 kept)', () => {
    const rowsOf = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`k${i}`, i]))
    const ladder = new SnapshotLadder<number>({ every: 1, keep: 16, maxEntries: 1_000 })
    // 100 rows: 10 copies fit.
    for (let s = 1; s <= 64; s++) ladder.offer(envelope(s), rowsOf(100))
    expect(ladder.sequences().length).toBeLessThanOrEqual(10)
    expect(ladder.sequences().length).toBeGreaterThanOrEqual(5)
    // The rows grow to 400: two fit; the spacing doubles until only they are left.
    for (let s = 65; s <= 128; s++) ladder.offer(envelope(s), rowsOf(400))
    const held = ladder.sequences().map((s) => ladder.atSequence(s)?.rows.size ?? 0)
    expect(held.length).toBe(2)
    expect(held.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1_000)
    expect(ladder.sequences().at(-1)).toBe(128)
    // Past the budget with one copy alone, two are still kept.
    const big = new SnapshotLadder<number>({ every: 1, keep: 16, maxEntries: 10 })
    for (let s = 1; s <= 32; s++) big.offer(envelope(s), rowsOf(50))
    expect(big.sequences()).toEqual([16, 32])
    expect(() => new SnapshotLadder({ maxEntries: -1 })).toThrow(RangeError)
  })

  it('copies the rows, and picks for a time the last snapshot recorded at or before it', () => {
    const ladder = new SnapshotLadder<number>({ every: 1, keep: 8 })
    const rows = new Map([['n', 1]])
    ladder.offer(envelope(1, '2026-01-01T00:00:00.000Z'), rows)
    rows.set('n', 2)
    ladder.offer(envelope(2, '2026-01-02T00:00:00.000Z'), rows)
    expect(ladder.atSequence(1)?.rows.get('n')).toBe(1)
    expect(ladder.atTime(Date.parse('2026-01-01T12:00:00Z'))?.sequence).toBe(1)
    expect(ladder.atTime(Date.parse('2026-01-02T00:00:00Z'))?.sequence).toBe(2)
    expect(ladder.atTime(Date.parse('2025-12-31T00:00:00Z'))).toBeUndefined()
  })
})

describe('point-in-time reads from the nearest snapshot', () => {
  it('equal the fold from zero at every cut of the model story, by sequence and by time, for every read model', async () => {
    const d = await openDriver(undefined, 10)
    await tellStory(d)
    const log = await collect(d.store.readAll())
    const ladders = await laddersOver(d.store, 7, 6)
    let fromSnapshot = 0
    for (let k = 0; k <= log.length; k++) {
      for (const projection of readModels) {
        const ladder = ladders.get(projection.name)
        if (ladder?.atSequence(k) !== undefined) fromSnapshot++
        const at = await foldAt(d.store, projection, { sequence: k }, ladder)
        const want = await oracle(log, projection, { sequence: k })
        expect(at.checkpoint).toBe(want.checkpoint)
        expect(storedRows(projection, at.table), `${projection.name} at ${k}`).toEqual(want.rows)
      }
    }
    expect(fromSnapshot).toBeGreaterThan(log.length)
    for (const time of [...new Set(log.map((e) => e.recordedAt))]) {
      const later = new Date(Date.parse(time) + 1).toISOString()
      for (const cut of [{ time }, { time: later }]) {
        for (const projection of readModels) {
          const at = await foldAt(d.store, projection, cut, ladders.get(projection.name))
          const want = await oracle(log, projection, cut)
          expect(at.checkpoint).toBe(want.checkpoint)
          expect(storedRows(projection, at.table), `${projection.name} at ${cut.time}`).toEqual(want.rows)
        }
      }
    }
    await d.store.close()
  }, 120_000)

  it('equal the fold from zero at random cuts of random logs, with snapshots a following runner took', async () => {
    await fc.assert(
      fc.asyncProperty(actionsArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 6 }), fc.integer({ min: 1, max: 6 }), async (actions, wheres, every) => {
        const ledger = await openTestLedger()
        for (const command of preamble) await run(ledger, command)
        await play(ledger, actions)
        const log = await collect(ledger.store.readAll())
        for (const projection of readModels) {
          const ladder = new SnapshotLadder<unknown>({ every, keep: 4 })
          const runner = createRunner(ledger.store, createMemoryReadModelStore(), projection, { batchSize: 5, onFolded: (e, rows) => ladder.offer(e, rows) })
          await runner.catchUp()
          expect(ladder.sequences().length).toBeGreaterThan(0)
          for (const where of wheres) {
            const k = Math.floor(where * log.length)
            const at = await foldAt(ledger.store, projection, { sequence: k }, ladder)
            expect(storedRows(projection, at.table)).toEqual((await oracle(log, projection, { sequence: k })).rows)
          }
        }
        await ledger.store.close()
      }),
      { numRuns: 15 },
    )
  }, 120_000)
})
