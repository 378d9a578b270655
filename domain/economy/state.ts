/**
 * The combined state: governance's (balances, stakes, mandates, escrow) with the data, alignment
 * and rewards states beside it, folded from one log in one pass. Money lives only in the
 * governance part, so conservation of OPEN is governance's `circulating`, whatever these rules do.
 */
import type { AlignmentState } from '../alignment/state.js'
import { initialAlignmentState } from '../alignment/state.js'
import { initialDataState, type DataState } from '../datanets/state.js'
import type { EconomicsParams } from './params.js'
import { initialState as initialGovernance, accountOf, type GovernanceState } from '../governance/state.js'
import { rolesOf } from '../governance/roles.js'
import { initialRewardsState, type RewardsState } from '../rewards/state.js'
import { initialTrainingState, type TrainingState } from '../training/state.js'
import { initialDeploymentState, type DeploymentState } from '../deployment/state.js'
import { initialAppealsState, type AppealsState } from '../appeals/state.js'
import { initialTrustState, type TrustState } from '../trust/state.js'
import { initialConsentState, type ConsentState } from '../consent/state.js'

export interface EconomyState {
  readonly governance: GovernanceState
  readonly data: DataState
  readonly alignment: AlignmentState
  readonly rewards: RewardsState
  readonly training: TrainingState
  readonly deployment: DeploymentState
  /** Slashes and usage batches that may be contested, and the appeals and disputes filed (issue 17). */
  readonly appeals: AppealsState
  /** Validator trust in millionths, per validator observed so far (domain/trust). */
  readonly trust: TrustState
  /** Withdrawn contributions per sealed version, and deployments suspended for consent (domain/consent). */
  readonly consent: ConsentState
  /** Evidence already slashed for, as `rule:subject:account`: no slash twice for the same evidence. */
  readonly slashed: ReadonlySet<string>
}

export const initialEconomyState: EconomyState = {
  governance: initialGovernance,
  data: initialDataState,
  alignment: initialAlignmentState,
  rewards: initialRewardsState,
  training: initialTrainingState,
  deployment: initialDeploymentState,
  appeals: initialAppealsState,
  trust: initialTrustState,
  consent: initialConsentState,
  slashed: new Set(),
}

export function economicsOf(state: EconomyState): EconomicsParams | undefined {
  return state.governance.genesis?.params.economics
}

/** The validator stakes that count (locked, not unbonding), in stake-id order, and their sum. */
export function validatorStakes(state: EconomyState, key: string): { readonly ids: readonly number[]; readonly total: bigint } {
  const ids: number[] = []
  let total = 0n
  for (const stake of [...accountOf(state.governance, key).stakes.values()].sort((a, b) => a.id - b.id)) {
    if (stake.purpose !== 'validator' || stake.unbondRequestedAt !== null) continue
    ids.push(stake.id)
    total += stake.amount
  }
  return { ids, total }
}

export function isValidator(state: EconomyState, key: string): boolean {
  const genesis = state.governance.genesis
  return genesis !== null && rolesOf(state.governance, key, genesis.params).includes('validator')
}

export function evidenceKey(rule: string, subject: string, account: string): string {
  return `${rule}:${subject}:${account}`
}
