/** How much of a mandate's escrow an epoch may pay, after what rounds have been promised. */
import type { EconomyState } from '../economy/state.js'
import type { EconomicsParams } from '../economy/params.js'
import { scale } from '../governance/amounts.js'
import { sumOf } from './split.js'
import { mandateRewardsOf } from './state.js'

/** Escrow not yet promised: minus open rounds' pools and closed rounds' unpaid rewards. */
export function unreserved(state: EconomyState, mandateId: string): bigint {
  const escrowed = state.governance.mandates.get(mandateId)?.escrowed ?? 0n
  const r = mandateRewardsOf(state.rewards, mandateId)
  return escrowed - r.reserved - sumOf(r.pending.roundRewards.values())
}

export interface EpochPools {
  readonly data: bigint
  readonly validator: bigint
}

/** The epoch takes `epochShare` of the unreserved escrow; `dataShare` of that is the data pool, the rest the validators'. */
export function epochPools(state: EconomyState, mandateId: string, params: EconomicsParams): EpochPools {
  const epoch = scale(unreserved(state, mandateId), params.epochShare)
  const data = scale(epoch, params.dataShare)
  return { data, validator: epoch - data }
}
