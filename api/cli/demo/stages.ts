/** The lifecycle stages the demo drives, in order; a stage that is not built says so. */
import { alignmentStage } from './alignment-stage.js'
import type { DemoContext } from './context.js'
import { dataStage } from './data-stage.js'
import { governanceStage } from './governance-stage.js'
import { rewardsStage } from './rewards-stage.js'
import { trainingStage } from './training-stage.js'

export interface StageReport {
  readonly name: string
  readonly built: boolean
  readonly details: readonly string[]
}

export type Stage = (ctx: DemoContext) => Promise<StageReport>

const notBuilt = (name: string): Stage => async () => ({ name, built: false, details: [] })

export const lifecycleStages: readonly Stage[] = [
  governanceStage,
  dataStage,
  trainingStage,
  alignmentStage,
  rewardsStage,
  notBuilt('deployment and usage'),
]
