/**
 * The runner: live equals rebuilt byte for byte, catch-up resumes where it stopped, a new version
 * rebuilds from zero, lag counts sequences behind the head, and stop ends following cleanly.
 */
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import type { AnyProjection } from '../../projections/projection.js'
import { readModels } from '../../projections/read-models/index.js'
import { createRunner } from '../../projections/runner.js'
import { createMemoryReadModelStore } from '../../projections/store/memory-store.js'
import type { ReadModelStore } from '../../projections/store/port.js'
import { createSqliteReadModelStore } from '../../projections/store/sqlite-store.js'
import { foldFromZero } from '../../projections/fold.js'
import { storedRows } from '../../projections/table.js'
import { actionsArb, preamble } from '../domain/governance/random-commands.js'
import { countingProjection } from './counting.js'
import { noise, openTestLedger, play, run, tempDir } from './support.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function temp(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

const projections: readonly AnyProjection[] = [...readModels, countingProjection()]

async function rebuiltRows(log: Parameters<typeof foldFromZero>[0], projection: AnyProjection) {
  return storedRows(projection, (await foldFromZero(log, projection)).table)
}

describe('projection runner', () => {
  it('keeps live read models byte-identical to a rebuild, while the log grows under it', async () => {
    const [sample] = fc.sample(actionsArb, { numRuns: 1, seed: 42 })
    const dir = temp()
    const ledger = await openTestLedger(join(dir, 'ledger.db'), 10)
    const store = createSqliteReadModelStore(join(dir, 'projections.db'))
    const runners = projections.map((p) => createRunner(ledger.store, store, p, { batchSize: 4, flushAfterMs: 2 }))
    await Promise.all(runners.map((r) => r.start()))
    for (const command of preamble) await run(ledger, command)
    await play(ledger, sample ?? [])
    await ledger.store.sealAnchor()
    const head = (await ledger.store.head()).sequence
    await Promise.all(runners.map((r) => r.reached(head)))
    await Promise.all(runners.map((r) => r.stop()))
    for (const projection of projections) {
      expect(await store.status(projection.name)).toEqual({ name: projection.name, version: projection.version, checkpoint: head })
      expect(await store.rows(projection.name), projection.name).toEqual(await rebuiltRows(ledger.store, projection))
    }
    // And rebuilding in place writes the very same bytes.
    const before = await store.rows('accounts')
    await runners[1]?.rebuild()
    expect(await store.rows('accounts')).toEqual(before)
    await store.close()
    await ledger.store.close()
  })

  it('resumes from its checkpoint: each event applied once, across runner instances', async () => {
    const ledger = await openTestLedger(undefined, 1000)
    const store = createMemoryReadModelStore()
    for (let n = 0; n < 30; n++) await noise(ledger, n)
    const first = createRunner(ledger.store, store, countingProjection(), { batchSize: 7 })
    expect((await first.catchUp()).checkpoint).toBe(30)
    for (let n = 0; n < 12; n++) await noise(ledger, n)
    const second = createRunner(ledger.store, store, countingProjection(), { batchSize: 7 })
    expect((await second.catchUp()).checkpoint).toBe(42)
    expect(JSON.parse((await store.row('counting', 'count')) ?? 'null')).toEqual({ applied: 42, last: 42, sum: String((42 * 43) / 2), weight: 42 })
  })

  it('rebuilds from zero when the projection version changes', async () => {
    const ledger = await openTestLedger(undefined, 1000)
    const store = createMemoryReadModelStore()
    for (let n = 0; n < 10; n++) await noise(ledger, n)
    await createRunner(ledger.store, store, countingProjection(1)).catchUp()
    expect(JSON.parse((await store.row('counting', 'count')) ?? 'null')).toMatchObject({ weight: 10 })
    for (let n = 0; n < 5; n++) await noise(ledger, n)
    const status = await createRunner(ledger.store, store, countingProjection(2)).catchUp()
    expect(status).toEqual({ name: 'counting', version: 2, checkpoint: 15 })
    expect(JSON.parse((await store.row('counting', 'count')) ?? 'null')).toEqual({ applied: 15, last: 15, sum: '120', weight: 30 })
  })

  it('reports lag as head minus checkpoint, per projection', async () => {
    const ledger = await openTestLedger(undefined, 1000)
    const store: ReadModelStore = createMemoryReadModelStore()
    for (let n = 0; n < 8; n++) await noise(ledger, n)
    const runner = createRunner(ledger.store, store, countingProjection())
    expect(await runner.lag()).toBe(8)
    await runner.catchUp()
    expect(await runner.lag()).toBe(0)
    for (let n = 0; n < 3; n++) await noise(ledger, n)
    expect(await runner.lag()).toBe(3)
    await runner.start()
    await runner.reached(11)
    expect(await runner.lag()).toBe(0)
    await runner.stop()
  })

  it('stops cleanly: what was folded is written, and nothing moves afterwards', async () => {
    const ledger = await openTestLedger(undefined, 1000)
    const store = createMemoryReadModelStore()
    const runner = createRunner(ledger.store, store, countingProjection(), { batchSize: 1000, flushAfterMs: 10_000 })
    await runner.start()
    for (let n = 0; n < 5; n++) await noise(ledger, n)
    await new Promise((resolve) => setTimeout(resolve, 50))
    await runner.stop()
    const stopped = await store.status('counting')
    expect(stopped?.checkpoint).toBe(5)
    await noise(ledger, 99)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await store.status('counting')).toEqual(stopped)
  })
})
