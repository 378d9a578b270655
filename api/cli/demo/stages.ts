/** The lifecycle stages the demo drives, in order. */
import { alignmentStage } from './alignment-stage.js'
import type { DemoContext } from './context.js'
import { dataStage } from './data-stage.js'
import { governanceStage } from './governance-stage.js'
import { rewardsStage } from './rewards-stage.js'
import { trainingStage } from './training-stage.js'
import { deploymentStage } from './deployment-stage.js'

export interface StageReport {
  readonly name: string
  readonly details: readonly string[]
}

export type Stage = (ctx: DemoContext) => Promise<StageReport>

export const lifecycleStages: readonly Stage[] = [
  governanceStage,
  dataStage,
  trainingStage,
  alignmentStage,
  rewardsStage,
  deploymentStage,
]
