/**
 * The Decider: a lifecycle area's rules as a plain object (DESIGN.md, "Deciders").
 *
 * `decide` is pure: every value it reads comes from the folded state or from the context, and both
 * are determined by the log, so an auditor who replays the log and re-runs `decide` on a recorded
 * command gets the recorded events back.
 */
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js'
import type { JsonValue } from './json.js'
import type { Command } from './ledger/command.js'

/** Details small enough to show in a problem report; values are JSON scalars. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>

/**
 * Why a command was refused. `code` is stable: callers branch on it and it never changes meaning
 * once published; `message` is for people and may be reworded.
 */
export interface DomainError<Code extends string = string> {
  readonly code: Code
  readonly message: string
  readonly details: ErrorDetails
}

export function domainError<Code extends string>(code: Code, message: string, details: ErrorDetails = {}): DomainError<Code> {
  return { code, message, details }
}

/**
 * What the log determines about a decision besides the state: the time the resulting events will
 * be recorded at, the hash of the signed command being decided (a stable source of new ids), the
 * key that signs the ledger, and the time the actor signed the command (its `issuedAt`, which the
 * rules hold within the genesis's command window of `recordedAt`).
 */
export interface DecisionContext {
  readonly recordedAt: string
  readonly commandHash: string
  readonly ledgerKey: string
  readonly issuedAt: string
}

/**
 * An event as the log recorded it. `evolve` sees the position and time too, because rules such as
 * "power at the proposal's snapshot" and "voting opens a day after creation" are about them.
 */
export interface Recorded<E> {
  readonly event: E
  readonly sequence: number
  readonly recordedAt: string
}

export interface Decider<C, E, S, Code extends string = string> {
  readonly initialState: S
  readonly decide: (command: C, state: S, ctx: DecisionContext) => Either<DomainError<Code>, readonly E[]>
  readonly evolve: (state: S, recorded: Recorded<E>) => S
}

export function fold<E, S>(evolve: (state: S, recorded: Recorded<E>) => S, initial: S, events: Iterable<Recorded<E>>): S {
  let state = initial
  for (const recorded of events) state = evolve(state, recorded)
  return state
}

/** What one accepted command would put in the log, and the state after it. */
export interface Outcome<E, S> {
  readonly recorded: readonly Recorded<E>[]
  readonly state: S
}

/**
 * Decides and records in one pure step, numbering the events from `nextSequence` at the context's
 * time: exactly what the store would do, without a store. Specs and property tests run on it.
 */
export function decideAndRecord<C, E, S, Code extends string>(
  decider: Decider<C, E, S, Code>,
  state: S,
  command: C,
  ctx: DecisionContext,
  nextSequence: number,
): Either<DomainError<Code>, Outcome<E, S>> {
  const decided = decider.decide(command, state, ctx)
  if (isLeft(decided)) return decided
  const recorded = decided.right.map((event, i) => ({ event, sequence: nextSequence + i, recordedAt: ctx.recordedAt }))
  return right({ recorded, state: fold(decider.evolve, state, recorded) })
}

/** A decider with the codecs that connect it to the ledger's JSON. */
export interface Vertical<C, E, S, Code extends string> {
  readonly name: string
  readonly decider: Decider<C, E, S, Code>
  parseCommand(command: Command): Either<DomainError<Code>, C>
  /** The vertical's event in an envelope, or undefined when the type belongs to another vertical. */
  parseEvent(type: string, data: JsonValue): E | undefined
  encodeEvent(event: E): { readonly stream: string; readonly type: string; readonly data: JsonValue }
}
