/** The lifecycle stages the demo drives, in order. */
import { alignmentStage } from './alignment-stage.js'
import { appealStage } from './appeal-stage.js'
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

/**
 * Runs the stages and returns their reports in the order they are told. The appeal starts once the
 * data stage has slashed the spam bond it contests and runs alongside training, RLHF and the reward
 * epoch: it mostly waits out its vote's windows, and waiting them out in turn would add seconds
 * to the demo. Its report comes after the reward epoch's account of the slashes.
 */
export async function runLifecycle(ctx: DemoContext): Promise<StageReport[]> {
  const governance = await governanceStage(ctx)
  const data = await dataStage(ctx)
  const appeal = appealStage(ctx)
  // Awaited below; until then a failure must not surface as an unhandled rejection.
  appeal.catch(() => undefined)
  const training = await trainingStage(ctx)
  const alignment = await alignmentStage(ctx)
  const rewards = await rewardsStage(ctx)
  const deployment = await deploymentStage(ctx)
  return [governance, data, training, alignment, rewards, await appeal, deployment]
}
