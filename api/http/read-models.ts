/**
 * The read models behind the query routes: one runner per projection, following the log, and
 * point-in-time answers folded to a cut from the nearest snapshot below it (projections/snapshots.ts:
 * the runner takes them as it folds; a point-in-time fold adds those it passes). Rows are handed out encoded (projection.encode:
 * bigint as decimal strings), so the routes only select and page.
 */
import type { JsonValue } from '../../domain/json.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import { foldAt, type Cut } from '../../projections/point-in-time.js'
import type { AnyProjection } from '../../projections/projection.js'
import { createRunner, type ProjectionRunner } from '../../projections/runner.js'
import { SnapshotLadder, type SnapshotOptions } from '../../projections/snapshots.js'
import type { ReadModelStore } from '../../projections/store/port.js'
import type { Supervisor, TaskHandle } from '../../infrastructure/supervisor.js'
import { keysPage } from '../../projections/table.js'

export interface RowsAt {
  /** The last sequence folded into these rows. */
  readonly checkpoint: number
  get(key: string): JsonValue | undefined
  /** Up to `limit` keys with the prefix, in order, after the cursor key; and whether more follow. */
  page(prefix: string, after: string | undefined, limit: number): { keys: string[]; more: boolean }
}

export interface ReadModelStatus {
  readonly name: string
  readonly version: number
  readonly checkpoint: number
  readonly lag: number
}

export interface ReadModels {
  has(name: string): boolean
  status(): Promise<ReadModelStatus[]>
  /** The live rows, or the rows as they stood at a cut. */
  rows(name: string, cut?: Cut): Promise<RowsAt>
  /** The sequences of the snapshots kept of a read model, ascending (point-in-time reads start at the nearest). */
  snapshots(name: string): number[]
  /** Waits (up to `ms`) until every read model has folded `sequence`: read-your-writes. */
  reached(sequence: number, ms: number): Promise<boolean>
  start(): Promise<void>
  stop(): Promise<void>
}

function rowsOf(projection: AnyProjection, rows: ReadonlyMap<string, unknown>, checkpoint: number): RowsAt {
  return {
    checkpoint,
    get(key) {
      const value = rows.get(key)
      return value === undefined ? undefined : projection.encode(value)
    },
    page: (prefix, after, limit) => keysPage(rows, prefix, after, limit),
  }
}

/** Point-in-time folds replay part of the log, so they run one at a time and recent sequence cuts are kept. */
function pointInTime(store: EventStore, ladders: ReadonlyMap<string, SnapshotLadder<unknown>>) {
  const cache = new Map<string, RowsAt>()
  let running = Promise.resolve()
  return async (projection: AnyProjection, cut: Cut): Promise<RowsAt> => {
    const key = 'sequence' in cut ? `${projection.name}@${cut.sequence}` : undefined
    const hit = key === undefined ? undefined : cache.get(key)
    if (hit !== undefined) return hit
    const work = running.then(() => foldAt(store, projection, cut, ladders.get(projection.name)))
    running = work.then(() => undefined, () => undefined)
    const folded = await work
    const rows = rowsOf(projection, folded.table.rows, folded.checkpoint)
    // A cut at or below the head never changes; one past it would grow, so it is not kept.
    if (key !== undefined && 'sequence' in cut && folded.checkpoint === cut.sequence) {
      cache.set(key, rows)
      if (cache.size > 16) cache.delete(cache.keys().next().value as string)
    }
    return rows
  }
}

/**
 * With a supervisor, each runner follows the log as its task `projection:<name>`: a failure is
 * reported and the runner restarted from its stored checkpoint. Without one, runners follow on
 * their own (a failure ends that runner's following).
 */
export function createReadModels(store: EventStore, rowStore: ReadModelStore, projections: readonly AnyProjection[], supervisor?: Supervisor, snapshots: SnapshotOptions = {}): ReadModels {
  const handles: TaskHandle[] = []
  const runners = new Map<string, { projection: AnyProjection; runner: ProjectionRunner<unknown> }>()
  const ladders = new Map<string, SnapshotLadder<unknown>>()
  for (const projection of projections) {
    const ladder = new SnapshotLadder<unknown>(snapshots)
    ladders.set(projection.name, ladder)
    runners.set(projection.name, { projection, runner: createRunner(store, rowStore, projection, { onFolded: (envelope, rows) => ladder.offer(envelope, rows) }) })
  }
  const fold = pointInTime(store, ladders)

  function entry(name: string) {
    const found = runners.get(name)
    if (found === undefined) throw new RangeError(`no read model ${name}`)
    return found
  }

  return {
    has: (name) => runners.has(name),
    snapshots: (name) => ladders.get(entry(name).projection.name)?.sequences() ?? [],
    async status() {
      const out: ReadModelStatus[] = []
      for (const { projection, runner } of runners.values()) out.push({ name: projection.name, version: projection.version, checkpoint: runner.status().checkpoint, lag: await runner.lag() })
      return out
    },
    async rows(name, cut) {
      const { projection, runner } = entry(name)
      if (cut !== undefined) return fold(projection, cut)
      return rowsOf(projection, runner.rows(), runner.status().checkpoint)
    },
    async reached(sequence, ms) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
      const all = Promise.all([...runners.values()].map(({ runner }) => runner.reached(sequence))).then(() => true)
      try {
        return await Promise.race([all, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    async start() {
      for (const { runner } of runners.values()) {
        if (supervisor === undefined) await runner.start()
        else {
          await runner.catchUp()
          handles.push(supervisor.run(`projection:${runner.name}`, (signal) => runner.run(signal)))
        }
      }
    },
    async stop() {
      for (const handle of handles.splice(0)) await handle.stop()
      for (const { runner } of runners.values()) await runner.stop()
    },
  }
}
