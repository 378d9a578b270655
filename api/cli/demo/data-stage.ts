/**
 * Datanet and validation: validators stake, the mandate opens a datanet, contributors submit
 * blobs they sign for (one of them spam, with a bond), staked validators judge (one of them
 * dishonestly), the outcomes are final, and the accepted items are sealed as dataset version 1.
 */
import { contributionIdOf } from '../../../domain/economy/index.js'
import { tokens } from '../../../domain/governance/index.js'
import { formatTokens, short } from '../format.js'
import type { Actor, DemoContext } from './context.js'
import type { StageReport } from './stages.js'

/** Who submits, the follow-up team a clinician assigned (the label the model learns), and the note. */
const NOTES = [
  ['erin', 'respiratory', 'Respiratory ward, lungs and breathing: community-acquired pneumonia, improved on oral antibiotics; respiratory clinic in 2 weeks.'],
  ['erin', 'cardiology', 'Cardiology ward, heart and rhythm: atrial fibrillation, rate controlled, anticoagulation started; cardiology clinic in 4 weeks.'],
  ['grace', 'orthopaedics', 'Orthopaedic ward, bones and joints: elective knee replacement, mobilising with frame, wound clean; orthopaedic review at 6 weeks.'],
] as const

export async function dataStage(ctx: DemoContext): Promise<StageReport> {
  const { alice, bob, carol, dave, frank } = ctx.actors
  const mandateId = ctx.shared.get('mandateId') ?? ''
  for (const validator of [bob, carol, frank]) await ctx.run(validator.signer, { type: 'LockStake', payload: { purpose: 'validator', amount: tokens(10_000) } })
  await ctx.run(alice.signer, { type: 'OpenDatanet', payload: { mandateId, mediaTypes: ['text/plain'], licences: ['CC-BY-4.0', 'CC0-1.0'] } })

  const submit = async (who: Actor, content: string, licence: string, label?: string) => {
    const blob = await ctx.putBlob(new TextEncoder().encode(content))
    const metadata = label === undefined ? { lang: 'en' } : { lang: 'en', label }
    const payload = { datanetId: mandateId, contentHash: blob.hash, byteLength: blob.byteLength, mediaType: 'text/plain', licence, metadata, bond: true }
    await ctx.run(who.signer, { type: 'SubmitContribution', payload })
    return { id: contributionIdOf(mandateId, blob.hash), payload }
  }
  const good = []
  for (const [name, label, note] of NOTES) good.push(await submit(ctx.actors[name], note, name === 'grace' ? 'CC0-1.0' : 'CC-BY-4.0', label))
  const spam = await submit(dave, 'BUY CHEAP WATCHES NOW '.repeat(12), 'CC0-1.0')
  const duplicate = await ctx.refusal(frank.signer, { type: 'SubmitContribution', payload: { ...(good[0]?.payload ?? spam.payload), bond: false } })

  const verdict = (validator: Actor, contributionId: string, decision: 'accept' | 'reject' | 'spam', quality: number) =>
    ctx.run(validator.signer, { type: 'CastVerdict', payload: { contributionId, decision, quality, relevance: quality, reason: decision === 'spam' ? 'advertising, not a clinical note' : 'judged' } })
  // Bob and Carol judge honestly; Frank rejects the good notes and accepts the spam.
  for (const [i, item] of good.entries()) {
    await verdict(bob, item.id, 'accept', 80 + i * 5)
    await verdict(carol, item.id, 'accept', 70 + i * 10)
    await verdict(frank, item.id, 'reject', 10)
  }
  for (const [validator, decision] of [[bob, 'spam'], [carol, 'spam'], [frank, 'accept']] as const) await verdict(validator, spam.id, decision, 5)
  const again = await ctx.refusal(bob.signer, { type: 'CastVerdict', payload: { contributionId: spam.id, decision: 'accept', quality: 90, relevance: 90, reason: 'changed my mind' } })
  for (const item of [...good, spam]) await ctx.run(carol.signer, { type: 'FinalizeContribution', payload: { contributionId: item.id } })
  await ctx.run(alice.signer, { type: 'SealDatasetVersion', payload: { datanetId: mandateId } })

  const state = await ctx.state()
  const datanet = state.data.datanets.get(mandateId)
  const accepted = datanet?.lastVersion ?? []
  return {
    name: 'datanet, contributions (one of them spam), validation, dataset version',
    details: [
      `validators bob, carol and frank each locked 10,000 OPEN; datanet ${short(mandateId)} accepts text/plain under CC-BY-4.0 or CC0-1.0`,
      `${good.length + 1} contributions signed by their contributors (bond 100 OPEN each); a duplicate of erin's note refused (${duplicate})`,
      `frank rejected the good notes and accepted dave's spam; bob changing a verdict refused (${again})`,
      `accepted: ${accepted.length} notes; dave's spam rejected and its bond slashed to the treasury`,
      `dataset version 1 sealed: ${accepted.length} contributions under one RFC 6962 Merkle root`,
      `treasury now holds ${formatTokens(state.governance.treasury)} OPEN`,
    ],
  }
}
