/**
 * `?at=` latency at a deep cut (issue #15): the accounts read model as of a sequence 777 events
 * below the head, and as of the cut farthest from a snapshot (one event before one), at 10k,
 * 100k, 300k and 1M events, folded from zero (before) and from the nearest snapshot a following
 * runner took (after; snapshots.ts, default spacing and count), medians of 3, beside the same
 * run's raw read of the events each fold reads. Both answers are checked to be the same rows
 * (outside the timings).
 *
 * Usage: node dist/bench/point-in-time.js [--max N] (the ledger of bench/lineage.ts, cached under .bench/)
 */
import type { Folded } from '../projections/fold.js'
import { foldAt } from '../projections/point-in-time.js'
import { accountsProjection } from '../projections/read-models/index.js'
import { createRunner } from '../projections/runner.js'
import { SnapshotLadder } from '../projections/snapshots.js'
import { createMemoryReadModelStore } from '../projections/store/memory-store.js'
import { storedRows } from '../projections/table.js'
import { historyLedger, timed, viewAt } from './history-fixture.js'
import { fmt, median, numberArg, say } from './stats.js'

const MAX = numberArg('--max', 1_000_000)
const SIZES = [10_000, 100_000, 300_000, 1_000_000].filter((n) => n <= MAX)
const ledger = await historyLedger(MAX)
const projection = accountsProjection

say(`point-in-time read of ${projection.name}, median of 3; ledger of ${fmt(ledger.events)} events`)
for (const size of SIZES) {
  const view = viewAt(ledger, size)
  const ladder = new SnapshotLadder<unknown>()
  const runner = createRunner(view, createMemoryReadModelStore(), projection, { onFolded: (envelope, rows) => ladder.offer(envelope, rows) })
  await runner.catchUp()
  const read = async (from: number, to: number) => {
    for (let next = from; next <= to; next += 1000) await view.readRange(next, Math.min(1000, to - next + 1))
  }
  // A cut 777 events below the head, and the worst cut: one event before a snapshot, the farthest from the one below it.
  const worst = Math.floor((size - 1) / ladder.every) * ladder.every - 1
  for (const [what, cut] of [['777 below the head', size - 777], ['farthest from a snapshot', worst]] as const) {
    const start = ladder.atSequence(cut)?.sequence ?? 0
    const before: number[] = []
    const after: number[] = []
    const rawZero: number[] = []
    const rawSnapshot: number[] = []
    let fromZero: Folded<unknown> | undefined
    let fromSnapshot: Folded<unknown> | undefined
    for (let run = 0; run < 3; run++) {
      before.push(await timed(async () => (fromZero = await foldAt(view, projection, { sequence: cut }))))
      after.push(await timed(async () => (fromSnapshot = await foldAt(view, projection, { sequence: cut }, ladder))))
      rawZero.push(await timed(() => read(1, cut)))
      rawSnapshot.push(await timed(() => read(start + 1, cut)))
    }
    // Checked outside the timings: the same rows, as stored.
    if (fromZero === undefined || fromSnapshot === undefined || JSON.stringify(storedRows(projection, fromZero.table)) !== JSON.stringify(storedRows(projection, fromSnapshot.table))) {
      throw new Error(`at ${size} events the two folds differ`)
    }
    const [b, a, rz, rs] = [median(before), median(after), median(rawZero), median(rawSnapshot)]
    say(
      `  ${fmt(size).padStart(9)} events, cut ${fmt(cut)} (${what}): from zero ${fmt(b)} ms (raw read of ${fmt(cut)} events ${fmt(rz)} ms, ${(b / rz).toFixed(1)}×); ` +
        `from the snapshot at ${fmt(start)} ${fmt(a)} ms (raw read of ${fmt(cut - start)} events ${fmt(rs)} ms, ${(a / Math.max(rs, 0.001)).toFixed(1)}×); ${(b / a).toFixed(1)}× faster; ` +
        `${ladder.sequences().length} snapshots every ${fmt(ladder.every)}, ${fmt(fromSnapshot.table.rows.size)} rows`,
    )
  }
}
await ledger.backend.close()
