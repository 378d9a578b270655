import type { Clock } from '../domain/ports/clock.js'

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that moves only when told to: for tests and simulations. */
export interface ManualClock extends Clock {
  set(ms: number): void
  advance(ms: number): void
}

export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let current = start
  return {
    now: () => current,
    set: (ms) => {
      current = ms
    },
    advance: (ms) => {
      current += ms
    },
  }
}
