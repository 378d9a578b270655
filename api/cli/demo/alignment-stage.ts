/**
 * An RLHF round: the mandate's proposer opens it over model outputs, staked validators commit to
 * hidden ratings and reveal them after the commit window; the consensus is the (stake × trust)-weighted
 * median, and the validator far from it is penalized. The round rates the outputs of the
 * checkpoint the training stage recorded.
 */
import { commitmentOf } from '../../../domain/economy/index.js'
import { tokens } from '../../../domain/governance/index.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { nativeSha256 } from '../../../infrastructure/crypto/native.js'
import { DEMO_ECONOMICS } from './governance-stage.js'
import { formatTokens } from '../format.js'
import type { DemoContext } from './context.js'
import type { StageReport } from './stages.js'

const SAMPLES = [
  ['Route: 54-year-old, chest pain ruled out, stress test booked.', 'cardiology clinic'],
  ['Route: 80-year-old, fall at home, no fracture, lives alone.', 'community falls team'],
] as const

export async function alignmentStage(ctx: DemoContext): Promise<StageReport> {
  const { alice, bob, carol, frank } = ctx.actors
  const mandateId = ctx.shared.get('mandateId') ?? ''
  const samples = []
  for (const [prompt, output] of SAMPLES) {
    samples.push({ promptHash: (await ctx.putBlob(new TextEncoder().encode(prompt))).hash, outputHash: (await ctx.putBlob(new TextEncoder().encode(output))).hash })
  }
  const trained = ctx.shared.get('checkpoint')
  const checkpoint = trained ?? toHex(nativeSha256(new TextEncoder().encode('reference-softmax-classifier')))
  const roundId = await ctx.run(alice.signer, { type: 'OpenFeedbackRound', payload: { mandateId, checkpoint, samples, rewardPool: tokens(1_000) } })
  // Bob and Carol rate what they see; Frank rates at random and far from everyone.
  const ratings = [[bob, [6, 5]], [carol, [6, 6]], [frank, [1, 2]]] as const
  const salts = new Map(ratings.map(([v]) => [v.key, toHex(nativeSha256(new TextEncoder().encode(`salt ${v.name} ${roundId}`))).slice(0, 32)]))
  for (const [v, scores] of ratings) {
    await ctx.run(v.signer, { type: 'CommitRatings', payload: { roundId, commitment: commitmentOf(roundId, v.key, [...scores], salts.get(v.key) ?? '') } })
  }
  const early = await ctx.refusal(bob.signer, { type: 'RevealRatings', payload: { roundId, scores: [6, 5], salt: salts.get(bob.key) ?? '' } })
  await ctx.wait(DEMO_ECONOMICS.commitWindowMs + 100)
  const mismatch = await ctx.refusal(frank.signer, { type: 'RevealRatings', payload: { roundId, scores: [6, 6], salt: salts.get(frank.key) ?? '' } })
  for (const [v, scores] of ratings) await ctx.run(v.signer, { type: 'RevealRatings', payload: { roundId, scores: [...scores], salt: salts.get(v.key) ?? '' } })
  await ctx.wait(DEMO_ECONOMICS.revealWindowMs + 100)
  await ctx.run(carol.signer, { type: 'CloseFeedbackRound', payload: { roundId } })
  let closed: { consensus: number[]; results: { validator: string; reward: string; penalized: boolean }[] } | undefined
  for await (const envelope of ctx.events()) {
    if (envelope.type === 'FeedbackRoundClosed' && (envelope.data as { roundId?: string }).roundId === roundId) closed = envelope.data as typeof closed
  }
  const results = (closed?.results ?? []).map((r) => `${ctx.nameOf(r.validator)} ${r.penalized ? 'penalized' : `earns ${formatTokens(BigInt(r.reward))} OPEN`}`)
  return {
    name: 'RLHF round with an honest and a dishonest validator',
    details: [
      `round ${roundId.slice(0, 8)}… on ${trained === undefined ? "the base model's outputs (no trained checkpoint)" : `the outputs of checkpoint ${trained.slice(0, 8)}…`}, 2 samples, pool 1,000 OPEN`,
      `bob, carol and frank committed to hidden ratings; revealing before the commit window closed refused (${early})`,
      `frank revealing other scores than he committed to: refused (${mismatch})`,
      `consensus per sample (median weighted by stake × trust): ${JSON.stringify(closed?.consensus ?? [])}; ${results.join(', ')}`,
      `frank's mean deviation is beyond the tolerance: 2% of his validator stake slashed to the treasury, citing the round`,
      'the accepted ratings became preference dataset version 1 for the next fine-tune',
    ],
  }
}
