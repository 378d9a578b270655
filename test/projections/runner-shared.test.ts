/**
 * Read models in a store several processes share: one writes at a time (the writer lease), the
 * others fold the same log in memory and write nothing; the writer changes hands at random while
 * the log grows, as when an instance dies and another takes the lease. Whoever writes, the stored
 * rows are always the fold from zero at the stored checkpoint, every runner's in-memory rows are
 * the fold at its position, and a new runner starts from the shared rows.
 */
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import type { AnyProjection } from '../../projections/projection.js'
import { readModels } from '../../projections/read-models/index.js'
import { createRunner } from '../../projections/runner.js'
import { createMemoryReadModelStore } from '../../projections/store/memory-store.js'
import type { ReadModelStore } from '../../projections/store/port.js'
import { foldFromZero } from '../../projections/fold.js'
import { createTable, storedRows } from '../../projections/table.js'
import { actionsArb, preamble } from '../domain/governance/random-commands.js'
import { countingProjection } from './counting.js'
import { openTestLedger, play, run, tempDir } from './support.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

const projections: readonly AnyProjection[] = [...readModels, countingProjection()]

/** One process's view of the shared store: its own lease flag, and a count of what it wrote. */
function view(shared: ReadModelStore, lease: { holder: number }, me: number): ReadModelStore & { writes: number } {
  const counted = {
    ...shared,
    writes: 0,
    writable: () => lease.holder === me,
    async commit(...args: Parameters<ReadModelStore['commit']>) {
      if (lease.holder !== me) throw new Error(`process ${me} wrote without the lease`)
      counted.writes++
      return shared.commit(...args)
    },
    async replace(...args: Parameters<ReadModelStore['replace']>) {
      if (lease.holder !== me) throw new Error(`process ${me} replaced without the lease`)
      counted.writes++
      return shared.replace(...args)
    },
  }
  return counted
}

describe('read models in a shared store', () => {
  it('property: under random hand-overs of the writer lease, the stored rows are the fold at the stored checkpoint, and every process serves the fold', async () => {
    await fc.assert(
      fc.asyncProperty(actionsArb, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }), async (actions, holders) => {
        const { dir, cleanup } = tempDir()
        cleanups.push(cleanup)
        const ledger = await openTestLedger(join(dir, 'ledger.db'), 10)
        const shared = createMemoryReadModelStore()
        const lease = { holder: 0 }
        const views = [0, 1, 2].map((me) => view(shared, lease, me))
        const runners = views.map((store) => projections.map((p) => createRunner(ledger.store, store, p, { batchSize: 3, flushAfterMs: 1 })))
        await Promise.all(runners.flat().map((r) => r.start()))
        for (const command of preamble) await run(ledger, command)
        const chunk = Math.max(1, Math.ceil(actions.length / holders.length))
        for (const [i, holder] of holders.entries()) {
          lease.holder = holder
          await play(ledger, actions.slice(i * chunk, (i + 1) * chunk))
        }
        await ledger.store.sealAnchor()
        const head = (await ledger.store.head()).sequence
        await Promise.all(runners.flat().map((r) => r.reached(head)))
        await Promise.all(runners.flat().map((r) => r.stop()))
        for (const [p, projection] of projections.entries()) {
          const status = await shared.status(projection.name)
          if (status !== undefined) {
            // What is stored is a fold from zero, at the checkpoint it says.
            const upTo = { ...ledger.store, readAll: (from?: number) => takeUntil(ledger.store.readAll(from), status.checkpoint) }
            expect(await shared.rows(projection.name), projection.name).toEqual(storedRows(projection, (await foldFromZero(upTo, projection)).table))
          }
          const full = storedRows(projection, (await foldFromZero(ledger.store, projection)).table)
          for (const processRunners of runners) {
            const runner = processRunners[p]
            if (runner === undefined) throw new Error('no runner')
            expect(rowsOf(projection, runner.rows()), `${projection.name} in memory`).toEqual(full)
          }
        }
        // A process that never held the lease never wrote.
        for (const [me, v] of views.entries()) if (!holders.includes(me) && me !== 0) expect(v.writes).toBe(0)
        // The last holder's final write reached the head: a new process starts from the shared rows.
        const last = holders[holders.length - 1] as number
        const fresh = view(shared, lease, 3)
        for (const projection of projections) {
          expect((await shared.status(projection.name))?.checkpoint).toBe(head)
          const newcomer = createRunner(ledger.store, fresh, projection)
          expect(await newcomer.catchUp()).toEqual({ name: projection.name, version: projection.version, checkpoint: head })
          expect(rowsOf(projection, newcomer.rows())).toEqual(storedRows(projection, (await foldFromZero(ledger.store, projection)).table))
        }
        expect(fresh.writes).toBe(0)
        expect(views[last]?.writes).toBeGreaterThan(0)
        await ledger.store.close()
      }),
      { numRuns: 8 },
    )
  }, 240_000)
})

function rowsOf(projection: AnyProjection, rows: ReadonlyMap<string, unknown>) {
  return storedRows(projection, createTable(rows))
}

async function* takeUntil<T extends { sequence: number }>(source: AsyncIterable<T>, last: number): AsyncGenerator<T> {
  for await (const item of source) {
    if (item.sequence > last) return
    yield item
  }
}
