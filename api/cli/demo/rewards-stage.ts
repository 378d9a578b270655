/**
 * The reward epoch: one pure function of the log splits the epoch's pools exactly (largest
 * remainder), and the payouts and the map's hash are appended. Then the summary of who earned
 * what and who was slashed, and why, read back from the events.
 */
import type { DemoContext } from './context.js'
import { DEMO_ECONOMICS } from './governance-stage.js'
import { formatTokens } from '../format.js'
import type { StageReport } from './stages.js'

interface Slash {
  account: string
  amount: string
  evidence: { kind: string; rule?: string; sequences?: number[] }
}

export async function rewardsStage(ctx: DemoContext): Promise<StageReport> {
  const mandateId = ctx.shared.get('mandateId') ?? ''
  await ctx.wait(DEMO_ECONOMICS.rewardEpochMs + 100)
  await ctx.run(ctx.actors.bob.signer, { type: 'CloseRewardEpoch', payload: { mandateId } })
  const details: string[] = []
  for await (const envelope of ctx.events()) {
    if (envelope.type === 'RewardEpochClosed') {
      const epoch = envelope.data as { epoch: number; dataPool: string; validatorPool: string; roundRewards: string; payouts: { recipient: string; amount: string }[]; mapHash: string }
      details.push(
        `epoch ${epoch.epoch} (sequence ${envelope.sequence}): data pool ${formatTokens(BigInt(epoch.dataPool))}, validator pool ${formatTokens(BigInt(epoch.validatorPool))}, round rewards ${formatTokens(BigInt(epoch.roundRewards))} OPEN; map hash ${epoch.mapHash.slice(0, 16)}…`,
      )
      for (const payout of epoch.payouts) details.push(`  paid ${ctx.nameOf(payout.recipient).padEnd(6)} ${formatTokens(BigInt(payout.amount)).padStart(9)} OPEN`)
    }
    if (envelope.type === 'StakeSlashed') {
      const slash = envelope.data as unknown as Slash
      const why = slash.evidence.kind === 'rule' ? `${slash.evidence.rule ?? ''}, evidence at sequences ${(slash.evidence.sequences ?? []).join(', ')}` : slash.evidence.kind
      details.push(`slashed ${ctx.nameOf(slash.account)} ${formatTokens(BigInt(slash.amount))} OPEN to the treasury (sequence ${envelope.sequence}): ${why}`)
    }
  }
  return { name: 'reward epoch and slashing', details }
}
