/**
 * Background tasks under watch. A task's failure is logged, counted and kept as its status (which
 * /readyz reports) instead of being swallowed or taking the process down; a long-running task is
 * restarted after a capped exponential backoff, a periodic one simply ticks again. A task counts
 * as failing from its first failure until it has run `healthyAfterMs` without one (long-running),
 * its next tick succeeds (periodic), or it reports success itself (`ok`).
 */
import type { Logger } from 'pino'

export interface TaskStatus {
  readonly name: string
  readonly failing: boolean
  /** Failures since start, and in a row now. */
  readonly failures: number
  readonly consecutive: number
  readonly lastError: string | null
  readonly lastFailureAt: string | null
}

export interface TaskHandle {
  /** Aborts the task's signal and waits for it to end. */
  stop(): Promise<void>
}

export interface Supervisor {
  /** Runs `task` until stopped; whenever it throws (or returns early) it is restarted after a backoff. */
  run(name: string, task: (signal: AbortSignal) => Promise<void>): TaskHandle
  /** Runs `tick` every `ms` (never two at once); a failed tick is a failure, a good one clears it. */
  every(name: string, ms: number, tick: () => Promise<unknown>): TaskHandle
  /**
   * A start-up step that runs while the process already serves (the fold of the log's tail): shown
   * as failing, with `what` as its reason, until `work` settles, so /readyz says not ready; a
   * rejection is reported as a failure. Resolves when `work` has settled, either way.
   */
  starting(name: string, what: string, work: Promise<unknown>): Promise<void>
  /** For tasks with their own loop: a failure, and a success that clears it. */
  report(name: string, error: unknown): void
  ok(name: string): void
  status(): TaskStatus[]
  failing(): TaskStatus[]
  stop(): Promise<void>
}

export interface SupervisorOptions {
  readonly logger: Logger
  readonly minBackoffMs?: number
  readonly maxBackoffMs?: number
  readonly healthyAfterMs?: number
  /** Each failure, for metrics. */
  readonly onFailure?: (name: string) => void
}

interface Entry {
  failures: number
  consecutive: number
  lastError: string | null
  lastFailureAt: string | null
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error'
}

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const minBackoff = options.minBackoffMs ?? 200
  const maxBackoff = options.maxBackoffMs ?? 30_000
  const healthyAfter = options.healthyAfterMs ?? 10_000
  const entries = new Map<string, Entry>()
  const handles = new Set<TaskHandle>()

  const entry = (name: string): Entry => {
    let found = entries.get(name)
    if (found === undefined) {
      found = { failures: 0, consecutive: 0, lastError: null, lastFailureAt: null }
      entries.set(name, found)
    }
    return found
  }

  function report(name: string, error: unknown): void {
    const e = entry(name)
    e.failures++
    e.consecutive++
    e.lastError = messageOf(error)
    e.lastFailureAt = new Date().toISOString()
    options.logger.error({ task: name, err: e.lastError, consecutive: e.consecutive }, 'background task failed')
    options.onFailure?.(name)
  }

  function ok(name: string): void {
    const e = entry(name)
    if (e.consecutive > 0) options.logger.info({ task: name, after: e.consecutive }, 'background task recovered')
    e.consecutive = 0
  }

  function track(work: (signal: AbortSignal) => Promise<void>): TaskHandle {
    const controller = new AbortController()
    const done = work(controller.signal)
    const handle: TaskHandle = {
      async stop() {
        controller.abort()
        await done
        handles.delete(handle)
      },
    }
    handles.add(handle)
    return handle
  }

  function run(name: string, task: (signal: AbortSignal) => Promise<void>): TaskHandle {
    entry(name)
    return track(async (signal) => {
      let backoff = minBackoff
      while (!signal.aborted) {
        const started = Date.now()
        const healthy = setTimeout(() => ok(name), healthyAfter)
        try {
          await task(signal)
          if (!signal.aborted) throw new Error('ended without being stopped')
        } catch (error) {
          if (!signal.aborted) report(name, error)
        } finally {
          clearTimeout(healthy)
        }
        if (signal.aborted) return
        backoff = Date.now() - started >= healthyAfter ? minBackoff : Math.min(maxBackoff, backoff * 2)
        await pause(backoff, signal)
      }
    })
  }

  function every(name: string, ms: number, tick: () => Promise<unknown>): TaskHandle {
    entry(name)
    return track(async (signal) => {
      let wait = ms
      while (!signal.aborted) {
        await pause(wait, signal)
        if (signal.aborted) return
        try {
          await tick()
          ok(name)
          wait = ms
        } catch (error) {
          report(name, error)
          wait = Math.min(maxBackoff, Math.max(ms, wait * 2))
        }
      }
    })
  }

  function starting(name: string, what: string, work: Promise<unknown>): Promise<void> {
    const e = entry(name)
    e.consecutive = 1
    e.lastError = what
    return work.then(
      () => {
        e.consecutive = 0
        e.lastError = null
      },
      (error: unknown) => {
        e.consecutive = 0
        report(name, error)
      },
    )
  }

  const status = (): TaskStatus[] => [...entries].map(([name, e]) => ({ name, failing: e.consecutive > 0, ...e }))
  return {
    run,
    every,
    starting,
    report,
    ok,
    status,
    failing: () => status().filter((task) => task.failing),
    async stop() {
      await Promise.all([...handles].map((handle) => handle.stop()))
    },
  }
}
