/** The supervisor with real timers: failures counted and kept, backoff capped, recovery cleared. */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createSupervisor } from '../../infrastructure/supervisor.js'

const logger = pino({ level: 'silent' })

describe('supervisor', () => {
  it('restarts a failing task with capped exponential backoff and keeps reporting it while it fails', async () => {
    const starts: number[] = []
    const failures: string[] = []
    const supervisor = createSupervisor({ logger, minBackoffMs: 10, maxBackoffMs: 40, healthyAfterMs: 1_000, onFailure: (name) => failures.push(name) })
    supervisor.run('flaky', async () => {
      starts.push(Date.now())
      throw new Error(`attempt ${starts.length} failed`)
    })
    await new Promise((resolve) => setTimeout(resolve, 400))
    await supervisor.stop()
    const [status] = supervisor.failing()
    expect(status).toMatchObject({ name: 'flaky', failing: true })
    expect(status?.lastError).toMatch(/^attempt \d+ failed$/)
    expect(failures.length).toBe(starts.length)
    const gaps = starts.slice(1).map((at, i) => at - (starts[i] ?? at))
    expect(gaps[0]).toBeGreaterThanOrEqual(15) // 20 ms: doubled once
    expect(Math.max(...gaps)).toBeLessThan(120) // capped at 40 ms (plus timer slack)
    expect(starts.length).toBeGreaterThan(5)
  })

  it('shows a start-up step as not ready until it settles, and its rejection as a failure', async () => {
    const supervisor = createSupervisor({ logger })
    let finish: () => void = () => undefined
    const step = supervisor.starting('fold', 'folding the log after sequence 7', new Promise<void>((resolve) => (finish = resolve)))
    expect(supervisor.failing()).toEqual([expect.objectContaining({ name: 'fold', lastError: 'folding the log after sequence 7', failures: 0 })])
    finish()
    await step
    expect(supervisor.failing()).toEqual([])
    await supervisor.starting('broken', 'starting', Promise.reject(new Error('the log does not verify')))
    expect(supervisor.failing()).toEqual([expect.objectContaining({ name: 'broken', lastError: 'the log does not verify', failures: 1 })])
  })

  it('clears a long-running task once it has run healthily, and a periodic one on its next good tick', async () => {
    let attempt = 0
    const supervisor = createSupervisor({ logger, minBackoffMs: 10, healthyAfterMs: 50 })
    supervisor.run('recovers', async (signal) => {
      attempt++
      if (attempt === 1) throw new Error('first run fails')
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
    })
    let ticks = 0
    supervisor.every('tick', 10, async () => {
      ticks++
      if (ticks === 1) throw new Error('first tick fails')
    })
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(supervisor.failing().map((task) => task.name)).toContain('recovers')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(supervisor.failing()).toEqual([])
    expect(supervisor.status().map((task) => [task.name, task.failures])).toEqual([
      ['recovers', 1],
      ['tick', 1],
    ])
    await supervisor.stop()
  })
})
