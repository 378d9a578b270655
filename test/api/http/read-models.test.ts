/**
 * The HTTP read models answer `?at=` from snapshots their runners took while following (issue
 * #15): at every cut of the model story, the rows are the fold from zero's, and the ladder holds
 * the snapshots the runners took (so the answer did not come from zero).
 */
import { describe, expect, it } from 'vitest'
import { createReadModels } from '../../../api/http/read-models.js'
import { foldFromZero } from '../../../projections/fold.js'
import { readModels } from '../../../projections/read-models/index.js'
import { createMemoryReadModelStore } from '../../../projections/store/memory-store.js'
import { openDriver, tellStory } from '../../projections/story.js'
import { arrayLog, collect } from '../../projections/support.js'

describe('read models at a cut', () => {
  it('equal the fold from zero at every sequence of the model story, folded from the runners’ snapshots', async () => {
    const d = await openDriver(undefined, 10)
    await tellStory(d)
    const log = await collect(d.store.readAll())
    const models = createReadModels(d.store, createMemoryReadModelStore(), readModels, undefined, { every: 8, keep: 8 })
    await models.start()
    try {
      expect(models.snapshots('accounts').length).toBeGreaterThan(3)
      for (let k = 1; k <= log.length; k += 3) {
        for (const projection of readModels) {
          const at = await models.rows(projection.name, { sequence: k })
          const want = (await foldFromZero(arrayLog(log.slice(0, k)), projection)).table.rows
          expect(at.checkpoint).toBe(k)
          const keys = at.page('', undefined, 100_000).keys
          expect(keys, `${projection.name} at ${k}`).toEqual([...want.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
          for (const key of keys) expect(at.get(key), `${projection.name} ${key} at ${k}`).toEqual(projection.encode(want.get(key)))
        }
      }
    } finally {
      await models.stop()
      await d.store.close()
    }
  }, 120_000)
})
