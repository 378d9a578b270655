/**
 * Given/when/then specifications for deciders (after Emmett's DeciderSpecification): given a
 * history, when a command is decided, then these events, or this refusal.
 *
 * A history is a list of steps: events recorded as they are, commands that must be accepted
 * (their events are recorded), and advances of ledger time. Sequences number from 1.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import { decideAndRecord, type DecisionContext, type Decider } from '../../domain/decider.js'

export type Step<C, E> = { readonly event: E } | { readonly command: C } | { readonly advance: number }

export interface Timeline<S> {
  readonly state: S
  readonly sequence: number
  readonly now: number
  readonly commands: number
}

export function hashFor(n: number): string {
  return n.toString(16).padStart(64, '0')
}

export function contextAt<S>(timeline: Timeline<S>, ledgerKey: string): DecisionContext {
  const recordedAt = new Date(timeline.now).toISOString()
  return { recordedAt, commandHash: hashFor(timeline.commands + 1), ledgerKey, issuedAt: recordedAt }
}

export function specFor<C, E, S>(decider: Decider<C, E, S>, options: { ledgerKey: string; start: number }) {
  function play(steps: readonly Step<C, E>[]): Timeline<S> {
    let t: Timeline<S> = { state: decider.initialState, sequence: 0, now: options.start, commands: 0 }
    for (const step of steps) {
      if ('advance' in step) {
        t = { ...t, now: t.now + step.advance }
      } else if ('event' in step) {
        const recordedAt = new Date(t.now).toISOString()
        t = { ...t, sequence: t.sequence + 1, state: decider.evolve(t.state, { event: step.event, sequence: t.sequence + 1, recordedAt }) }
      } else {
        const outcome = decideAndRecord(decider, t.state, step.command, contextAt(t, options.ledgerKey), t.sequence + 1)
        if (isLeft(outcome)) throw new Error(`a given command was refused: ${outcome.left.code}: ${outcome.left.message}`)
        t = { ...t, state: outcome.right.state, sequence: t.sequence + outcome.right.recorded.length, commands: t.commands + 1 }
      }
    }
    return t
  }

  return {
    play,
    given(...steps: Step<C, E>[]) {
      const timeline = play(steps)
      return {
        timeline,
        when(command: C) {
          const result = decider.decide(command, timeline.state, contextAt(timeline, options.ledgerKey))
          return {
            result,
            then(expected: readonly E[]): void {
              if (isLeft(result)) throw new Error(`refused: ${result.left.code}: ${result.left.message}`)
              expect(result.right).toEqual(expected)
            },
            thenFails(code: string): void {
              if (!isLeft(result)) throw new Error(`accepted, expected ${code}: ${JSON.stringify(result.right, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`)
              expect(result.left.code).toBe(code)
            },
            /** The events decided, for specs that check a part of them. */
            events(): readonly E[] {
              if (isLeft(result)) throw new Error(`refused: ${result.left.code}: ${result.left.message}`)
              return result.right
            },
          }
        },
      }
    },
  }
}
