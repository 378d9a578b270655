/**
 * Training and checkpoints: labelled notes join the datanet (validated, sealed as version 2),
 * Alice asks for a training job through the API, and a trainer with its own key and a trainer
 * stake, running in the demo process against the same data directory, claims it (an unstaked key
 * is refused), verifies every blob and the version's root, trains the reference classifier, and
 * records checkpoints (their files published to the blob store), the evaluation (judged by the
 * ledger against the mandate's rubric), the TracIn attribution, and the completion. Then two
 * staked validators fetch the checkpoint, re-run the evaluation and attest it, and anyone settles
 * it: only now is the model deployable and does its attribution weigh the reward epoch.
 * Commands go through the HTTP API like everyone else's.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { contributionIdOf } from '../../../domain/economy/index.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { checkEvaluation } from '../../../trainer/attest.js'
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { referenceExecutor } from '../../../trainer/executors/reference/executor.js'
import { lineageSink } from '../../../trainer/lineage.js'
import { createTrainer } from '../../../trainer/trainer.js'
import { short } from '../format.js'
import { apiLedger, type Actor, type DemoContext } from './context.js'
import type { StageReport } from './stages.js'

const NOTES: readonly (readonly [string, string])[] = [
  ['cardiology', 'Cardiology ward, heart: Chest pain on exertion, troponin negative, ECG shows no ischaemia; started statin, stress test booked.'],
  ['cardiology', 'Cardiology ward, heart: Admitted with atrial fibrillation and palpitations; rate controlled, anticoagulation started, cardiology review.'],
  ['cardiology', 'Cardiology ward, heart: Stable angina, new stent to the left anterior descending artery; dual antiplatelet therapy for a year.'],
  ['cardiology', 'Cardiology ward, heart: Heart failure exacerbation with ankle swelling; diuretics increased, echo shows reduced ejection fraction.'],
  ['respiratory', 'Respiratory ward, lungs and breathing: Community-acquired pneumonia with productive cough; oxygen weaned, oral antibiotics, chest x-ray in six weeks.'],
  ['respiratory', 'Respiratory ward, lungs and breathing: Asthma attack with wheeze; nebulised salbutamol, steroid course, inhaler technique reviewed.'],
  ['respiratory', 'Respiratory ward, lungs and breathing: COPD exacerbation, sputum culture sent, spirometry next month, smoking cessation referral.'],
  ['respiratory', 'Respiratory ward, lungs and breathing: Shortness of breath from pleural effusion; drained, cytology pending, lung clinic review.'],
  ['orthopaedics', 'Orthopaedic ward, bones and joints: Wrist fracture reduced and put in a cast; fracture clinic in one week, physiotherapy after.'],
  ['orthopaedics', 'Orthopaedic ward, bones and joints: Elective hip replacement, mobilising with frame, wound clean; orthopaedic review at six weeks.'],
  ['orthopaedics', 'Orthopaedic ward, bones and joints: Ankle sprain with ligament injury; splint, weight bearing as tolerated, physiotherapy referral.'],
  ['orthopaedics', 'Orthopaedic ward, bones and joints: Knee arthroscopy for torn meniscus; crutches for a week, joint exercises, clinic in a month.'],
  ['cardiology', 'Cardiology ward, heart: Palpitations with a fast irregular pulse, ECG confirms atrial flutter; cardioversion planned, heart rate now controlled.'],
  ['cardiology', 'Cardiology ward, heart: Raised blood pressure and chest tightness, troponin flat; echo normal, statin and ACE inhibitor started, cardiology follow-up.'],
  ['respiratory', 'Respiratory ward, lungs and breathing: Breathless with a wheeze after a viral infection; peak flow improving, steroid inhaler started, asthma nurse review.'],
  ['respiratory', 'Respiratory ward, lungs and breathing: Chronic cough and sputum, chest x-ray shows bronchiectasis; physiotherapy for airway clearance, lung function tests booked.'],
  ['orthopaedics', 'Orthopaedic ward, bones and joints: Hip fracture after a fall, fixed with a dynamic screw; mobilising with physiotherapy, bone density scan requested.'],
  ['orthopaedics', 'Orthopaedic ward, bones and joints: Shoulder dislocation reduced in the emergency department; sling for two weeks, then joint strengthening exercises.'],
]


async function addLabelledNotes(ctx: DemoContext, mandateId: string): Promise<number> {
  const { bob, carol, frank, erin, grace } = ctx.actors
  for (const [i, [label, text]] of NOTES.entries()) {
    const blob = await ctx.putBlob(new TextEncoder().encode(text))
    const who = i % 2 === 0 ? erin : grace
    await ctx.run(who.signer, { type: 'SubmitContribution', payload: { datanetId: mandateId, contentHash: blob.hash, byteLength: blob.byteLength, mediaType: 'text/plain', licence: 'CC-BY-4.0', metadata: { lang: 'en', label }, bond: false } })
    const contributionId = contributionIdOf(mandateId, blob.hash)
    for (const v of [bob, carol, frank]) await ctx.run(v.signer, { type: 'CastVerdict', payload: { contributionId, decision: 'accept', quality: 75, relevance: 80, reason: 'labelled clinical note' } })
    await ctx.run(carol.signer, { type: 'FinalizeContribution', payload: { contributionId } })
  }
  await ctx.run(ctx.actors.alice.signer, { type: 'SealDatasetVersion', payload: { datanetId: mandateId } })
  return NOTES.length
}

/** Bob and Frank (staked validators) fetch the checkpoint's files, re-run the evaluation and attest it; Carol settles. */
async function attest(ctx: DemoContext, jobId: string, trainer: Actor['signer']): Promise<string[]> {
  const { alice, bob, frank, carol } = ctx.actors
  const blobs = createBlobStore(blobDir(ctx.dataDir))
  const executors = new Map([['reference', referenceExecutor]])
  const state = await ctx.state()
  const checkpoint = state.training.jobs.get(jobId)?.checkpoints.at(-1)?.root ?? ''
  const details: string[] = []
  const early = await ctx.refusal(alice.signer, { type: 'DeployModel', payload: { jobId, checkpoint, operator: alice.key, endpoint: 'https://example.invalid/v1', pricing: { inputPer1k: 1n, outputPer1k: 1n } } })
  details.push(`alice tries to deploy the self-reported checkpoint ${short(checkpoint)} at once: refused (${early})`)
  for (const validator of [bob, frank]) {
    const check = await checkEvaluation(state, jobId, blobs, executors, { checkpoint })
    await ctx.run(validator.signer, { type: 'AttestEvaluation', payload: check.attestation })
    const shown = Object.entries(check.attestation.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`).join(', ')
    details.push(`${validator.name} (staked validator) fetched the checkpoint's files from the blob store, checked them against the root, re-ran the evaluation: ${shown}; attests (${check.agrees ? 'agrees' : 'disagrees'})`)
  }
  const own = await checkEvaluation(state, jobId, blobs, executors, { checkpoint })
  details.push(`the trainer attesting its own job: refused (${await ctx.refusal(trainer, { type: 'AttestEvaluation', payload: own.attestation })})`)
  await ctx.run(carol.signer, { type: 'SettleEvaluation', payload: { jobId, checkpoint } })
  const settled = (await ctx.state()).training.jobs.get(jobId)?.attestations.get(checkpoint)?.settled ?? 'unsettled'
  details.push(`carol settles the evaluation: ${settled} by 2 of 2 attesters (quorum 2); no stake slashed`)
  return details
}

export async function trainingStage(ctx: DemoContext): Promise<StageReport> {
  const name = 'training, checkpoints, evaluation and attribution'
  // The trainer runs in this process against the demo's data directory.
  const dir = ctx.dataDir
  const mandateId = ctx.shared.get('mandateId') ?? ''
  const added = await addLabelledNotes(ctx, mandateId)
  const trainerKey = nativeEd25519.signer(createHash('sha256').update('model-ledger demo trainer').digest())
  // Claiming needs a trainer stake: Alice sends the trainer's key OPEN, and the trainer locks 1,000 of it when it starts.
  await ctx.run(ctx.actors.alice.signer, { type: 'TransferOpen', payload: { to: toHex(trainerKey.publicKey), amount: tokens(2_000) } })
  const trainer = createTrainer({
    stake: tokens(1_000),
    ledger: apiLedger(ctx, trainerKey),
    blobs: createBlobStore(blobDir(dir)),
    workRoot: join(dir, 'training'),
    leaseMs: 60_000,
    progressMs: 1_000,
    lineage: lineageSink(join(dir, 'openlineage.jsonl')),
    executors: new Map([['reference', referenceExecutor]]),
    displayName: 'demo trainer',
  })
  const details: string[] = []
  // Which notes are held out for evaluation follows from their ids, which differ from run to run;
  // on a split the rubric fails (fewer held-out notes than minEvalExamples, or accuracy below it),
  // Alice asks again with another split, as a person would, up to five splits.
  for (let attempt = 0; attempt < 5; attempt++) {
    const hyperparameters = { epochs: 30, checkpointEvery: 10, lr: 0.5, holdOutEvery: 3 + attempt }
    const request = { type: 'RequestTraining' as const, payload: { mandateId, datasetVersion: 2, baseModel: null, executor: 'reference', hyperparameters, seed: 42 } }
    const jobId = await ctx.run(ctx.actors.alice.signer, request)
    const grace = attempt === 0 ? await ctx.refusal(ctx.actors.grace.signer, { type: 'ClaimTrainingJob', payload: { jobId, leaseMs: 24 * 60 * 60 * 1000, manifestHash: '00'.repeat(32) } }) : undefined
    const outcome = (await trainer.runOnce()).get(jobId) ?? 'not run'
    const job = (await ctx.state()).training.jobs.get(jobId)
    const last = job?.checkpoints[job.checkpoints.length - 1]
    if (last !== undefined) ctx.shared.set('checkpoint', last.root)
    if (attempt === 0) details.push(`${added} labelled notes (cardiology, respiratory, orthopaedics) validated and sealed as dataset version 2 under root ${short(job?.datasetRoot ?? '')}`)
    if (grace !== undefined) details.push(`grace, registered but with no trainer stake, tries to claim the job with a 24-hour lease: refused (${grace})`)
    details.push(
      `alice requested job ${short(jobId)} (reference softmax classifier, ${hyperparameters.epochs} epochs, seed 42, every ${hyperparameters.holdOutEvery}th note held out); the trainer ${short(toHex(trainerKey.publicKey))} claimed it with manifest ${short(job?.manifestHash ?? '')}: ${outcome}`,
      ...(job?.checkpoints ?? []).map((c) => `  checkpoint at step ${c.step}: Merkle root ${short(c.root)} (sequence ${c.sequence})`),
      `evaluation on the held-out split: ${Object.entries(job?.evaluation?.metrics ?? {}).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`).join(', ')}; rubric ${job?.evaluation?.rubric.metric ?? '?'} ${job?.evaluation?.rubric.direction === 'minimize' ? '≤' : '≥'} ${job?.evaluation?.rubric.threshold ?? '?'}: ${job?.evaluation?.passed === true ? 'passed' : 'not passed'}`,
    )
    if (job?.evaluation?.passed === true) {
      details.push(...(await attest(ctx, jobId, trainerKey)))
      break
    }
  }
  details.push(
    `TracIn attribution attested for ${(await ctx.state()).training.attribution.get(mandateId)?.size ?? 0} training contributions; the reward epoch weighs the data pool by it`,
    `OpenLineage START/COMPLETE run events in ${join(dir, 'openlineage.jsonl')}`,
  )
  return { name, details }
}
