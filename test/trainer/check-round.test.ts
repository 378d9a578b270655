/**
 * `model-ledger check-round` and trainer/rounds.ts without torch: a recorded checkpoint whose files
 * are a small random LM in the torch-lm@1 format (blobs, recorded by a staked trainer), a round the
 * proposer built from it with roundSamples, and rounds that lie: another seed's output, an output
 * with no generation, a checkpoint no job recorded, a checkpoint that is not a language model, a
 * file gone from the blob store. Each answer is one line and the exit code says it.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkRoundCommand } from '../../api/cli/commands/check-round.js'
import type { Sample } from '../../domain/alignment/codecs.js'
import { economy, type EconomyCommand } from '../../domain/economy/index.js'
import { tokens } from '../../domain/governance/amounts.js'
import { checkpointRoot } from '../../domain/training/checkpoint.js'
import { blobDir, createBlobStore } from '../../infrastructure/blobs/blob-store.js'
import { createCommandHandler } from '../../infrastructure/command-handler.js'
import { openLedger } from '../../infrastructure/data-dir.js'
import { checkRound, roundSamples, RoundCheckError } from '../../trainer/rounds.js'
import { ALICE } from '../domain/governance/fixtures.js'
import { tinyFiles } from '../domain/lm/tiny.js'
import { signerFor } from '../infrastructure/command-handler-support.js'
import { runCli, type CliRun } from '../support/cli.js'
import { actor, foldDir, requestTraining, seedDataDir, signAs, syntheticItems, type Seeded } from './fixture.js'
import type { Signer } from '../../domain/ports/crypto.js'

let s: Seeded
let lmRoot: string
let weightsHash: string
let notLmRoot: string
let rounds: { honest: string; lying: string; unrecorded: string; notLm: string }
let generated: Sample[]

async function submit(who: Signer, request: Omit<EconomyCommand, 'actor'>): Promise<string> {
  const { store } = await openLedger(s.dir)
  try {
    const result = await createCommandHandler({ store, vertical: economy }).handle(signAs(who, request, store.ledgerPublicKey))
    if (!result.ok) throw new Error(`${request.type} refused: ${result.error.code}: ${result.error.message}`)
    return result.commandHash
  } finally {
    await store.close()
  }
}

/** A job claimed by the fixture's staked trainer, recording `files` (stored as blobs) as its checkpoint. */
async function recordCheckpoint(files: Map<string, Uint8Array>, step: number): Promise<string> {
  const blobs = createBlobStore(blobDir(s.dir))
  const entries = []
  for (const [path, bytes] of files) entries.push({ path, sha256: (await blobs.put(bytes)).hash, bytes: bytes.byteLength })
  const root = checkpointRoot(entries)
  const jobId = await requestTraining(s.dir, s.mandateId, { mode: 'sft', steps: step }, 'process:torch-lm', step)
  const trainer = signerFor('trainer-a')
  await submit(trainer, { type: 'ClaimTrainingJob', payload: { jobId, leaseMs: 600_000, manifestHash: randomBytes(32).toString('hex') } })
  await submit(trainer, { type: 'RecordCheckpoint', payload: { jobId, step, files: entries, root, metrics: { loss: 1 } } })
  return root
}

const open = (checkpoint: string, samples: readonly Sample[]) => submit(actor(ALICE), { type: 'OpenFeedbackRound', payload: { mandateId: s.mandateId, checkpoint, samples: [...samples], rewardPool: tokens(10) } })

beforeAll(async () => {
  s = await seedDataDir(syntheticItems(6))
  const lm = tinyFiles(3, undefined, 0.6)
  const lmFiles = new Map([
    ['model.json', new TextEncoder().encode(lm.modelJson)],
    ['weights.bin', lm.weights],
  ])
  lmRoot = await recordCheckpoint(lmFiles, 10)
  weightsHash = (await createBlobStore(blobDir(s.dir)).put(lm.weights)).hash
  notLmRoot = await recordCheckpoint(new Map([['weights.json', new TextEncoder().encode('{"classifier":true}')]]), 11)
  const made = await roundSamples(await foldDir(s.dir), lmRoot, ['what hurts?', 'which ward?'], [1, 2, 3], { temperature: 1000, topP: 950, maxTokens: 12 }, createBlobStore(blobDir(s.dir)))
  generated = made.samples
  const first = generated[0] as Sample
  const second = generated.find((x) => x.promptHash !== first.promptHash) as Sample
  const other = generated.find((x) => x.promptHash === first.promptHash && x.outputHash !== first.outputHash) as Sample
  // Sample 0 claims another seed's output for its own generation; sample 1 records no generation.
  const lying = [{ ...first, outputHash: other.outputHash }, { promptHash: second.promptHash, outputHash: second.outputHash }]
  rounds = { honest: await open(lmRoot, generated), lying: await open(lmRoot, lying), unrecorded: await open('ab'.repeat(32), generated), notLm: await open(notLmRoot, generated) }
}, 60_000)
afterAll(() => rmSync(s.dir, { recursive: true, force: true }))

// main.ts prints a failure's message as one line on stderr and exits with its code.
const cli = (...argv: string[]): Promise<CliRun> => runCli(checkRoundCommand, argv)

describe('check-round', () => {
  it('regenerates every sample of a round the checkpoint generated: ✓ each, exit 0', async () => {
    const check = await checkRound(await foldDir(s.dir), rounds.honest, createBlobStore(blobDir(s.dir)))
    expect(check).toMatchObject({ checkpoint: lmRoot, ok: true, regenerated: generated.length })
    const r = await cli(rounds.honest, '--data', s.dir)
    expect(r.code).toBe(0)
    const lines = r.out.trim().split('\n')
    expect(lines[0]).toBe(`round ${rounds.honest} on checkpoint ${lmRoot}: ${generated.length} samples`)
    expect(lines.slice(1, -1).every((l) => /^✓ sample \d+ \(seed [123], temperature 1, top_p 0.95, max 12 tokens\): regenerated "/.test(l))).toBe(true)
    expect(lines.at(-1)).toBe(`${generated.length} of ${generated.length} samples regenerated by the checkpoint`)
  })

  it('says which samples the checkpoint did not produce, and exits 1 with one line', async () => {
    const r = await cli(rounds.lying, '--data', s.dir)
    expect(r.code).toBe(1)
    const lines = r.out.trim().split('\n')
    expect(lines[1]).toMatch(/^✗ sample 0 \(seed 1, temperature 1, top_p 0.95, max 12 tokens\): the checkpoint generates ".*" \([0-9a-f]{12}…\), not the recorded output ".*" \([0-9a-f]{12}…\)$/)
    expect(lines[2]).toMatch(/^✗ sample 1: no generation recorded, so the output [0-9a-f]{12}… cannot be regenerated$/)
    expect(lines.at(-1)).toBe('0 of 2 samples regenerated by the checkpoint')
    expect(r.error).toBe(`2 of 2 samples were not regenerated by checkpoint ${lmRoot}`)
    const json = await cli(rounds.lying, '--data', s.dir, '--json')
    const parsed = JSON.parse(json.out) as { ok: boolean; samples: { status: string; regenerated?: { hash: string } }[] }
    expect(parsed.ok).toBe(false)
    expect(parsed.samples.map((x) => x.status)).toEqual(['mismatch', 'no-generation'])
    // What the checkpoint does generate for sample 0's seed is the output the lie left out.
    expect(parsed.samples[0]?.regenerated?.hash).toBe(generated[0]?.outputHash)
  })

  it('refuses rounds it cannot check, in one line: unknown round, unrecorded checkpoint, not a language model, malformed id', async () => {
    expect(await cli('cd'.repeat(32), '--data', s.dir)).toMatchObject({ code: 1, error: `no round ${'cd'.repeat(32)}` })
    expect(await cli(rounds.unrecorded, '--data', s.dir)).toMatchObject({ code: 1, error: `no job recorded a checkpoint with root ${'ab'.repeat(32)}` })
    const notLm = await cli(rounds.notLm, '--data', s.dir)
    expect(notLm.code).toBe(1)
    expect(notLm.error).toMatch(new RegExp(`^checkpoint ${notLmRoot} is not a model-ledger/torch-lm@1 language model: a model-ledger/torch-lm@1 checkpoint has model.json and weights.bin \\(this one has weights.json\\)$`))
    expect(await cli('not-a-round', '--data', s.dir)).toMatchObject({ code: 2, error: 'a round id is 64 lower-case hex characters' })
    expect(await cli('--data', s.dir)).toMatchObject({ code: 2, error: 'give one round id' })
  })

  it('refuses a checkpoint whose files are gone from the blob store', async () => {
    await createBlobStore(blobDir(s.dir)).delete(weightsHash)
    await expect(checkRound(await foldDir(s.dir), rounds.honest, createBlobStore(blobDir(s.dir)))).rejects.toThrow(RoundCheckError)
    const r = await cli(rounds.honest, '--data', s.dir)
    expect(r.code).toBe(1)
    expect(r.error).toMatch(new RegExp(`^the files of checkpoint ${lmRoot} cannot be read back from the blob store: blob ${weightsHash.slice(0, 12)}… unreadable`))
  })
})
