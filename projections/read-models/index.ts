/**
 * Every read model the runner keeps, each in its own file: the ledger, governance (accounts,
 * proposals of every kind, mandates, parameters with their history, appeals and disputes), data (datanets, reward maps, validator reputation), training jobs, the
 * model registry with its full history, and usage with its fee splits.
 */
import type { AnyProjection } from '../projection.js'
import { accountsProjection } from './accounts.js'
import { ledgerProjection } from './ledger.js'
import { mandatesProjection } from './mandates.js'
import { proposalsProjection } from './proposals.js'
import { datanetsProjection } from './datanets.js'
import { rewardMapsProjection } from './reward-maps.js'
import { validatorsProjection } from './validators.js'
import { trainingProjection } from './training.js'
import { modelsProjection } from './models.js'
import { usageProjection } from './usage.js'
import { parametersProjection } from './parameters.js'
import { appealsProjection } from './appeals.js'

export const readModels: readonly AnyProjection[] = [
  ledgerProjection,
  accountsProjection,
  proposalsProjection,
  mandatesProjection,
  parametersProjection,
  appealsProjection,
  datanetsProjection,
  rewardMapsProjection,
  validatorsProjection,
  trainingProjection,
  modelsProjection,
  usageProjection,
] as readonly AnyProjection[]

export function readModel(name: string): AnyProjection | undefined {
  return readModels.find((projection) => projection.name === name)
}

export {
  accountsProjection,
  appealsProjection,
  parametersProjection,
  datanetsProjection,
  ledgerProjection,
  mandatesProjection,
  modelsProjection,
  proposalsProjection,
  rewardMapsProjection,
  trainingProjection,
  usageProjection,
  validatorsProjection,
}
