/**
 * Lineage report latency as the log grows (issue #15): the report for one deployment of the model
 * story at 10k, 100k, 300k and 1M events, built by the whole-log builder (`buildLineageReport`:
 * one pass over the log per request) and by the index kept as the log grows (`LiveLineage`:
 * folded once, then a report reads the events it cites; one uncounted report first), medians of 3, with the same run's raw
 * baselines: a raw read of the log up to the checkpoint (what the whole-log builder cannot go
 * under) and a raw read, by sequence, of every event the report carries (what any report costs).
 * Both reports are checked to be the same bytes.
 *
 * Usage: node dist/bench/lineage.js [--max N] (default 1,000,000; the ledger is cached under .bench/)
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { canonicalize } from '../domain/canonical/jcs.js'
import { anchorData } from '../domain/ledger/anchor.js'
import type { JsonValue } from '../domain/json.js'
import { Proofs } from '../infrastructure/proofs/build-proof.js'
import { LiveLineage } from '../projections/lineage/live.js'
import { buildLineageReport, type LineageReport } from '../projections/lineage/report.js'
import { historyLedger, timed, viewAt } from './history-fixture.js'
import { fmt, median, numberArg, say } from './stats.js'

const MAX = numberArg('--max', 1_000_000)
const SIZES = [10_000, 100_000, 300_000, 1_000_000].filter((n) => n <= MAX)
const ledger = await historyLedger(MAX)
const query = { kind: 'deployment', deploymentId: ledger.deploymentId } as const
const bytes = (report: LineageReport): string => canonicalize(JSON.parse(JSON.stringify(report)) as JsonValue)
// --expose-gc on the command line would be passed to the SQLite writer thread, which refuses it.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`

say(`lineage report for one deployment, median of 3; ledger of ${fmt(ledger.events)} events`)
const rows: Record<string, number>[] = []
for (const size of SIZES) {
  const view = viewAt(ledger, size)
  const head = await new Proofs(view).checkpoint()
  const treeSize = anchorData(head)?.treeSize ?? 0

  const before: number[] = []
  let expected = ''
  for (let run = 0; run < 3; run++) before.push(await timed(async () => (expected = bytes(await buildLineageReport(view, query)))))

  gc()
  const heapBefore = process.memoryUsage().heapUsed
  const live = new LiveLineage(view, new Proofs(view))
  const catchUp = await timed(() => live.catchUp())
  gc()
  const heapIndex = process.memoryUsage().heapUsed - heapBefore
  const after: number[] = []
  // One report first, not counted: the code's first runs (JIT); the whole-log builder's three runs warm it the same way.
  let report: LineageReport | undefined = await live.report(query)
  for (let run = 0; run < 3; run++) after.push(await timed(async () => (report = await live.report(query))))
  if (report === undefined || bytes(report) !== expected) throw new Error(`at ${size} events the two reports differ`)

  // Raw baselines: the log up to the checkpoint, read in pages; and the report's events, each read by sequence.
  const carried = report.streams.flatMap((s) => s.events.map((e) => e.event.sequence))
  const scan: number[] = []
  const evidence: number[] = []
  for (let run = 0; run < 3; run++) {
    scan.push(await timed(async () => {
      for (let from = 1; from <= treeSize; from += 1000) await view.readRange(from, Math.min(1000, treeSize - from + 1))
    }))
    evidence.push(await timed(async () => {
      for (const sequence of carried) await view.readRange(sequence, 1)
    }))
  }
  const row = { events: size, treeSize, beforeMs: median(before), afterMs: median(after), catchUpMs: catchUp, scanMs: median(scan), evidenceMs: median(evidence), carried: carried.length, indexHeap: heapIndex }
  rows.push(row)
  say(
    `  ${fmt(size).padStart(9)} events (checkpoint of ${fmt(treeSize)}): whole-log builder ${fmt(row.beforeMs)} ms (raw read of the log ${fmt(row.scanMs)} ms, ${(row.beforeMs / row.scanMs).toFixed(1)}×); ` +
      `kept index ${row.afterMs.toFixed(1)} ms (raw read of its ${carried.length} events by sequence ${row.evidenceMs.toFixed(1)} ms, ${(row.afterMs / row.evidenceMs).toFixed(1)}×); ` +
      `${(row.beforeMs / row.afterMs).toFixed(0)}× faster; the index's one catch-up ${fmt(catchUp)} ms, index heap ${mb(heapIndex)}`,
  )
}
await ledger.backend.close()
