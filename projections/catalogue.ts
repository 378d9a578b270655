/**
 * Decoding envelopes into typed events: the ledger's own anchors, governance's events, and the
 * economy vertical's (datanets, alignment, rewards, training, deployments). Projections and
 * subscriptions see these types decoded; a type no catalogue claims is passed on as recorded.
 */
import type * as t from 'io-ts'
import { decodeWith } from '../domain/codec.js'
import { ECONOMY_EVENT_CODECS, type EconomyEvent } from '../domain/economy/events.js'
import { AnchorDataC, type AnchorData } from '../domain/ledger/anchor.js'
import type { Envelope } from '../domain/ledger/envelope.js'
import { ANCHOR_TYPE } from '../domain/ledger/names.js'
import type { JsonValue } from '../domain/json.js'
import { GOVERNANCE_EVENT_TYPES, GovernanceEventC, type EventOf, type GovernanceEventType } from '../domain/governance/events.js'
import type { EventFilter } from './projection.js'

export interface AnchorEvent {
  readonly type: typeof ANCHOR_TYPE
  readonly data: AnchorData
}

/** An event of a type no catalogue claims: kept as recorded. */
export interface OtherEvent {
  readonly type: string
  readonly data: JsonValue
  readonly known: false
}

export type KnownEvent = EconomyEvent | AnchorEvent
export type KnownType = KnownEvent['type']
export type EventOfType<T extends KnownType> = Extract<KnownEvent, { type: T }>

// One codec per type: decoding with the whole union would try every member in turn, and a
// rebuild decodes every event, so that would dominate its cost.
const codecs: ReadonlyMap<string, t.Type<EconomyEvent, unknown, unknown>> = new Map(
  [...GovernanceEventC.types, ...ECONOMY_EVENT_CODECS].map((codec) => [codec.name, codec as unknown as t.Type<EconomyEvent, unknown, unknown>]),
)

export const KNOWN_TYPES: ReadonlySet<string> = new Set([...codecs.keys(), ANCHOR_TYPE])

function decodeOrThrow<A>(codec: t.Type<A, unknown, unknown>, envelope: Envelope, value: unknown): A {
  const decoded = decodeWith(codec, value)
  if (!decoded.ok) throw new TypeError(`sequence ${envelope.sequence}: a recorded ${envelope.type} does not decode: ${decoded.error}`)
  return decoded.value
}

/** The governance or economy event an envelope holds; undefined for any other type; throws if a known type does not decode. */
export function decodeEconomy(envelope: Envelope): EconomyEvent | undefined {
  const codec = codecs.get(envelope.type)
  return codec === undefined ? undefined : decodeOrThrow(codec, envelope, { type: envelope.type, data: envelope.data })
}

/** The typed event an envelope holds; throws if a known type does not decode (a corrupt log). */
export function decodeEvent(envelope: Envelope): KnownEvent | OtherEvent {
  if (envelope.type === ANCHOR_TYPE) return { type: ANCHOR_TYPE, data: decodeOrThrow(AnchorDataC, envelope, envelope.data) }
  return decodeEconomy(envelope) ?? { type: envelope.type, data: envelope.data, known: false }
}

/** A projection filter that sees only the given governance types, decoded and typed. */
export function governanceEvents<T extends GovernanceEventType>(types: readonly T[]): EventFilter<EventOf<T>> {
  for (const type of types) if (!GOVERNANCE_EVENT_TYPES.has(type)) throw new TypeError(`${type} is not a governance event`)
  return { types: new Set(types), decode: (envelope) => decodeEconomy(envelope) as EventOf<T> }
}
