/**
 * A job's inputs besides its dataset, fetched from the blob store and verified before anything
 * runs on them:
 *
 * - the base model, named in the manifest as `checkpoint:<root>`: a checkpoint recorded in the log
 *   (by any job), whose files are fetched by their recorded hashes and must hash to that root. So a
 *   fine-tune's base is exactly the files the ledger recorded, and nothing comes from a model hub.
 * - the preference pairs of a preference dataset version (hyperparameter `preferenceVersion`, of
 *   the job's mandate): each prompt's highest-consensus output is `chosen` and its lowest
 *   `rejected` (a prompt whose outputs all got the same consensus gives no pair); prompt and output
 *   texts are blobs, read and checked against their hashes. Written as JSON lines
 *   `{"id","prompt","chosen","rejected","promptHash","chosenHash","rejectedHash"}`.
 */
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { preferenceKey } from '../domain/alignment/state.js'
import type { PreferenceSample } from '../domain/alignment/codecs.js'
import type { EconomyState } from '../domain/economy/state.js'
import type { Job } from '../domain/training/state.js'
import { checkpointRoot, sortedFiles } from '../domain/training/checkpoint.js'
import type { CheckpointFile } from '../domain/training/values.js'
import type { BlobStore } from '../infrastructure/blobs/blob-store.js'
import { DatasetError, readVerified } from './dataset.js'
import type { FetchedCheckpoint, RunInputs } from './executors/port.js'
import { hashCheckpointDir } from './hash-files.js'

const CHECKPOINT_BASE = /^checkpoint:([0-9a-f]{64})$/

/** The root a `baseModel` names, or null when it names no recorded checkpoint (another executor's convention). */
export function baseRootOf(baseModel: string | null): string | null {
  return baseModel === null ? null : (CHECKPOINT_BASE.exec(baseModel)?.[1] ?? null)
}

/**
 * Every file of a recorded checkpoint, by path, read from the blob store: each checked against its
 * recorded hash, and the set refused unless it hashes to `root` (so a list that does not belong to
 * the root is refused too).
 */
export async function readCheckpointFiles(files: readonly CheckpointFile[], root: string, blobs: Pick<BlobStore, 'stream'>): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>()
  const read: CheckpointFile[] = []
  for (const f of files) {
    const bytes = await readVerified(blobs, f.sha256)
    out.set(f.path, bytes)
    read.push({ path: f.path, sha256: f.sha256, bytes: bytes.byteLength })
  }
  const actual = checkpointRoot(sortedFiles(read))
  if (actual !== root) throw new Error(`the fetched files hash to ${actual}, not the recorded root ${root}`)
  return out
}

/** Every file of a recorded checkpoint into `dir`, refused unless the files (as written) hash to `root`. */
export async function fetchCheckpointFiles(files: readonly CheckpointFile[], root: string, blobs: Pick<BlobStore, 'stream'>, dir: string): Promise<void> {
  for (const [name, bytes] of await readCheckpointFiles(files, root, blobs)) {
    const path = join(dir, name)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, bytes)
  }
  const fetched = await hashCheckpointDir(dir)
  if (fetched.root !== root) throw new Error(`the fetched files hash to ${fetched.root}, not the recorded root ${root}`)
}

/** The files a job recorded for the checkpoint `root` (any job: reproducible jobs may share a root). */
export function recordedFiles(state: EconomyState, root: string): readonly CheckpointFile[] | undefined {
  for (const job of state.training.jobs.values()) {
    const found = job.checkpoints.find((c) => c.root === root)
    if (found !== undefined) return found.files
  }
  return undefined
}

async function fetchBase(job: Job, state: EconomyState, blobs: Pick<BlobStore, 'stream'>, workDir: string): Promise<FetchedCheckpoint | null> {
  const root = baseRootOf(job.baseModel)
  if (root === null) return null
  const files = recordedFiles(state, root)
  if (files === undefined) throw new DatasetError(`base model ${job.baseModel}: no job recorded a checkpoint with that root`)
  const dir = join(workDir, `base-${root}`)
  // Already fetched by an earlier attempt of this job: used only if it still hashes to the root.
  const there = await hashCheckpointDir(dir).catch(() => undefined)
  if (there?.root !== root) await fetchCheckpointFiles(files, root, blobs, dir)
  return { root, dir }
}

export interface PreferencePair {
  readonly id: string
  readonly prompt: string
  readonly chosen: string
  readonly rejected: string
  readonly promptHash: string
  readonly chosenHash: string
  readonly rejectedHash: string
}

/** Per prompt (in first-seen order): the best output against the worst, when their consensus differs; ties by output hash. */
export function pairsOf(samples: readonly PreferenceSample[]): { promptHash: string; chosenHash: string; rejectedHash: string }[] {
  const byPrompt = new Map<string, PreferenceSample[]>()
  for (const s of samples) byPrompt.set(s.promptHash, [...(byPrompt.get(s.promptHash) ?? []), s])
  const pairs: { promptHash: string; chosenHash: string; rejectedHash: string }[] = []
  for (const [promptHash, group] of byPrompt) {
    const sorted = [...group].sort((a, b) => b.consensus - a.consensus || (a.outputHash < b.outputHash ? -1 : a.outputHash > b.outputHash ? 1 : 0))
    const best = sorted[0] as PreferenceSample
    const worst = sorted[sorted.length - 1] as PreferenceSample
    if (best.consensus > worst.consensus) pairs.push({ promptHash, chosenHash: best.outputHash, rejectedHash: worst.outputHash })
  }
  return pairs
}

const text = (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes)

async function fetchPreferences(job: Job, state: EconomyState, blobs: Pick<BlobStore, 'stream'>, workDir: string): Promise<string | null> {
  const version = job.hyperparameters.preferenceVersion
  if (version === undefined) return null
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw new DatasetError(`preferenceVersion must be a version number, not ${String(version)}`)
  const dataset = state.alignment.preferenceDatasets.get(preferenceKey(job.mandateId, version))
  if (dataset === undefined) throw new DatasetError(`the mandate has no preference dataset version ${version}`)
  const pairs: PreferencePair[] = []
  for (const p of pairsOf(dataset.samples)) {
    const [prompt, chosen, rejected] = [text(await readVerified(blobs, p.promptHash)), text(await readVerified(blobs, p.chosenHash)), text(await readVerified(blobs, p.rejectedHash))]
    const id = createHash('sha256').update(`${p.promptHash}:${p.chosenHash}:${p.rejectedHash}`).digest('hex')
    pairs.push({ id, prompt, chosen, rejected, ...p })
  }
  if (pairs.length === 0) throw new DatasetError(`preference dataset version ${version} has no prompt whose outputs got different consensus`)
  const path = join(workDir, `preferences-v${version}.jsonl`)
  await writeFile(path, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n')
  return path
}

/** Fetches and verifies what the job names besides its dataset, into `workDir`. */
export async function resolveInputs(job: Job, state: EconomyState, blobs: Pick<BlobStore, 'stream'>, workDir: string): Promise<RunInputs> {
  await mkdir(workDir, { recursive: true })
  return { base: await fetchBase(job, state, blobs, workDir), preferences: await fetchPreferences(job, state, blobs, workDir) }
}
