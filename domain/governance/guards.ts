/** Checks several deciders share, each a refusal or undefined. */
import { domainError } from '../decider.js'
import type { GovernanceError } from './errors.js'
import type { GovernanceState } from './state.js'

export function unregistered(state: GovernanceState, key: string): GovernanceError | undefined {
  return state.identities.has(key) ? undefined : domainError('not-registered', 'the actor has no registered identity', { actor: key })
}

export function shortOf(code: 'insufficient-open' | 'insufficient-gopen', have: bigint, need: bigint): GovernanceError | undefined {
  if (have >= need) return undefined
  const what = code === 'insufficient-open' ? 'OPEN' : 'gOPEN'
  return domainError(code, `needs ${need} base units of ${what}, has ${have}`, { have: have.toString(), need: need.toString() })
}
