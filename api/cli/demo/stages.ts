/** The lifecycle stages the demo drives, in order; a stage that is not built says so. */
import type { DemoContext } from './context.js'
import { governanceStage } from './governance-stage.js'

export interface StageReport {
  readonly name: string
  readonly built: boolean
  readonly details: readonly string[]
}

export type Stage = (ctx: DemoContext) => Promise<StageReport>

const notBuilt = (name: string): Stage => async () => ({ name, built: false, details: [] })

export const lifecycleStages: readonly Stage[] = [
  governanceStage,
  notBuilt('datanet, contributions (one of them spam), validation, dataset version'),
  notBuilt('training and checkpoints'),
  notBuilt('RLHF round with an honest and a dishonest validator'),
  notBuilt('reward epoch and slashing'),
  notBuilt('deployment and usage'),
]
