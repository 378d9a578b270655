/**
 * A real data directory (encrypted ledger key, SQLite store, blob store) holding a mandate whose
 * rubric asks for accuracy, a datanet of labelled items, a sealed dataset version, and training
 * requests: the starting point of the trainer tests. Commands are signed by the fixtures' real keys.
 */
import { mkdtempSync } from 'node:fs'
import { expect } from 'vitest'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../../domain/crypto/hex.js'
import { contributionIdOf } from '../../domain/datanets/ids.js'
import { defaultEconomics, encodeRequest, type EconomyCommand } from '../../domain/economy/index.js'
import type { EconomicsParams } from '../../domain/economy/params.js'
import { tokens } from '../../domain/governance/amounts.js'
import { signCommand } from '../../domain/ledger/command.js'
import type { Signer } from '../../domain/ports/crypto.js'
import type { Hyperparameters } from '../../domain/training/values.js'
import { blobDir, createBlobStore } from '../../infrastructure/blobs/blob-store.js'
import { manualClock } from '../../infrastructure/clock.js'
import { createCommandHandler, type CommandHandler } from '../../infrastructure/command-handler.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'
import { initDataDir, openLedger } from '../../infrastructure/data-dir.js'
import { economy, type EconomyState } from '../../domain/economy/index.js'
import { ALICE, BOB, cmd as gov, DAVE, DAY, LEDGER, START } from '../domain/governance/fixtures.js'
import { proposalSpec } from '../domain/governance/fixtures.js'
import { keyOf, realKeys, signerFor } from '../infrastructure/command-handler-support.js'
import { checkEvaluation, type EvaluationCheck } from '../../trainer/attest.js'
import { executorsOf, trainerSigner } from '../../trainer/open.js'
import { FAST_COST } from '../support/data-dir.js'

export { FAST_COST }
export interface Item {
  readonly text: string
  readonly label: string
}

const TOPICS: Record<string, readonly string[]> = {
  cardio: ['chest', 'pain', 'troponin', 'ecg', 'angina', 'stent', 'heart', 'murmur', 'statin', 'arrhythmia'],
  resp: ['cough', 'wheeze', 'asthma', 'inhaler', 'pneumonia', 'oxygen', 'sputum', 'lung', 'spirometry', 'copd'],
  ortho: ['fracture', 'knee', 'hip', 'cast', 'physio', 'bone', 'sprain', 'splint', 'joint', 'xray'],
}
const FILLER = ['patient', 'reviewed', 'today', 'plan', 'follow', 'up', 'clinic', 'stable', 'discharged', 'home']

/** Deterministic labelled notes: topic words plus filler; `mislabelled` of them carry the wrong label. */
export function syntheticItems(count: number, mislabelled = 0): Item[] {
  const labels = Object.keys(TOPICS)
  return Array.from({ length: count }, (_, i) => {
    const label = labels[i % labels.length] as string
    const words = TOPICS[label] as readonly string[]
    const text = [0, 1, 2, 3].map((k) => words[(i * 7 + k * 3) % words.length]).concat([FILLER[i % 10] as string, FILLER[(i * 3) % 10] as string, `n${i}`]).join(' ')
    const wrong = i < mislabelled ? (labels[(i + 1) % labels.length] as string) : label
    return { text, label: wrong }
  })
}

function rekey(json: string, ledgerKey: string): string {
  let out = json.split(LEDGER).join(ledgerKey)
  for (const placeholder of realKeys.keys()) if (placeholder !== LEDGER) out = out.split(placeholder).join(keyOf(placeholder))
  return out
}

let nonce = 0
export function signAs(signer: Signer, request: Omit<EconomyCommand, 'actor'>, ledgerKey: string, at = Date.now()) {
  const wire = encodeRequest(request)
  const payload = JSON.parse(rekey(JSON.stringify(wire.payload), ledgerKey)) as typeof wire.payload
  return signCommand({ type: wire.type, payload, actor: toHex(signer.publicKey), nonce: `fixture-${++nonce}`, issuedAt: new Date(at).toISOString(), ledger: ledgerKey }, signer, nativeCrypto)
}

export interface Seeded {
  readonly dir: string
  readonly mandateId: string
  readonly contributions: readonly string[]
}

async function accept(handler: CommandHandler<EconomyState, string>, signer: Signer, request: Omit<EconomyCommand, 'actor'>, ledgerKey: string, at: number): Promise<string> {
  const result = await handler.handle(signAs(signer, request, ledgerKey, at))
  if (!result.ok) throw new Error(`${request.type} refused: ${result.error.code}: ${result.error.message}`)
  return result.commandHash
}

export const actor = (placeholder: string): Signer => realKeys.get(placeholder) as Signer

/** A data directory with a sealed version of `items` (accepted by one validator); `economics` overrides the genesis's parameters. */
export async function seedDataDir(items: readonly Item[], rubric = { metric: 'accuracy', threshold: 0.6, direction: 'maximize' as const }, overrides: Partial<EconomicsParams> = {}): Promise<Seeded> {
  const dir = mkdtempSync(join(tmpdir(), 'trainer-'))
  await initDataDir(dir, { cost: FAST_COST })
  const clock = manualClock(START)
  const opened = await openLedger(dir, { clock })
  const ledgerKey = opened.store.ledgerPublicKey
  const handler = createCommandHandler({ store: opened.store, vertical: economy, clock })
  const run = (who: Signer, request: Omit<EconomyCommand, 'actor'>) => accept(handler, who, request, ledgerKey, clock.now())
  // These small datasets hold out only a few examples; minEvalExamples is the attack specs' business (test/domain/training).
  const economics = { ...defaultEconomics, verdictsToFinalize: 1, maxItemsPerDay: 10_000, maxBytesPerDay: 100_000_000, minEvalExamples: 1, ...overrides }
  const { actor: _g, ...genesis } = gov.genesis({ economics })
  await run(opened.signer, genesis)
  for (const who of [ALICE, BOB, DAVE]) await run(actor(who), { type: 'RegisterIdentity', payload: { displayName: 'fixture' } })
  for (const who of [ALICE, BOB]) {
    await run(actor(who), { type: 'WrapOpen', payload: { amount: tokens(20_000) } })
    await run(actor(who), { type: 'DelegateVotes', payload: { to: keyOf(who) } })
  }
  const mandateId = await run(actor(ALICE), { type: 'ProposeModel', payload: { spec: { ...proposalSpec(tokens(100_000)), rubric }, stake: tokens(1_000) } })
  clock.advance(DAY)
  for (const who of [ALICE, BOB]) await run(actor(who), { type: 'CastVote', payload: { proposalId: mandateId, support: 'for' } })
  clock.advance(7 * DAY)
  await run(actor(DAVE), { type: 'QueueProposal', payload: { proposalId: mandateId } })
  clock.advance(DAY)
  await run(actor(DAVE), { type: 'ExecuteProposal', payload: { proposalId: mandateId } })
  for (const who of [BOB, DAVE]) await run(actor(who), { type: 'LockStake', payload: { purpose: 'validator', amount: tokens(10_000) } })
  // The in-process trainers' keys and the CLI trainer's own key (DIR/keys/trainer.key) get OPEN from Alice and lock a trainer stake.
  for (const trainer of [signerFor('trainer-a'), signerFor('trainer-b'), await trainerSigner(dir, FAST_COST)]) {
    await run(trainer, { type: 'RegisterIdentity', payload: { displayName: 'fixture trainer' } })
    await run(actor(ALICE), { type: 'TransferOpen', payload: { to: toHex(trainer.publicKey), amount: tokens(2_000) } })
    await run(trainer, { type: 'LockStake', payload: { purpose: 'trainer', amount: tokens(1_000) } })
  }
  await run(actor(ALICE), { type: 'OpenDatanet', payload: { mandateId, mediaTypes: ['text/plain'], licences: ['CC-BY-4.0'] } })
  const blobs = createBlobStore(blobDir(dir))
  const contributions: string[] = []
  for (const item of items) {
    const stored = await blobs.put(new TextEncoder().encode(item.text))
    await run(actor(ALICE), { type: 'SubmitContribution', payload: { datanetId: mandateId, contentHash: stored.hash, byteLength: stored.byteLength, mediaType: 'text/plain', licence: 'CC-BY-4.0', metadata: { label: item.label }, bond: false } })
    const contributionId = contributionIdOf(mandateId, stored.hash)
    await run(actor(BOB), { type: 'CastVerdict', payload: { contributionId, decision: 'accept', quality: 80, relevance: 80, reason: 'fixture' } })
    await run(actor(DAVE), { type: 'FinalizeContribution', payload: { contributionId } })
    contributions.push(contributionId)
  }
  await run(actor(DAVE), { type: 'SealDatasetVersion', payload: { datanetId: mandateId } })
  await opened.store.close()
  return { dir, mandateId, contributions }
}

/** Alice (the mandate's proposer) asks for a training job; returns its id. */
export async function requestTraining(dir: string, mandateId: string, hyperparameters: Hyperparameters, executor = 'reference', seed = 7, baseModel: string | null = null): Promise<string> {
  const opened = await openLedger(dir, { exclusive: false })
  const handler = createCommandHandler({ store: opened.store, vertical: economy })
  const result = await handler.handle(signAs(actor(ALICE), { type: 'RequestTraining', payload: { mandateId, datasetVersion: 1, baseModel, executor, hyperparameters, seed } }, opened.store.ledgerPublicKey))
  await opened.store.close()
  if (!result.ok) throw new Error(`RequestTraining refused: ${result.error.code}: ${result.error.message}`)
  return result.commandHash
}

/** The staked validators who attest the fixture's evaluations: neither trained nor requested anything. */
export const ATTESTERS = [BOB, DAVE] as const

/**
 * Bob and Dave each fetch the job's final checkpoint from the blob store, re-run its evaluation and
 * sign an AttestEvaluation with what they got; then Dave settles it. Returns each attester's check.
 */
export async function attestJob(dir: string, jobId: string, change: (metrics: EvaluationCheck['attestation']['metrics']) => EvaluationCheck['attestation']['metrics'] = (m) => m, executors = executorsOf([])): Promise<EvaluationCheck[]> {
  const opened = await openLedger(dir)
  const handler = createCommandHandler({ store: opened.store, vertical: economy })
  const blobs = createBlobStore(blobDir(dir))
  const checks: EvaluationCheck[] = []
  try {
    for (const who of ATTESTERS) {
      const check = await checkEvaluation(await handler.state(), jobId, blobs, executors)
      checks.push(check)
      const payload = { ...check.attestation, metrics: change(check.attestation.metrics) }
      await accept(handler, actor(who), { type: 'AttestEvaluation', payload }, opened.store.ledgerPublicKey, Date.now())
    }
    await accept(handler, actor(DAVE), { type: 'SettleEvaluation', payload: { jobId, checkpoint: checks[0]?.attestation.checkpoint ?? '' } }, opened.store.ledgerPublicKey, Date.now())
  } finally {
    await opened.store.close()
  }
  return checks
}

/** Submits `request` signed by `who`, which the rules must refuse: the code, after checking the log's head did not move. */
export async function refusedWithoutAppending(dir: string, who: string, request: Omit<EconomyCommand, 'actor'>): Promise<string> {
  const opened = await openLedger(dir)
  try {
    const handler = createCommandHandler({ store: opened.store, vertical: economy })
    const before = await opened.store.head()
    const result = await handler.handle(signAs(actor(who), request, opened.store.ledgerPublicKey))
    expect(await opened.store.head()).toEqual(before)
    return result.ok ? 'accepted' : result.error.code
  } finally {
    await opened.store.close()
  }
}

/** The economy state of a data directory's whole log. */
export async function foldDir(dir: string): Promise<EconomyState> {
  const opened = await openLedger(dir)
  try {
    return await createCommandHandler({ store: opened.store, vertical: economy }).state()
  } finally {
    await opened.store.close()
  }
}

/** A key of one's own (an attester's, say) registered, given 11,000 OPEN by Alice, and staked as a validator. */
export async function stakeValidator(dir: string, signer: Signer): Promise<void> {
  const opened = await openLedger(dir)
  const handler = createCommandHandler({ store: opened.store, vertical: economy })
  const run = (who: Signer, request: Omit<EconomyCommand, 'actor'>) => accept(handler, who, request, opened.store.ledgerPublicKey, Date.now())
  try {
    await run(signer, { type: 'RegisterIdentity', payload: { displayName: 'attester' } })
    await run(actor(ALICE), { type: 'TransferOpen', payload: { to: toHex(signer.publicKey), amount: tokens(11_000) } })
    await run(signer, { type: 'LockStake', payload: { purpose: 'validator', amount: tokens(10_000) } })
  } finally {
    await opened.store.close()
  }
}
