/**
 * The one full collection serve runs when its start is over (infrastructure/memory.ts): it really
 * collects (an unreachable object is gone after it), it frees the heap a burst left behind, and it
 * leaves no `gc` global behind in this context.
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
