/**
 * RLHF rounds on language-model checkpoints, with the blob store: the round's checkpoint files are
 * fetched by their recorded hashes and checked against its root (as a fine-tune's base is,
 * trainer/inputs.ts), then the pure engine (domain/lm/regenerate.ts) generates the samples the
 * mandate's proposer opens a round with, or regenerates a round's samples so a validator or an
 * auditor sees which outputs the checkpoint did not produce (`model-ledger check-round`).
 */
import type { EconomyState } from '../domain/economy/state.js'
import { LM_FORMAT, LmFormatError, loadLmFiles, type LmWeights } from '../domain/lm/format.js'
import { checkSamples, generateSamples, type GeneratedSamples, type GenerationSettings, type SampleCheck } from '../domain/lm/regenerate.js'
import type { BlobStore } from '../infrastructure/blobs/blob-store.js'
import { readVerified } from './dataset.js'
import { readCheckpointFiles, recordedFiles } from './inputs.js'

/** The round or its checkpoint cannot be checked at all (as opposed to a sample that fails the check). */
export class RoundCheckError extends Error {
  override readonly name = 'RoundCheckError'
}

/** The files of the recorded checkpoint `root` from the blob store, verified against the root. */
export async function verifiedCheckpoint(state: EconomyState, root: string, blobs: Pick<BlobStore, 'stream'>): Promise<Map<string, Uint8Array>> {
  const files = recordedFiles(state, root)
  if (files === undefined) throw new RoundCheckError(`no job recorded a checkpoint with root ${root}`)
  try {
    return await readCheckpointFiles(files, root, blobs)
  } catch (error) {
    throw new RoundCheckError(`the files of checkpoint ${root} cannot be read back from the blob store: ${(error as Error).message}`)
  }
}

function modelOf(files: ReadonlyMap<string, Uint8Array>, root: string): LmWeights {
  try {
    return loadLmFiles(files)
  } catch (error) {
    if (error instanceof LmFormatError) throw new RoundCheckError(`checkpoint ${root} is not a ${LM_FORMAT} language model: ${error.message}`)
    throw error
  }
}

/**
 * What the mandate's proposer opens a round with: the recorded checkpoint `root` answers each
 * prompt once per seed under `settings` (domain/lm/regenerate.ts's generateSamples); the prompt
 * and output texts are stored as blobs, so validators can fetch them by the samples' hashes.
 */
export async function roundSamples(state: EconomyState, root: string, prompts: readonly string[], seeds: readonly number[], settings: GenerationSettings, blobs: Pick<BlobStore, 'stream' | 'put'>): Promise<GeneratedSamples> {
  const files = await verifiedCheckpoint(state, root, blobs)
  modelOf(files, root)
  const generated = generateSamples(files, prompts, seeds, settings)
  for (const [hash, bytes] of generated.blobs) await blobs.put(bytes, hash)
  return generated
}

export interface CheckedSample extends SampleCheck {
  /** The output's text as the blob store holds it; null when its blob is missing or not UTF-8. */
  readonly claimed: string | null
}

export interface RoundCheck {
  readonly roundId: string
  readonly checkpoint: string
  readonly samples: readonly CheckedSample[]
  /** How many samples the checkpoint regenerated. */
  readonly regenerated: number
  /** Every sample regenerated. */
  readonly ok: boolean
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

async function textOf(blobs: Pick<BlobStore, 'stream'>, hash: string): Promise<string | null> {
  try {
    return utf8.decode(await readVerified(blobs, hash))
  } catch {
    return null
  }
}

/**
 * Regenerates every sample of round `roundId` from its checkpoint's verified files and its prompt's
 * text (a blob, checked against its hash) with the recorded generation, and compares the hash.
 */
export async function checkRound(state: EconomyState, roundId: string, blobs: Pick<BlobStore, 'stream'>): Promise<RoundCheck> {
  const round = state.alignment.rounds.get(roundId)
  if (round === undefined) throw new RoundCheckError(`no round ${roundId}`)
  const model = modelOf(await verifiedCheckpoint(state, round.checkpoint, blobs), round.checkpoint)
  const prompts = new Map<string, string>()
  for (const hash of new Set(round.samples.map((s) => s.promptHash))) {
    const text = await textOf(blobs, hash)
    if (text !== null) prompts.set(hash, text)
  }
  const samples: CheckedSample[] = []
  for (const check of checkSamples(model, round.samples, prompts)) samples.push({ ...check, claimed: await textOf(blobs, check.outputHash) })
  const regenerated = samples.filter((s) => s.status === 'regenerated').length
  return { roundId, checkpoint: round.checkpoint, samples, regenerated, ok: regenerated === samples.length }
}
