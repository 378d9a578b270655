/**
 * Roles follow from the ledger, never from asking: a role is held while the state satisfies its
 * rule, and lost as soon as it does not.
 */
import type { Account, GovernanceState } from './state.js'
import { accountOf, currentVotingPower } from './state.js'
import type { GenesisParams } from './params.js'

export type Role = 'governor' | 'contributor' | 'validator' | 'trainer' | 'operator'

const STAKED_ROLES = [
  ['validator', 'validator'],
  ['contributor', 'contribution'],
  ['trainer', 'trainer'],
  ['operator', 'operator'],
] as const

/** A stake confers its role only while it is not unbonding: asking to leave is leaving. */
function holdsStake(account: Account, purpose: string, minimum: bigint): boolean {
  for (const stake of account.stakes.values()) {
    if (stake.purpose === purpose && stake.unbondRequestedAt === null && stake.amount >= minimum) return true
  }
  return false
}

export function rolesOf(state: GovernanceState, key: string, params: GenesisParams): Role[] {
  if (!state.identities.has(key)) return []
  const account = accountOf(state, key)
  const roles: Role[] = []
  if (currentVotingPower(state, key) > 0n) roles.push('governor')
  for (const [role, purpose] of STAKED_ROLES) {
    if (holdsStake(account, purpose, params.roleStakes[role])) roles.push(role)
  }
  return roles
}
