/** The backends' per-checkpoint load: one load shared by concurrent requests, a failed one tried again. */
import { describe, expect, it } from 'vitest'
import { perCheckpoint } from '../../../api/gateway/backend.js'
import type { Served } from '../../../domain/deployment/state.js'

const served = (checkpoint: string): Served => ({ jobId: 'j'.repeat(64), checkpoint, evaluationSequence: 1, since: 1, sinceAt: 0 })

describe('perCheckpoint', () => {
  it('loads each checkpoint once, however many requests wait on it', async () => {
    const calls: string[] = []
    const of = perCheckpoint(async (s) => {
      calls.push(s.checkpoint)
      return `model ${s.checkpoint}`
    })
    expect(await Promise.all([of(served('a')), of(served('a')), of(served('b'))])).toEqual(['model a', 'model a', 'model b'])
    expect(await of(served('a'))).toBe('model a')
    expect(calls).toEqual(['a', 'b'])
  })

  it('forgets a failed load, so the next request loads again', async () => {
    let attempts = 0
    const of = perCheckpoint(async () => {
      attempts++
      if (attempts === 1) throw new Error('files missing')
      return 'model'
    })
    await expect(of(served('a'))).rejects.toThrow('files missing')
    expect(await of(served('a'))).toBe('model')
    expect(await of(served('a'))).toBe('model')
    expect(attempts).toBe(2)
  })
})
