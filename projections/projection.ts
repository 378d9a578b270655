/**
 * A projection: a pure fold over the log into keyed rows.
 *
 * The state is a set of rows (key → value). `apply` reads the rows it needs and returns the
 * changes one event makes; the runner patches the state with them. Returning changes instead of a
 * whole new state keeps the fold pure while letting the runner write only the rows that changed,
 * so a batch costs what it touches, not the size of the read model.
 */
import type { JsonValue } from '../domain/json.js'
import type { Envelope } from '../domain/ledger/envelope.js'

/** Read access to a projection's current rows. */
export interface RowReader<V> {
  get(key: string): V | undefined
}

/** One row set (value) or removed (null). */
export interface RowChange<V> {
  readonly key: string
  readonly value: V | null
}

/**
 * Which envelopes a projection sees, and what it sees of them. Envelopes left out still move the
 * checkpoint: a projection is "at sequence N" whether or not event N concerned it.
 */
export interface EventFilter<E> {
  /** The event types wanted; undefined for every type. Checked before decoding, so skipping is cheap. */
  readonly types?: ReadonlySet<string>
  /** Turns a wanted envelope into the typed event `apply` takes; throws on a corrupt event. */
  readonly decode: (envelope: Envelope) => E
}

export interface Projection<V, E = Envelope> {
  /** Stable name: the read model's identity in the store (lower-case words joined by -). */
  readonly name: string
  /** Bump on any change to `apply` or the row layout: the runner then rebuilds from zero. */
  readonly version: number
  readonly filter: EventFilter<E>
  /** The rows before any event (usually none). */
  readonly init: readonly RowChange<V>[]
  // Method syntax on purpose: it lets a list hold projections of different row types (AnyProjection).
  apply(state: RowReader<V>, event: E, envelope: Envelope): readonly RowChange<V>[]
  /** Row value to JSON: must be total and deterministic (bigint as decimal strings), since rows are stored as JCS. */
  encode(value: V): JsonValue
  decode(json: JsonValue): V
}

/** A projection of any row type, for lists and registries. */
export type AnyProjection = Projection<unknown, unknown>

export const PROJECTION_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/

/** Every envelope, as stored. */
export const allEnvelopes: EventFilter<Envelope> = { decode: (envelope) => envelope }

export function wants(filter: EventFilter<unknown>, envelope: Envelope): boolean {
  return filter.types === undefined || filter.types.has(envelope.type)
}
