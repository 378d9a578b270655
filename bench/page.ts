/**
 * One page of a read model by cursor: the sorted-key index (`keysPage`, projections/sorted-keys.ts)
 * beside the baseline it replaced, filtering and sorting every key, measured in the same run on the
 * same rows: the first page (which builds the index), pages with no row changed between them, and
 * pages with a row added (and one removed) before each, as on a live ledger.
 * `node dist/bench/page.js [--rows N]` (default 1,000,000).
 */
import { createTable, keysPage, patch } from '../projections/table.js'
import { fmt, median, numberArg, say } from './stats.js'

const rows = numberArg('--rows', 1_000_000)
const keyOf = (i: number): string => `account:${i.toString(16).padStart(8, '0')}`
const table = createTable<number>()
patch(table, Array.from({ length: rows }, (_, i) => ({ key: keyOf(i), value: i })))
const cursor = keyOf(Math.floor(rows / 2))

function timed(run: () => unknown, times: number): number {
  const started = performance.now()
  for (let i = 0; i < times; i++) run()
  return (performance.now() - started) / times
}

const naive = () => [...table.rows.keys()].filter((k) => k.startsWith('account:') && k > cursor).sort().slice(0, 50)
const baselineMs = median([0, 1, 2].map(() => timed(naive, 1)))
const firstMs = timed(() => keysPage(table.rows, 'account:', cursor, 50), 1)
const pageMs = median([0, 1, 2].map(() => timed(() => keysPage(table.rows, 'account:', cursor, 50), 1_000)))
let next = rows
const liveMs = median(
  [0, 1, 2].map(() =>
    timed(() => {
      // A new account arrives and an old one goes, then a page is read.
      patch(table, [{ key: keyOf(next), value: next }, { key: keyOf(next - rows), value: null }])
      next++
      return keysPage(table.rows, 'account:', cursor, 50)
    }, 20_000),
  ),
)
say(`${fmt(rows)} rows, a page of 50 by cursor: filter+sort every key ${baselineMs.toFixed(1)} ms (baseline); first page (builds the index) ${firstMs.toFixed(1)} ms; later pages ${(pageMs * 1000).toFixed(1)} µs; a row added and one removed before each page ${(liveMs * 1000).toFixed(1)} µs (merges included); baseline ÷ live page ${fmt(baselineMs / liveMs)}×`)
