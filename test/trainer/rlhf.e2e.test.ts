/**
 * RLHF that trains, end to end on one ledger: a LoRA SFT on a pretrained base (evaluated, attested:
 * deployable) → a round whose samples that checkpoint generated for the round's prompts with
 * recorded seeds → validators regenerate them (`model-ledger check-round`; a tampered round is
 * caught) → they rate by a scripted preference (the correct topic beats anything else) with commit
 * and reveal → the round closes into a preference dataset version → a DPO job on it with the SFT
 * checkpoint as base and reference, whose lineage (OpenLineage and the ledger's graph) cites the
 * preference version, whose evaluation reports held-out preference accuracy and margin beside the
 * task metrics, whose margin on its training pairs rises checkpoint by checkpoint (measured here
 * with the TypeScript engine), and which `reproduce` matches hash for hash; then the aligned
 * checkpoint is attested, deployed, and answers a chat completion through the gateway's LM backend.
 *
 * The SFT here is supervised training from scratch (mode sft without a base: the whole model, not
 * LoRA): on this fixture it reaches exact-match 1 in a few seconds on every split tried, where a
 * 200-step pretrain plus LoRA SFT ranged from 0 to 0.9 with the split, leaving some runs nothing to
 * rate. The DPO job is LoRA on it. Sampling at temperature 2 gives every prompt wrong answers next
 * to the right one, so each prompt yields a pair.
 * Skipped, saying so, where /usr/bin/python3 cannot import torch.
 */
import { spawnSync } from 'node:child_process'
import { pino } from 'pino'
import { GATEWAY_PATH, gatewayMount, keyHashOf, openGateway, operatorSigner } from '../../api/gateway/index.js'
import { startServer } from '../../api/http/server.js'
import { toHex } from '../../domain/crypto/hex.js'
import { acceptGrant, API_KEY, EXPIRES, PRICING, submitAs } from '../api/gateway/fixture.js'
import { createHash, randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitmentOf } from '../../domain/alignment/commitment.js'
import type { PreferenceSample, Sample } from '../../domain/alignment/codecs.js'
import { preferenceKey } from '../../domain/alignment/state.js'
import { economy, type EconomyCommand } from '../../domain/economy/index.js'
import { END, loadLmFiles, type LmWeights } from '../../domain/lm/format.js'
import { generateAll } from '../../domain/lm/generate.js'
import { createSession } from '../../domain/lm/model.js'
import { bytesOf, promptOf } from '../../domain/lm/text.js'
import { blobDir, createBlobStore } from '../../infrastructure/blobs/blob-store.js'
import { manualClock } from '../../infrastructure/clock.js'
import { createCommandHandler } from '../../infrastructure/command-handler.js'
import { openLedger } from '../../infrastructure/data-dir.js'
import { buildLineage } from '../../projections/lineage/graph.js'
import { emptyIndex, indexEnvelope } from '../../projections/lineage/index.js'
import { pairsOf } from '../../trainer/inputs.js'
import { executorsOf } from '../../trainer/open.js'
import { reproduce } from '../../trainer/reproduce.js'
import { checkRound, roundSamples, verifiedCheckpoint } from '../../trainer/rounds.js'
import { ALICE, BOB, DAVE } from '../domain/governance/fixtures.js'
import { keyOf } from '../infrastructure/command-handler-support.js'
import { tokens } from '../../domain/governance/amounts.js'
import { actor, attestJob, FAST_COST, foldDir, requestTraining, seedDataDir, signAs, syntheticItems, type Item, type Seeded } from './fixture.js'
import { dataOf, lines, logOf, ofJob, openTrainer } from './support.js'

const PYTHON = '/usr/bin/python3'
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0
if (!hasTorch) console.warn(`skipping the RLHF end-to-end test: ${PYTHON} cannot import torch (apt-get install python3-torch libopenblas0-pthread)`)

const executors = executorsOf([`torch-lm=${PYTHON} trainer/workers/torch_lm_worker.py`], 120_000)
const WINDOW_MS = 1_000
const SETTINGS = { temperature: 2000, topP: 1000, maxTokens: 16 }
const SEEDS = [1, 2, 3, 4]
const BETA = 0.1
const DPO = { mode: 'dpo', preferenceVersion: 1, steps: 40, batch: 8, lr: 0.001, beta: BETA, sftWeight: 1, checkpointEvery: 20, holdOutEvery: 3 }

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'api/cli/main.ts', 'check-round', ...args], { encoding: 'utf8' })
const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

let s: Seeded
let items: Item[]
const t0 = Date.now()
const timings: Record<string, number> = {}
const lap = (name: string, since: number): void => {
  timings[name] = Math.round((Date.now() - since) / 100) / 10
}

beforeAll(async () => {
  items = syntheticItems(90)
  // Commit and reveal windows of a second: a manual clock passes them, and the system clock of the later commands stays within the command window.
  if (hasTorch) s = await seedDataDir(items, { metric: 'exact_match', threshold: 0.1, direction: 'maximize' }, { commitWindowMs: WINDOW_MS, revealWindowMs: WINDOW_MS })
})
afterAll(() => {
  if (hasTorch) rmSync(s.dir, { recursive: true, force: true })
  console.info(`rlhf e2e timings (s): ${JSON.stringify(timings)}`)
})

async function runJob(hyperparameters: Record<string, number | string>, baseModel: string | null, lineage?: string) {
  const jobId = await requestTraining(s.dir, s.mandateId, hyperparameters, 'process:torch-lm', 7, baseModel)
  const t = await openTrainer(s.dir, 'trainer-a', executors, lineage)
  const outcome = (await t.trainer.runOnce()).get(jobId)
  await t.close()
  expect(outcome).toBe('completed')
  const events = ofJob(await logOf(s.dir), jobId)
  return { jobId, events, final: dataOf<{ finalCheckpoint: string }>(events.find((e) => e.type === 'TrainingCompleted')).finalCheckpoint }
}

/** Σ log p(answer bytes, END | the prompt template around the question), by the TypeScript engine. */
function answerLogp(m: LmWeights, question: string, answer: string): number {
  const session = createSession(m)
  const prompt = bytesOf(promptOf(question))
  const target = [...bytesOf(answer), END]
  let logits: Float32Array | undefined
  prompt.forEach((tok, i) => {
    logits = i === prompt.length - 1 ? session.feed(tok, true) : session.feed(tok)
  })
  let sum = 0
  target.forEach((tok, i) => {
    const l = logits as Float32Array
    let max = -Infinity
    for (const v of l) max = Math.max(max, v)
    let z = 0
    for (const v of l) z += Math.exp(v - max)
    sum += (l[tok] as number) - max - Math.log(z)
    if (i < target.length - 1) logits = session.feed(tok, true)
  })
  return sum
}

describe.skipIf(!hasTorch)('RLHF that trains', () => {
  it('SFT → generated round → regenerated and rated → preference version → DPO that cites it, raises the margin, reproduces, and is deployed and served', async () => {
    const blobs = createBlobStore(blobDir(s.dir))
    // 1. SFT: a pretrained base, then LoRA SFT on it; evaluated on the rubric and attested, so deployable.
    let at = Date.now()
    const sft = await runJob({ mode: 'sft', steps: 300, batch: 8, checkpointEvery: 300, lr: 0.003 }, null)
    lap('sft', at)
    at = Date.now()
    const checks = await attestJob(s.dir, sft.jobId, (x) => x, executors)
    expect(checks.every((c) => c.agrees)).toBe(true)
    lap('attest sft', at)
    const sftEvaluation = dataOf<{ passed: boolean; metrics: Record<string, number> }>(sft.events.find((e) => e.type === 'EvaluationRecorded'))
    console.info(`sft metrics: ${JSON.stringify(sftEvaluation.metrics)}`)
    expect(sftEvaluation.passed).toBe(true)

    // 2. The proposer's round: the SFT checkpoint answers 24 prompts under 4 recorded seeds each.
    at = Date.now()
    const asked = items.slice(0, 24)
    const labelOf = new Map(asked.map((i) => [sha(i.text), i.label]))
    const generated = await roundSamples(await foldDir(s.dir), sft.final, asked.map((i) => i.text), SEEDS, SETTINGS, blobs)
    lap('generate samples', at)
    const byPrompt = new Map<string, Sample[]>()
    for (const x of generated.samples) byPrompt.set(x.promptHash, [...(byPrompt.get(x.promptHash) ?? []), x])
    const outputText = async (x: Sample) => new TextDecoder().decode(await blobs.get(x.outputHash))
    const outputs = await Promise.all(generated.samples.map(outputText))
    // At least two generated outputs per prompt, each recording its seed and settings.
    expect([...byPrompt.values()].map((x) => x.length >= 2)).toEqual(asked.map(() => true))
    expect(generated.samples.every((x) => 'generation' in x)).toBe(true)
    console.info(`samples: ${generated.samples.length}, repeated: ${generated.repeated.length}; outputs: ${JSON.stringify(outputs)}`)

    const clock = manualClock(Date.now())
    const opened = await openLedger(s.dir, { exclusive: false, clock })
    const handler = createCommandHandler({ store: opened.store, vertical: economy, clock })
    const run = async (who: string, request: Omit<EconomyCommand, 'actor'>): Promise<string> => {
      const result = await handler.handle(signAs(actor(who), request, opened.store.ledgerPublicKey, clock.now()))
      if (!result.ok) throw new Error(`${request.type} refused: ${result.error.code}: ${result.error.message}`)
      return result.commandHash
    }
    const roundId = await run(ALICE, { type: 'OpenFeedbackRound', payload: { mandateId: s.mandateId, checkpoint: sft.final, samples: generated.samples, rewardPool: tokens(1_000) } })
    // A tampered round: one sample's output replaced by text the checkpoint did not generate for that seed.
    const victim = 1
    const forged = await blobs.put(new TextEncoder().encode(`${outputs[victim] ?? ''} (edited)`))
    const tampered = generated.samples.map((x, i) => (i === victim ? { ...x, outputHash: forged.hash } : x))
    const tamperedId = await run(ALICE, { type: 'OpenFeedbackRound', payload: { mandateId: s.mandateId, checkpoint: sft.final, samples: tampered, rewardPool: tokens(100) } })
    await opened.store.close()

    // 3. Validators regenerate before rating: the honest round checks out, the tampered one is caught.
    at = Date.now()
    const honest = await checkRound(await foldDir(s.dir), roundId, blobs)
    expect(honest.ok).toBe(true)
    expect(honest.regenerated).toBe(generated.samples.length)
    const caught = await checkRound(await foldDir(s.dir), tamperedId, blobs)
    expect(caught.samples.filter((x) => x.status !== 'regenerated').map((x) => [x.index, x.status])).toEqual([[victim, 'mismatch']])
    expect(caught.samples[victim]?.regenerated?.text).toBe(outputs[victim])
    lap('check rounds', at)
    at = Date.now()
    const ok = cli(roundId, '--data', s.dir)
    expect(ok.status, ok.stderr).toBe(0)
    expect(ok.stdout.split('\n').filter((l) => l.startsWith('✓ sample'))).toHaveLength(generated.samples.length)
    expect(ok.stdout).toContain(`${generated.samples.length} of ${generated.samples.length} samples regenerated by the checkpoint`)
    const bad = cli(tamperedId, '--data', s.dir)
    expect(bad.status).toBe(1)
    expect(bad.stdout.split('\n').filter((l) => l.startsWith('✗'))).toEqual([expect.stringMatching(new RegExp(`^✗ sample ${victim} \\(seed \\d+, temperature 2, top_p 1, max 16 tokens\\): the checkpoint generates `))])
    expect(bad.stderr.trim().split('\n')).toEqual([`model-ledger check-round: 1 of ${generated.samples.length} samples were not regenerated by checkpoint ${sft.final}`])
    // --json, and the rounds it cannot check, are in check-round.test.ts (no torch needed).
    lap('check-round cli', at)

    // 4. Scripted preference: the item's topic is worth 7, anything else 1; commit, reveal, close.
    const scores = await Promise.all(generated.samples.map(async (x) => ((await outputText(x)) === labelOf.get(x.promptHash) ? 7 : 1)))
    const reopened = await openLedger(s.dir, { exclusive: false, clock })
    const handler2 = createCommandHandler({ store: reopened.store, vertical: economy, clock })
    const run2 = async (who: string, request: Omit<EconomyCommand, 'actor'>): Promise<string> => {
      const result = await handler2.handle(signAs(actor(who), request, reopened.store.ledgerPublicKey, clock.now()))
      if (!result.ok) throw new Error(`${request.type} refused: ${result.error.code}: ${result.error.message}`)
      return result.commandHash
    }
    const salts = new Map([BOB, DAVE].map((v) => [v, randomBytes(16).toString('hex')]))
    for (const v of [BOB, DAVE]) await run2(v, { type: 'CommitRatings', payload: { roundId, commitment: commitmentOf(roundId, keyOf(v), scores, salts.get(v) as string) } })
    clock.advance(WINDOW_MS)
    for (const v of [BOB, DAVE]) await run2(v, { type: 'RevealRatings', payload: { roundId, scores, salt: salts.get(v) as string } })
    clock.advance(WINDOW_MS)
    await run2(DAVE, { type: 'CloseFeedbackRound', payload: { roundId } })
    await reopened.store.close()

    const state = await foldDir(s.dir)
    const preferences = state.alignment.preferenceDatasets.get(preferenceKey(s.mandateId, 1))
    expect(preferences?.roundId).toBe(roundId)
    const pairs = pairsOf(preferences?.samples as PreferenceSample[])
    console.info(`pairs: ${pairs.length}`)
    expect(pairs.length).toBeGreaterThanOrEqual(4)
    for (const p of pairs) expect(new TextDecoder().decode(await blobs.get(p.chosenHash))).toBe(labelOf.get(p.promptHash))

    // 5. DPO on the preference version, the SFT checkpoint its base and reference.
    at = Date.now()
    const lineageFile = join(s.dir, 'openlineage.jsonl')
    const dpo = await runJob(DPO, `checkpoint:${sft.final}`, lineageFile)
    lap('dpo', at)
    const evaluation = dataOf<{ passed: boolean; metrics: Record<string, number> }>(dpo.events.find((e) => e.type === 'EvaluationRecorded'))
    console.info(`dpo metrics: ${JSON.stringify(evaluation.metrics)}`)
    const m = evaluation.metrics
    const isHeld = (p: { promptHash: string; chosenHash: string; rejectedHash: string }) => parseInt(sha(`${p.promptHash}:${p.chosenHash}:${p.rejectedHash}`).slice(0, 8), 16) % DPO.holdOutEvery === 0
    const held = pairs.filter(isHeld)
    const train = pairs.filter((p) => !isHeld(p))
    expect(m.pref_pairs).toBe(held.length)
    // Held out: pairs the DPO job never trained on; the task metric stays above the rubric.
    expect(m.pref_accuracy).toBeGreaterThanOrEqual(0.75)
    expect(m.pref_margin).toBeGreaterThan(0)
    expect(evaluation.passed).toBe(true)
    for (const k of ['pref_margin', 'train_pref_margin', 'exact_match', 'base_exact_match', 'perplexity', 'base_perplexity']) expect(Number.isFinite(m[k])).toBe(true)

    // The margin on the training pairs, with the TypeScript engine on the recorded checkpoints' files: 0 at the reference, then rising.
    const dpoState = await foldDir(s.dir)
    const job = dpoState.training.jobs.get(dpo.jobId)
    const text = async (h: string) => new TextDecoder().decode(await blobs.get(h))
    const texts = await Promise.all(train.map(async (p) => ({ prompt: await text(p.promptHash), chosen: await text(p.chosenHash), rejected: await text(p.rejectedHash) })))
    const reference = loadLmFiles(await verifiedCheckpoint(dpoState, sft.final, blobs))
    const refLogps = texts.map((p) => [answerLogp(reference, p.prompt, p.chosen), answerLogp(reference, p.prompt, p.rejected)] as const)
    const margin = (policy: LmWeights) => texts.reduce((sum, p, i) => sum + BETA * (answerLogp(policy, p.prompt, p.chosen) - (refLogps[i]?.[0] as number) - (answerLogp(policy, p.prompt, p.rejected) - (refLogps[i]?.[1] as number))), 0) / texts.length
    const margins = [0]
    for (const c of job?.checkpoints ?? []) margins.push(margin(loadLmFiles(await verifiedCheckpoint(dpoState, c.root, blobs))))
    console.info(`training-pair margins by checkpoint: ${JSON.stringify(margins)}`)
    expect(job?.checkpoints.map((c) => c.step)).toEqual([20, 40])
    expect(margins[1]).toBeGreaterThan(0)
    expect(margins[2]).toBeGreaterThan(margins[1] as number)
    expect(margins[2]).toBeCloseTo(m.train_pref_margin as number, 3)

    // 6. Lineage: OpenLineage inputs and the ledger's graph cite the preference version.
    const complete = lines(lineageFile).find((e) => e.eventType === 'COMPLETE' && (e.job as { name: string }).name === `training/${dpo.jobId}`) as { inputs: { name: string }[] }
    expect(complete.inputs.map((i) => i.name)).toEqual([`datanet/${s.mandateId}/v1`, `checkpoint/${sft.final}`, `preferences/${s.mandateId}/v1`])
    const index = emptyIndex()
    for (const e of await logOf(s.dir)) indexEnvelope(index, e)
    const graph = buildLineage(index, { kind: 'training-job', jobId: dpo.jobId })
    expect(graph.edges).toContainEqual({ from: `job:${dpo.jobId}`, to: `preferences:${s.mandateId}:1`, relation: 'aligned on' })
    expect(graph.edges).toContainEqual({ from: `preferences:${s.mandateId}:1`, to: `checkpoint:${sft.jobId}:${sft.final}`, relation: 'rated outputs of' })

    // 7. reproduce matches every checkpoint of the DPO job.
    at = Date.now()
    const r = await reproduce(dpoState, dpo.jobId, blobs, executors)
    expect(r.steps.every((x) => x.recorded === x.reproduced)).toBe(true)
    expect(r.matches).toBe(true)
    lap('reproduce dpo', at)

    // 8. Deploy the aligned checkpoint (attested like any other) and serve a chat completion from it.
    at = Date.now()
    await attestJob(s.dir, dpo.jobId, (x) => x, executors)
    const operatorKey = await operatorSigner(s.dir, FAST_COST)
    const operator = toHex(operatorKey.publicKey)
    await submitAs(s.dir, operatorKey, { type: 'RegisterIdentity', payload: { displayName: 'gateway operator' } })
    await submitAs(s.dir, actor(ALICE), { type: 'TransferOpen', payload: { to: operator, amount: tokens(1_000) } })
    await submitAs(s.dir, operatorKey, { type: 'LockStake', payload: { purpose: 'operator', amount: tokens(1_000) } })
    const deploymentId = await submitAs(s.dir, actor(ALICE), { type: 'DeployModel', payload: { jobId: dpo.jobId, checkpoint: dpo.final, operator, endpoint: 'https://models.example/openai/v1', pricing: PRICING } })
    const grantId = await submitAs(s.dir, actor(ALICE), { type: 'GrantAccess', payload: { deploymentId, consumer: keyOf(BOB), keyHash: keyHashOf(API_KEY), quotaTokens: 1_000_000, expiresAt: EXPIRES } })
    await submitAs(s.dir, actor(BOB), acceptGrant(deploymentId, grantId, 1_000_000))
    await submitAs(s.dir, actor(BOB), { type: 'DepositUsageEscrow', payload: { amount: tokens(10) } })
    const served = await openLedger(s.dir)
    const gateway = await openGateway({ dir: s.dir, store: served.store, signer: operatorKey, flushMs: 0 })
    const server = await startServer({ store: served.store, logger: pino({ level: 'silent' }), mounts: [gatewayMount(gateway)] })
    try {
      // A question the aligned checkpoint answers right, greedy, by the TypeScript engine on its recorded files.
      const aligned = loadLmFiles(await verifiedCheckpoint(dpoState, dpo.final, blobs))
      const question = items.find((i) => generateAll(aligned, i.text, { temperature: 0, topP: 1, maxTokens: 16, stop: [], seed: 0 }).text === i.label) as Item
      expect(question).toBeDefined()
      const res = await fetch(`${server.url}${GATEWAY_PATH}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ model: deploymentId, messages: [{ role: 'user', content: question.text }], temperature: 0, max_tokens: 16 }),
      })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } }
      // The aligned model answers with the item's topic: the bytes of the prompt template in, the answer and END out.
      expect(body.choices[0]?.message.content).toBe(question.label)
      expect(body.usage).toEqual(expect.objectContaining({ prompt_tokens: bytesOf(promptOf(question.text)).length, completion_tokens: bytesOf(question.label).length + 1 }))
      await gateway.meter.flush()
      const usage = (await logOf(s.dir)).filter((e) => e.type === 'UsageRecorded').map((e) => dataOf<{ deploymentId: string; receipts: { outputTokens: number }[] }>(e))
      expect(usage.flatMap((u) => (u.deploymentId === deploymentId ? u.receipts.map((r) => r.outputTokens) : []))).toEqual([body.usage.completion_tokens])
    } finally {
      await server.close()
      await gateway.close()
      await served.store.close()
    }
    lap('deploy and serve dpo', at)
    lap('total', t0)
  }, 300_000)
})
