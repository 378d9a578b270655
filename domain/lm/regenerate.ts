/**
 * RLHF samples that a checkpoint generated, and the check that it did. A sample's `generation`
 * (seed, temperature and top_p in thousandths, token limit) with the prompt text and the
 * checkpoint's weights determine its output exactly (docs/gateway.md, sampling): the output is
 * the answer text generated for the prompt with no stop strings (END or the token limit ends it),
 * its blob the text's UTF-8 bytes, and its hash their SHA-256 (the blob store's content hash).
 *
 * The proposer of a round generates its samples with `generateSamples`; a validator or an auditor
 * regenerates each with `checkSamples` and learns which outputs the checkpoint did not produce.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { Generation, Sample } from '../alignment/codecs.js'
import { toHex } from '../crypto/hex.js'
import { loadLmFiles, type LmWeights } from './format.js'
import { generateAll, type GenerateOptions } from './generate.js'

const utf8 = new TextEncoder()

export const contentHash = (bytes: Uint8Array): string => toHex(sha256(bytes))

/** The sampler's options for a recorded generation: thousandths back to fractions, no stop strings. */
export function optionsOf(g: Generation): GenerateOptions {
  return { seed: g.seed, temperature: g.temperature / 1000, topP: g.topP / 1000, maxTokens: g.maxTokens, stop: [] }
}

/** The output a checkpoint generates for `prompt` under `g`: its text, blob bytes and hash. */
export function regenerate(model: LmWeights, prompt: string, g: Generation): { text: string; bytes: Uint8Array; hash: string } {
  const text = generateAll(model, prompt, optionsOf(g)).text
  const bytes = utf8.encode(text)
  return { text, bytes, hash: contentHash(bytes) }
}

/** The sampling settings of a round, shared by its samples; each sample adds its seed. */
export type GenerationSettings = Omit<Generation, 'seed'>

/** An output the proposer did not put in the round: the same prompt gave the same text under an earlier seed. */
export interface RepeatedOutput {
  readonly prompt: number
  readonly seed: number
  /** The seed whose sample carries this output. */
  readonly sameAs: number
}

export interface GeneratedSamples {
  /** Per prompt in order, per seed in order: one sample per distinct output. */
  readonly samples: Sample[]
  /** The blobs the samples name, by hash: prompts and outputs (UTF-8 text). */
  readonly blobs: Map<string, Uint8Array>
  /** Seeds whose output repeated an earlier one of the same prompt (a round's samples are distinct). */
  readonly repeated: RepeatedOutput[]
}

const checkSeed = (seed: number): void => {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 4_294_967_295) throw new RangeError(`seed must be an integer in 0..4294967295 (got ${seed})`)
}

function checkSettings(s: GenerationSettings): void {
  if (!Number.isSafeInteger(s.temperature) || s.temperature < 0 || s.temperature > 2000) throw new RangeError(`temperature must be thousandths in 0..2000 (got ${s.temperature})`)
  if (!Number.isSafeInteger(s.topP) || s.topP < 1 || s.topP > 1000) throw new RangeError(`topP must be thousandths in 1..1000 (got ${s.topP})`)
  if (!Number.isSafeInteger(s.maxTokens) || s.maxTokens < 1 || s.maxTokens > 4096) throw new RangeError(`maxTokens must be in 1..4096 (got ${s.maxTokens})`)
}

/**
 * The samples of a round: every prompt answered by the checkpoint (its files, verified against its
 * root by the caller) once per seed under `settings`. An output equal to one an earlier seed gave
 * the same prompt is left out and reported, since a round's samples must be distinct; so a
 * greedy setting (temperature 0) gives one sample per prompt whatever the seeds.
 */
export function generateSamples(checkpointFiles: ReadonlyMap<string, Uint8Array>, prompts: readonly string[], seeds: readonly number[], settings: GenerationSettings): GeneratedSamples {
  if (prompts.length === 0 || seeds.length === 0) throw new RangeError('a round needs at least one prompt and one seed')
  if (new Set(seeds).size !== seeds.length) throw new RangeError('seeds must be distinct')
  seeds.forEach(checkSeed)
  checkSettings(settings)
  const model = loadLmFiles(checkpointFiles)
  const samples: Sample[] = []
  const blobs = new Map<string, Uint8Array>()
  const repeated: RepeatedOutput[] = []
  prompts.forEach((prompt, p) => {
    const promptBytes = utf8.encode(prompt)
    const promptHash = contentHash(promptBytes)
    blobs.set(promptHash, promptBytes)
    const seen = new Map<string, number>()
    for (const seed of seeds) {
      const generation: Generation = { seed, ...settings }
      const out = regenerate(model, prompt, generation)
      const earlier = seen.get(out.hash)
      if (earlier !== undefined) {
        repeated.push({ prompt: p, seed, sameAs: earlier })
        continue
      }
      seen.set(out.hash, seed)
      blobs.set(out.hash, out.bytes)
      samples.push({ promptHash, outputHash: out.hash, generation })
    }
  })
  return { samples, blobs, repeated }
}

export type SampleStatus =
  /** The checkpoint regenerates the recorded output. */
  | 'regenerated'
  /** It generates another output under the recorded generation. */
  | 'mismatch'
  /** The sample records no generation: its output is the opener's word, and cannot be checked. */
  | 'no-generation'
  /** The prompt's text is not available (or not UTF-8), so the output cannot be regenerated. */
  | 'no-prompt'

export interface SampleCheck {
  readonly index: number
  readonly promptHash: string
  readonly outputHash: string
  readonly status: SampleStatus
  /** What the checkpoint generated, when it could be run. */
  readonly regenerated?: { readonly hash: string; readonly text: string }
}

/**
 * Regenerates every sample with its recorded generation and compares the output's hash. `prompts`
 * maps prompt hashes to their texts (already checked against the hash by whoever read them).
 */
export function checkSamples(model: LmWeights, samples: readonly Sample[], prompts: ReadonlyMap<string, string>): SampleCheck[] {
  return samples.map((s, index) => {
    const base = { index, promptHash: s.promptHash, outputHash: s.outputHash }
    if (!('generation' in s)) return { ...base, status: 'no-generation' }
    const prompt = prompts.get(s.promptHash)
    if (prompt === undefined) return { ...base, status: 'no-prompt' }
    const out = regenerate(model, prompt, s.generation)
    return { ...base, status: out.hash === s.outputHash ? 'regenerated' : 'mismatch', regenerated: { hash: out.hash, text: out.text } }
  })
}
