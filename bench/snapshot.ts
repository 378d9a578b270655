/**
 * Starting the economy fold from a snapshot against replaying the whole log, at N events in an
 * SQLite store: the full replay (read, parse, fold: what a start without a snapshot does), the
 * start from a snapshot `--tail` events behind the head (read, hash and decode the snapshot, fold
 * the tail), their ratio, and the raw baseline of the same run (reading and JSON-parsing the N
 * envelopes without folding). Also the snapshot's write time, size, and the longest the event loop
 * was held while writing it (event-loop delay, sampled). Medians of 3.
 *
 * The log (bench/economy-fixture.ts): a genesis of 1,000 accounts, then one newly registered
 * account in every ~9 events and transfers between random accounts (OpenSent + OpenReceived), so
 * the state grows with the log. Its envelopes are sealed and signed as the sequencer seals them
 * (system cause), cached in .bench/snapshot-N.db. `node dist/bench/snapshot.js [--events 100000,300000] [--tail 10000]`.
 */
import { rmSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { economy } from '../domain/economy/index.js'
import type { EconomyState } from '../domain/economy/state.js'
import { dirSnapshotStore } from '../infrastructure/snapshot/store.js'
import { backendReader, loadSnapshot, replayTo, writeSnapshot } from '../infrastructure/snapshot/snapshots.js'
import { createSqliteBackend } from '../infrastructure/store/sqlite-backend.js'
import { createCommandHandler } from '../infrastructure/command-handler.js'
import type { EventStore } from '../domain/ports/event-store.js'
import { ensureEconomyLog, LOG_LEDGER } from './economy-fixture.js'
import { fmt, median, say } from './stats.js'

function eventLoopHeld<T>(work: () => Promise<T>): Promise<{ value: T; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 })
  histogram.enable()
  return work().then((value) => {
    histogram.disable()
    return { value, maxMs: histogram.max / 1e6 }
  })
}

export async function benchSnapshot(sizes: readonly number[], tail: number): Promise<void> {
  say(`economy fold: start from a snapshot ${fmt(tail)} events behind the head vs full replay, SQLite, median of 3`)
  for (const events of sizes) {
    const path = await ensureEconomyLog(events)
    const backend = createSqliteBackend(path, { readonly: true })
    const log = await backendReader(backend)
    const head = await log.headSequence()
    const dir = `.bench/snapshots-${events}`
    rmSync(dir, { recursive: true, force: true })
    const snapshots = dirSnapshotStore(dir)
    // Raw baseline: read and JSON-parse every envelope, fold nothing.
    const rawMs = median(
      await sequential(3, async () => {
        const started = performance.now()
        let n = 0
        for await (const _ of log.readFrom(1)) n++
        if (n !== head) throw new Error('short read')
        return performance.now() - started
      }),
    )
    // Full replay: what a start without a snapshot does (the handler's catch-up from sequence 1).
    const store = { ledgerPublicKey: LOG_LEDGER, readAll: (from?: number) => log.readFrom(from ?? 1) } as unknown as EventStore
    const replayMs = median(
      await sequential(3, async () => {
        const started = performance.now()
        const fold = await createCommandHandler({ store, vertical: economy }).caughtUp()
        if (fold.position !== head) throw new Error('replay short')
        return performance.now() - started
      }),
    )
    // The snapshot, written from the fold `tail` behind the head, off the hot path (sliced).
    const at = await replayTo(economy, log, head - tail)
    const writes = await sequential(3, async () => {
      await snapshots.prune(0)
      const { value, maxMs } = await eventLoopHeld(() => writeSnapshot({ snapshots, log, vertical: economy.name, fold: at }))
      return { ms: value.ms, bytes: value.record.bytes, loopMs: maxMs, sliceMs: value.longestSliceMs }
    })
    const writeMs = median(writes.map((w) => w.ms))
    const bytes = writes[0]?.bytes ?? 0
    const loopMs = median(writes.map((w) => w.loopMs))
    // The start from the snapshot: load (read, hash, decode, check the head hash), then fold the tail.
    let loadMs = 0
    const startMs = median(
      await sequential(3, async () => {
        const started = performance.now()
        const loaded = await loadSnapshot<EconomyState>({ snapshots, log, vertical: economy.name })
        if (loaded.start === undefined) throw new Error(`snapshot refused: ${JSON.stringify(loaded.refused)}`)
        loadMs = loaded.ms
        const fold = await createCommandHandler({ store, vertical: economy, start: loaded.start }).caughtUp()
        if (fold.position !== head) throw new Error('tail short')
        return performance.now() - started
      }),
    )
    say(`  ${fmt(head).padStart(9)} events: full replay ${fmt(replayMs).padStart(6)} ms (raw read+parse ${fmt(rawMs)} ms, ${(replayMs / rawMs).toFixed(1)}× raw); from snapshot ${fmt(startMs).padStart(5)} ms (load ${fmt(loadMs)} ms + tail of ${fmt(tail)}), ${(replayMs / startMs).toFixed(1)}× faster`)
    say(`  ${' '.repeat(9)}         snapshot of ${fmt(head - tail)} events: ${(bytes / 1e6).toFixed(1)} MB, written in ${fmt(writeMs)} ms, event loop held at most ${loopMs.toFixed(0)} ms (longest encoding slice ${median(writes.map((w) => w.sliceMs)).toFixed(0)} ms, aimed at 8 ms)`)
    await backend.close()
  }
}

async function sequential<T>(runs: number, fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < runs; i++) out.push(await fn())
  return out
}

if (process.argv[1]?.endsWith('snapshot.js')) {
  const i = process.argv.indexOf('--events')
  const sizes = (i >= 0 ? (process.argv[i + 1] ?? '') : '100000,300000').split(',').map(Number)
  const t = process.argv.indexOf('--tail')
  await benchSnapshot(sizes, t >= 0 ? Number(process.argv[t + 1]) : 10_000)
}
