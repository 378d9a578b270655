/**
 * Filters for projections over the economy vertical's events (governance's included: datanets,
 * alignment, rewards, training, deployments): each wanted envelope is decoded with that type's own
 * codec, and typed by the types asked for.
 */
import type { EconomyEvent } from '../domain/economy/index.js'
import { decodeEconomy } from './catalogue.js'
import type { EventFilter } from './projection.js'

export type EconomyEventOf<T extends EconomyEvent['type']> = Extract<EconomyEvent, { type: T }>

export function economyEvents<T extends EconomyEvent['type']>(types: readonly T[]): EventFilter<EconomyEventOf<T>> {
  return {
    types: new Set<string>(types),
    decode(envelope) {
      const event = decodeEconomy(envelope)
      if (event === undefined) throw new TypeError(`sequence ${envelope.sequence}: ${envelope.type} is not an economy event`)
      return event as EconomyEventOf<T>
    },
  }
}
