/** What the trust rules remember: each observed validator's trust; a validator never observed has the genesis `trustInitial`. */
import type { Recorded } from '../decider.js'
import type { EconomyState } from '../economy/state.js'
import { put } from '../persistent.js'
import type { TrustEvent } from './codecs.js'

export type TrustState = ReadonlyMap<string, number>

export const initialTrustState: TrustState = new Map()

export function trustOf(state: EconomyState, validator: string): number {
  return state.trust.get(validator) ?? state.governance.genesis?.params.economics.trustInitial ?? 0
}

export function evolveTrust(state: TrustState, recorded: Recorded<TrustEvent>): TrustState {
  let next = state
  for (const u of recorded.event.data.updates) next = put(next, u.validator, u.after)
  return next
}
