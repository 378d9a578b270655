/**
 * Every read model the runner keeps. Extension point: each vertical's issue adds its projections
 * here (datanets and contributions, training jobs, the model registry with its full history,
 * reward maps per epoch, validator reputation, usage and fee splits), each in its own file.
 */
import type { AnyProjection } from '../projection.js'
import { accountsProjection } from './accounts.js'
import { ledgerProjection } from './ledger.js'
import { mandatesProjection } from './mandates.js'
import { proposalsProjection } from './proposals.js'
import { datanetsProjection } from './datanets.js'
import { rewardMapsProjection } from './reward-maps.js'
import { validatorsProjection } from './validators.js'

export const readModels: readonly AnyProjection[] = [
  ledgerProjection,
  accountsProjection,
  proposalsProjection,
  mandatesProjection,
  datanetsProjection,
  rewardMapsProjection,
  validatorsProjection,
] as readonly AnyProjection[]

export function readModel(name: string): AnyProjection | undefined {
  return readModels.find((projection) => projection.name === name)
}

export { accountsProjection, datanetsProjection, ledgerProjection, mandatesProjection, proposalsProjection, rewardMapsProjection, validatorsProjection }
