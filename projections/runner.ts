/**
 * The runner keeps one projection's stored read model up to date with the log.
 *
 * It catches up from its checkpoint with `readAll`, then follows with `subscribe`. Events are
 * folded in memory and written in batches: each batch's changed rows and its new checkpoint go to
 * the store in one transaction, so after a crash the stored rows are exactly the fold up to the
 * stored checkpoint, and resuming from checkpoint + 1 neither repeats nor skips an event.
 *
 * A stored version other than the projection's means the fold changed: the runner rebuilds from
 * zero (folding in memory, then replacing rows, version and checkpoint in one transaction, so
 * readers see the old model until the new one is whole).
 *
 * A store shared by several processes (`ReadModelStore.writable`) is written by one of them at a
 * time. The others fold the same log into the same table in memory (reads are served from it) and
 * write nothing; one that becomes the writer replaces the stored rows whole at its first write,
 * since it did not track which rows changed since the stored checkpoint. A new process loads the
 * shared rows and folds only the events after their checkpoint.
 */
import type { Envelope } from '../domain/ledger/envelope.js'
import { foldFromZero } from './fold.js'
import type { LiveLog, LogReader } from './log-source.js'
import type { Projection } from './projection.js'
import { CheckpointConflict, type ProjectionStatus, type ReadModelStore } from './store/port.js'
import { initialTable, step, storedRows, tableFromStored, takeChanges, type Table } from './table.js'

export interface RunnerOptions {
  /** Events per transaction while catching up or following (default 1000). */
  readonly batchSize?: number
  /** While following, write a partial batch after this long without new events (ms, default 20). */
  readonly flushAfterMs?: number
  /** Called after each batch committed to the store, with the new checkpoint (not for a fold kept in memory only: a shared store another process writes). */
  readonly onCommit?: (checkpoint: number) => void
  /** Called after each envelope is folded, with the rows as they then stand (to take snapshots: snapshots.ts). */
  readonly onFolded?: (envelope: Envelope, rows: ReadonlyMap<string, unknown>) => void
}

export interface ProjectionRunner<V> {
  readonly name: string
  /** Loads the stored model, rebuilding it if its version is stale, and catches up to the head. */
  catchUp(): Promise<ProjectionStatus>
  /** Catches up, then follows the log in the background until `stop`. */
  start(): Promise<void>
  /** Stops following after writing what it has folded. */
  stop(): Promise<void>
  /**
   * Catches up and follows until `signal` aborts, rejecting on the first failure (for a
   * supervisor, which restarts it from what is stored); `start`/`stop` follow in the background.
   */
  run(signal: AbortSignal): Promise<void>
  /** Rebuilds from zero; a following runner pauses and resumes around it. */
  rebuild(onProgress?: (sequence: number) => void): Promise<ProjectionStatus>
  status(): ProjectionStatus
  /** Sequences behind the head: head sequence minus checkpoint. */
  lag(): Promise<number>
  /** Resolves once the checkpoint reaches `sequence`. */
  reached(sequence: number): Promise<void>
  /** The in-memory rows at the checkpoint (read only). */
  rows(): ReadonlyMap<string, V>
}

interface Working<V> {
  table: Table<V>
  /** What the store holds: the write's starting point. */
  committed: ProjectionStatus
  /** The last sequence folded into the table (>= committed.checkpoint). */
  folded: number
  /**
   * True once a batch was kept in memory only, because another process writes the shared store:
   * `committed` is then this table's own position, not the store's, and the next write by this
   * process replaces the stored rows whole.
   */
  memoryOnly: boolean
}

const TIMEOUT = Symbol('timeout')

export function createRunner<V, E>(
  log: LogReader | LiveLog,
  store: ReadModelStore,
  projection: Projection<V, E>,
  options: RunnerOptions = {},
): ProjectionRunner<V> {
  const batchSize = options.batchSize ?? 1000
  const flushAfterMs = options.flushAfterMs ?? 20
  const { name, version } = projection
  let working: Working<V> | undefined
  let following: { stop: () => void; done: Promise<void> } | undefined
  let waiters: { sequence: number; resolve: () => void }[] = []

  function settleWaiters(checkpoint: number): void {
    const ready = waiters.filter((w) => w.sequence <= checkpoint)
    waiters = waiters.filter((w) => w.sequence > checkpoint)
    for (const waiter of ready) waiter.resolve()
  }

  async function rebuildNow(onProgress?: (sequence: number) => void): Promise<Working<V>> {
    const onStep = options.onFolded
    const folded = await foldFromZero(log, projection, onProgress === undefined ? {} : { onProgress }, onStep === undefined ? {} : { onStep })
    const status = { name, version, checkpoint: folded.checkpoint }
    // Another process writing the shared store rebuilds it itself; this one keeps its fold in memory.
    const writes = store.writable?.() ?? true
    if (writes) await store.replace(status, storedRows(projection, folded.table))
    folded.table.dirty.clear()
    working = { table: folded.table, committed: status, folded: folded.checkpoint, memoryOnly: !writes }
    if (writes) options.onCommit?.(status.checkpoint)
    settleWaiters(status.checkpoint)
    return working
  }

  async function load(): Promise<Working<V>> {
    if (working !== undefined) return working
    const stored = await store.status(name)
    if (stored !== undefined && stored.version !== version) return rebuildNow()
    if (stored === undefined) {
      working = { table: initialTable(projection), committed: { name, version, checkpoint: 0 }, folded: 0, memoryOnly: false }
    } else {
      working = { table: tableFromStored(projection, await store.rows(name)), committed: stored, folded: stored.checkpoint, memoryOnly: false }
    }
    return working
  }

  async function flush(w: Working<V>): Promise<void> {
    if (w.folded === w.committed.checkpoint && w.table.dirty.size === 0) return
    const to = w.folded
    if (!(store.writable?.() ?? true)) {
      // A shared store another process writes: this table is the same fold, kept in memory only.
      w.table.dirty.clear()
      w.memoryOnly = true
      w.committed = { name, version, checkpoint: to }
      settleWaiters(to)
      return
    }
    try {
      if (w.memoryOnly) {
        // This process took over writing: the stored rows are the previous writer's, at a checkpoint
        // of its own; the changes since are not tracked here, so the rows are replaced whole.
        w.table.dirty.clear()
        await store.replace({ name, version, checkpoint: to }, storedRows(projection, w.table))
        w.memoryOnly = false
      } else {
        const changes = takeChanges(projection, w.table)
        try {
          await store.commit(name, w.committed, to, changes)
        } catch (error) {
          if (store.writable === undefined || !(error instanceof CheckpointConflict)) throw error
          // A shared store another writer moved since this process loaded it (a hand-over of the
          // lease): this table is the fold at `to` all the same, so it replaces the stored rows.
          await store.replace({ name, version, checkpoint: to }, storedRows(projection, w.table))
        }
      }
    } catch (error) {
      // The table is ahead of the store now: forget it, and the next load reads what is stored.
      working = undefined
      throw error
    }
    w.committed = { name, version, checkpoint: to }
    options.onCommit?.(to)
    settleWaiters(to)
  }

  async function fold(w: Working<V>, envelope: Envelope): Promise<void> {
    if (envelope.sequence !== w.folded + 1) throw new Error(`${name}: expected sequence ${w.folded + 1}, got ${envelope.sequence}`)
    step(projection, w.table, envelope)
    w.folded = envelope.sequence
    options.onFolded?.(envelope, w.table.rows)
    if (w.folded - w.committed.checkpoint >= batchSize) await flush(w)
  }

  async function catchUp(): Promise<ProjectionStatus> {
    const w = await load()
    for await (const envelope of log.readAll(w.folded + 1)) await fold(w, envelope)
    await flush(w)
    return w.committed
  }

  /** Follows the subscription, writing a partial batch whenever the log goes quiet for a moment. */
  async function follow(w: Working<V>, live: LiveLog, stopped: Promise<void>): Promise<void> {
    const subscription = live.subscribe(w.folded + 1)
    const iterator = subscription[Symbol.asyncIterator]()
    void stopped.then(() => subscription.close())
    try {
      let next = iterator.next()
      for (;;) {
        const quiet = w.folded === w.committed.checkpoint
        const result = quiet ? await next : await raceTimeout(next, flushAfterMs)
        if (result === TIMEOUT) {
          await flush(w)
          continue
        }
        if (result.done === true) break
        await fold(w, result.value)
        next = iterator.next()
      }
    } finally {
      subscription.close()
      await flush(w)
    }
  }

  async function start(): Promise<void> {
    if (following !== undefined) return
    if (!('subscribe' in log)) throw new Error(`${name}: this log cannot be followed (read-only)`)
    await catchUp()
    const w = await load()
    let stop: () => void = () => undefined
    const stopped = new Promise<void>((resolve) => (stop = resolve))
    const done = follow(w, log, stopped)
    following = { stop, done }
    // A failure while following ends it; stop() reports it.
    done.catch(() => undefined)
  }

  async function run(signal: AbortSignal): Promise<void> {
    if (!('subscribe' in log)) throw new Error(`${name}: this log cannot be followed (read-only)`)
    await catchUp()
    const w = await load()
    const stopped = new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
    })
    await follow(w, log, stopped)
  }

  async function stop(): Promise<void> {
    const current = following
    if (current === undefined) return
    following = undefined
    current.stop()
    await current.done
  }

  return {
    name,
    catchUp,
    start,
    stop,
    run,
    async rebuild(onProgress) {
      const wasFollowing = following !== undefined
      await stop()
      const w = await rebuildNow(onProgress)
      if (wasFollowing) await start()
      return w.committed
    },
    status: () => working?.committed ?? { name, version, checkpoint: 0 },
    async lag() {
      const head = await log.head()
      return Math.max(0, head.sequence - (working?.committed.checkpoint ?? (await store.status(name))?.checkpoint ?? 0))
    },
    reached(sequence) {
      if ((working?.committed.checkpoint ?? 0) >= sequence) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ sequence, resolve }))
    },
    rows: () => working?.table.rows ?? new Map<string, V>(),
  }
}

/** The promise's value, or TIMEOUT if it takes longer than `ms`; the timer never outlives the race. */
async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
