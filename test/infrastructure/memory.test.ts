/**
 * The collections serve runs when its start is over (infrastructure/memory.ts), plain and
 * compacting: each really collects (an unreachable object is gone after it), the plain one frees
 * the heap a burst left behind, and neither leaves a `gc` global behind in this context.
 */
import { describe, expect, it } from 'vitest'
import { collectGarbage } from '../../infrastructure/memory.js'

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('collectGarbage', () => {
  it('collects what nothing reaches, at once, and exposes no gc global', async () => {
    let burst: { readonly i: number; readonly text: string }[] | undefined = Array.from({ length: 400_000 }, (_, i) => ({ i, text: `row ${i}` }))
    const watched = new WeakRef(burst)
    // A WeakRef keeps its target for the rest of the task that made or read it.
    await nextTask()
    const before = process.memoryUsage().heapUsed
    burst = undefined
    expect(collectGarbage()).toBe(true)
    const after = process.memoryUsage().heapUsed
    expect(watched.deref()).toBeUndefined()
    // The burst was about 30 MB of objects and strings.
    expect(before - after).toBeGreaterThan(10 * 2 ** 20)
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined()
    expect(collectGarbage()).toBe(true)
  })
})

describe('collectGarbage with compaction', () => {
  // What compaction hands back shows on a large, long-lived heap (V8 compacts a small one on its
  // own): measured on serve at 1M events in docs/performance.md. Here: it is a full collection
  // too, and it leaves the process as it found it.
  it('collects what nothing reaches, keeps what is reached, and exposes no gc global', async () => {
    let burst: { readonly i: number; readonly text: string }[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `row ${i}` }))
    const survivors = burst.filter((_, i) => i % 20 === 0)
    const watched = new WeakRef(burst)
    await nextTask()
    burst = undefined
    expect(collectGarbage({ compact: true })).toBe(true)
    expect(watched.deref()).toBeUndefined()
    expect(survivors.map((row) => row.i).slice(0, 3)).toEqual([0, 20, 40])
    expect(survivors[9_999]?.text).toBe('row 199980')
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined()
    expect(collectGarbage()).toBe(true)
  })
})
