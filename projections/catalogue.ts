/**
 * Decoding envelopes into typed events. Each vertical's catalogue plugs in here: today governance
 * and the ledger's own anchors; datanets, training, the model registry, rewards and usage add their
 * codecs as their issues land, and projections and subscriptions then see those types decoded.
 */
import type * as t from 'io-ts'
import { decodeWith } from '../domain/codec.js'
import { AnchorDataC, type AnchorData } from '../domain/ledger/anchor.js'
import type { Envelope } from '../domain/ledger/envelope.js'
import { ANCHOR_TYPE } from '../domain/ledger/names.js'
import type { JsonValue } from '../domain/json.js'
import { GOVERNANCE_EVENT_TYPES, GovernanceEventC, type EventOf, type GovernanceEvent, type GovernanceEventType } from '../domain/governance/events.js'
import type { EventFilter } from './projection.js'

export interface AnchorEvent {
  readonly type: typeof ANCHOR_TYPE
  readonly data: AnchorData
}

/** An event of a type no catalogue claims yet: kept as recorded. */
export interface OtherEvent {
  readonly type: string
  readonly data: JsonValue
  readonly known: false
}

export type KnownEvent = GovernanceEvent | AnchorEvent
export type KnownType = KnownEvent['type']
export type EventOfType<T extends KnownType> = Extract<KnownEvent, { type: T }>

export const KNOWN_TYPES: ReadonlySet<string> = new Set([...GOVERNANCE_EVENT_TYPES, ANCHOR_TYPE])

function decodeOrThrow<A>(codec: t.Type<A, unknown, unknown>, envelope: Envelope): A {
  const decoded = decodeWith(codec, envelope.data)
  if (!decoded.ok) throw new TypeError(`sequence ${envelope.sequence}: a recorded ${envelope.type} does not decode: ${decoded.error}`)
  return decoded.value
}

// One codec per type: decoding with the whole union would try every member in turn, and a
// rebuild decodes every event, so that would dominate its cost.
const governanceCodecs: ReadonlyMap<string, t.Type<GovernanceEvent, unknown, unknown>> = new Map(
  GovernanceEventC.types.map((codec) => [codec.name, codec as t.Type<GovernanceEvent, unknown, unknown>]),
)

function decodeGovernance(envelope: Envelope): GovernanceEvent | undefined {
  const codec = governanceCodecs.get(envelope.type)
  if (codec === undefined) return undefined
  const decoded = decodeWith(codec, { type: envelope.type, data: envelope.data })
  if (!decoded.ok) throw new TypeError(`sequence ${envelope.sequence}: a recorded ${envelope.type} does not decode: ${decoded.error}`)
  return decoded.value
}

/** The typed event an envelope holds; throws if a known type does not decode (a corrupt log). */
export function decodeEvent(envelope: Envelope): KnownEvent | OtherEvent {
  if (envelope.type === ANCHOR_TYPE) return { type: ANCHOR_TYPE, data: decodeOrThrow(AnchorDataC, envelope) }
  return decodeGovernance(envelope) ?? { type: envelope.type, data: envelope.data, known: false }
}

/** A projection filter that sees only the given governance types, decoded and typed. */
export function governanceEvents<T extends GovernanceEventType>(types: readonly T[]): EventFilter<EventOf<T>> {
  return {
    types: new Set(types),
    decode: (envelope) => decodeGovernance(envelope) as EventOf<T>,
  }
}
