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

export const readModels: readonly AnyProjection[] = [ledgerProjection, accountsProjection, proposalsProjection, mandatesProjection]

export function readModel(name: string): AnyProjection | undefined {
  return readModels.find((projection) => projection.name === name)
}

export { accountsProjection, ledgerProjection, mandatesProjection, proposalsProjection }
