/** The lifecycle stages the demo drives, in order; a stage that is not built says so. */
import type { EventStore } from '../../../domain/ports/event-store.js'

export interface StageReport {
  readonly name: string
  readonly built: boolean
  readonly details: readonly string[]
}

export type Stage = (store: EventStore) => Promise<StageReport>

const notBuilt = (name: string): Stage => async () => ({ name, built: false, details: [] })

export const lifecycleStages: readonly Stage[] = [
  notBuilt('genesis, identities, OPEN and gOPEN, delegation'),
  notBuilt('proposal with stake, votes, mandate'),
  notBuilt('datanet, contributions (one of them spam), validation, dataset version'),
  notBuilt('training and checkpoints'),
  notBuilt('RLHF round with an honest and a dishonest validator'),
  notBuilt('reward epoch and slashing'),
  notBuilt('deployment and usage'),
]
