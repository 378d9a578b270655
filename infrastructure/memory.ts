/**
 * One full garbage collection on demand, for the end of a service's start-up. A start allocates in
 * a burst (a snapshot decoded, the log's tail folded, read models and the lineage index caught up)
 * and then goes quiet; V8 keeps the burst's garbage as committed heap until its next major
 * collection, which an idle or lightly loaded service may not reach for a long time (at 1M events,
 * about 200 MB of the process's RSS; docs/performance.md). Collecting once, when the start is
 * over, hands those pages back.
 *
 * Node offers no collector without `--expose-gc`. The flag is turned on just long enough to make
 * one new context, whose global `gc` collects the whole isolate's heap, then turned off again, so
 * no other context sees a `gc` global.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let collector: (() => void) | null | undefined

function acquire(): (() => void) | null {
  if (collector !== undefined) return collector
  const exposed = (globalThis as { gc?: unknown }).gc
  if (typeof exposed === 'function') return (collector = exposed as () => void)
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    collector = typeof gc === 'function' ? (gc as () => void) : null
  } catch {
    collector = null
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
  return collector
}

/**
 * Runs a full, synchronous collection of this thread's heap; false if the runtime allows none.
 * `compact`: also move the live objects off sparsely used pages, so those pages are released too
 * (the collection then briefly needs new pages for what it moves: run it once the garbage of a
 * plain collection has been handed back, not in place of one).
 */
export function collectGarbage(options: { compact?: boolean } = {}): boolean {
  const gc = acquire()
  if (gc === null) return false
  if (options.compact !== true) {
    gc()
    return true
  }
  setFlagsFromString('--compact-on-every-full-gc')
  try {
    gc()
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc')
  }
  return true
}
