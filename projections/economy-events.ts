/**
 * Filters for projections over the economy vertical's own events (datanets, alignment, rewards):
 * each wanted envelope is decoded with the vertical's codecs, typed by the types asked for.
 */
import { economy, type EconomyEvent } from '../domain/economy/index.js'
import type { EventFilter } from './projection.js'

export type EconomyEventOf<T extends EconomyEvent['type']> = Extract<EconomyEvent, { type: T }>

export function economyEvents<T extends EconomyEvent['type']>(types: readonly T[]): EventFilter<EconomyEventOf<T>> {
  return {
    types: new Set<string>(types),
    decode(envelope) {
      const event = economy.parseEvent(envelope.type, envelope.data)
      if (event === undefined) throw new TypeError(`sequence ${envelope.sequence}: ${envelope.type} is not an economy event`)
      return event as EconomyEventOf<T>
    },
  }
}
