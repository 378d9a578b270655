/**
 * The language-model executor (process:torch-lm) and its worker, on CPU with /usr/bin/python3's
 * torch: a base pretrained from scratch on the items' texts, a LoRA SFT on the same items as
 * question → answer (the label), a DPO on preference pairs with the SFT checkpoint as reference,
 * and TracIn. Where torch is missing the tests are skipped, saying so.
 *
 * The task: notes of topic words, answered by their topic (cardio, resp, ortho); the split is the
 * worker's (contribution id mod holdOutEvery), so held-out notes are notes never trained on.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Metrics } from '../../domain/training/values.js'
import type { Example } from '../../trainer/dataset.js'
import type { ExecutorRun, FetchedCheckpoint, RecordedCheckpointDir } from '../../trainer/executors/port.js'
import { TORCH_LM_FORMAT, torchLmExecutor } from '../../trainer/executors/torch-lm.js'
import { ATTRIBUTION_TOTAL, type Hyperparameters } from '../../domain/training/values.js'
import { hashCheckpointDir } from '../../trainer/hash-files.js'
import type { Manifest } from '../../trainer/manifest.js'

const PYTHON = '/usr/bin/python3'
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0
if (!hasTorch) console.warn(`skipping the torch-lm tests: ${PYTHON} cannot import torch (apt-get install python3-torch libopenblas0-pthread)`)

const WORKER = 'trainer/workers/torch_lm_worker.py'
const executor = torchLmExecutor({ command: PYTHON, args: [WORKER], timeoutMs: 120_000 })

const TOPICS: Record<string, readonly string[]> = {
  cardio: ['chest', 'pain', 'troponin', 'ecg', 'angina', 'stent', 'heart', 'murmur', 'statin', 'arrhythmia'],
  resp: ['cough', 'wheeze', 'asthma', 'inhaler', 'pneumonia', 'oxygen', 'sputum', 'lung', 'spirometry', 'copd'],
  ortho: ['fracture', 'knee', 'hip', 'cast', 'physio', 'bone', 'sprain', 'splint', 'joint', 'xray'],
}
const FILLER = ['patient', 'reviewed', 'today', 'plan', 'follow', 'up', 'clinic', 'stable', 'discharged', 'home']
const LABELS = Object.keys(TOPICS)
const sha = (s: string): string => createHash('sha256').update(s).digest('hex')

/** 90 topic notes; held out: ids ≡ 0 mod 5 (about 1 in 5). */
function topicExamples(count = 90): Example[] {
  return Array.from({ length: count }, (_, i) => {
    const label = LABELS[i % 3] as string
    const words = TOPICS[label] as readonly string[]
    const text = [0, 1, 2, 3].map((k) => words[(i * 7 + k * 3) % 10]).concat([FILLER[i % 10] as string, FILLER[(i * 3) % 10] as string, `n${i}`]).join(' ')
    return { contributionId: sha(`c${i}`), text, label }
  })
}

/** A contribution the held-out set obviously draws on: the only item that teaches this answer, and its held-out twin. */
const PLANTED = { contributionId: `00000001${sha('planted').slice(8)}`, text: 'the secret instrument is a xylophone', label: 'marimba' }
const TWIN = { contributionId: `00000000${sha('twin').slice(8)}`, text: 'the secret instrument is a xylophone!', label: 'marimba' }

const heldOut = (e: Example): boolean => parseInt(e.contributionId.slice(0, 8), 16) % 5 === 0

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'torch-lm-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

let runs = 0
function manifestOf(hyperparameters: Hyperparameters, baseModel: string | null, seed = 7): Manifest {
  return { format: 'model-ledger/training-manifest@1', jobId: sha(`job${++runs}`), mandateId: sha('mandate'), datasetVersion: 1, datasetRoot: sha('root'), baseModel, executor: 'process:torch-lm', codeVersion: executor.codeVersion, hyperparameters, seed }
}

interface Ran {
  readonly metrics: Metrics
  readonly checkpoints: RecordedCheckpointDir[]
  readonly roots: string[]
  readonly losses: number[]
  readonly run: ExecutorRun
}

async function train(name: string, examples: readonly Example[], hyperparameters: Hyperparameters, base: FetchedCheckpoint | null, options: { preferences?: string; resume?: RecordedCheckpointDir; manifest?: Manifest } = {}): Promise<Ran> {
  const workDir = join(root, name)
  const checkpointDir = (step: number) => join(workDir, 'checkpoints', `step-${String(step).padStart(10, '0')}`)
  const manifest = options.manifest ?? manifestOf(hyperparameters, base === null ? null : `checkpoint:${base.root}`)
  const run: ExecutorRun = { manifest, examples, workDir, checkpointDir, resume: options.resume ?? null, signal: new AbortController().signal, inputs: { base, preferences: options.preferences ?? null } }
  const { mkdirSync } = await import('node:fs')
  mkdirSync(join(workDir, 'checkpoints'), { recursive: true })
  const checkpoints: RecordedCheckpointDir[] = []
  const roots: string[] = []
  const losses: number[] = []
  const metrics = await executor.run(run, {
    progress: (_step, _total, m) => {
      if (m.train_loss !== undefined) losses.push(m.train_loss)
    },
    async checkpoint(step, dir) {
      checkpoints.push({ step, dir })
      roots.push((await hashCheckpointDir(dir)).root)
    },
  })
  return { metrics, checkpoints, roots, losses, run }
}

const last = (r: Ran): FetchedCheckpoint => ({ root: r.roots[r.roots.length - 1] as string, dir: (r.checkpoints[r.checkpoints.length - 1] as RecordedCheckpointDir).dir })

const data = [...topicExamples(), PLANTED, TWIN]
// 300 steps: at 150 one CI run on this machine ended at held-out exact-match 0.2 (others passed at 0.6 or more).
const SFT = { mode: 'sft', steps: 300, batch: 8, checkpointEvery: 100, lr: 0.01 }
let base: Ran
let sft: Ran

describe.skipIf(!hasTorch)('process:torch-lm', () => {
  it('pretrains a base from scratch: the loss falls and the files follow the torch-lm@1 format', async () => {
    // 400 steps: on a Sapphire Rapids CPU (Debian's OpenBLAS picks other kernels there) 200 steps left the
    // loss at 0.69 of its start and the LoRA SFT on that base at exact-match 0.2, where another CPU had passed.
    base = await train('base', data, { mode: 'pretrain', steps: 400, batch: 8, checkpointEvery: 200 }, null)
    expect(base.checkpoints.map((c) => c.step)).toEqual([200, 400])
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean(base.losses.slice(-3))).toBeLessThan(mean(base.losses.slice(0, 3)) / 2)
    const dir = last(base).dir
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { format: string; vocab: number; context: number; dModel: number; layers: number; tensors: { name: string; shape: number[]; offset: number; length: number }[] }
    expect([model.format, model.vocab, model.context, model.dModel, model.layers]).toEqual([TORCH_LM_FORMAT, 257, 128, 64, 2])
    const layer = (i: number) => ['ln1.weight', 'ln1.bias', 'attn.weight', 'attn.bias', 'proj.weight', 'proj.bias', 'ln2.weight', 'ln2.bias', 'fc.weight', 'fc.bias', 'fc2.weight', 'fc2.bias'].map((p) => `h.${i}.${p}`)
    expect(model.tensors.map((t) => t.name)).toEqual(['wte', 'wpe', ...layer(0), ...layer(1), 'lnf.weight', 'lnf.bias'])
    let at = 0
    for (const t of model.tensors) {
      expect([t.offset, t.length]).toEqual([at, 4 * t.shape.reduce((a, b) => a * b, 1)])
      at += t.length
    }
    expect(readFileSync(join(dir, 'weights.bin')).length).toBe(at)
    expect(model.tensors.find((t) => t.name === 'h.0.attn.weight')?.shape).toEqual([192, 64])
  })

  it('LoRA SFT on the base: held-out perplexity and exact-match beat the base on the same held-out split', async () => {
    sft = await train('sft', data, SFT, last(base))
    const m = sft.metrics
    expect(m.eval_examples).toBe(data.filter(heldOut).length)
    expect(m.perplexity).toBeLessThan((m.base_perplexity as number) / 10)
    expect(m.exact_match).toBeGreaterThanOrEqual(0.5)
    expect(m.base_exact_match).toBe(0)
    expect(sft.losses[sft.losses.length - 1]).toBeLessThan(sft.losses[0] as number)
    // The files of a LoRA checkpoint: merged weights (what is served), the adapters, the optimizer state.
    expect((await hashCheckpointDir(last(sft).dir)).files.map((f) => f.path)).toEqual(['adapter.bin', 'adapter.json', 'model.json', 'optimizer.bin', 'trainer-state.json', 'weights.bin'])
    // An attester's re-run of the evaluation on the final checkpoint's files gives exactly what `done` reported.
    expect(await executor.evaluate?.(sft.run, last(sft).dir)).toEqual(m)
  })

  it('reproducing the job gives byte-identical checkpoint files, and a resumed run equals the unbroken one', async () => {
    const again = await train('sft-again', data, SFT, last(base), { manifest: sft.run.manifest })
    expect(again.roots).toEqual(sft.roots)
    expect(again.metrics).toEqual(sft.metrics)
    const { cpSync } = await import('node:fs')
    const first = sft.checkpoints[0] as RecordedCheckpointDir
    const resumedDir = join(root, 'sft-resumed', 'checkpoints', `step-${String(first.step).padStart(10, '0')}`)
    cpSync(first.dir, resumedDir, { recursive: true })
    const resumed = await train('sft-resumed', data, SFT, last(base), { manifest: sft.run.manifest, resume: { step: first.step, dir: resumedDir } })
    expect(resumed.checkpoints.map((c) => c.step)).toEqual([200, 300])
    expect(resumed.roots).toEqual(sft.roots.slice(1))
    // Another seed is another run: the hashes are not equal by accident.
    const other = await train('sft-seed', data, { ...SFT, steps: 50 }, last(base), { manifest: { ...manifestOf({ ...SFT, steps: 50 }, `checkpoint:${last(base).root}`, 8) } })
    expect(other.roots[0]).not.toBe(sft.roots[0])
  })

  it('DPO against the SFT reference raises the preference margin and keeps the task metric', async () => {
    const { writeFileSync } = await import('node:fs')
    const preferences = join(root, 'preferences.jsonl')
    // Chosen: the right topic; rejected: the next topic.
    const pairs = topicExamples().map((e) => ({ id: sha(`pair:${e.contributionId}`), prompt: e.text, chosen: e.label, rejected: LABELS[(LABELS.indexOf(e.label) + 1) % 3] }))
    writeFileSync(preferences, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n')
    const dpo = await train('dpo', data, { mode: 'dpo', steps: 40, batch: 8, lr: 0.003, beta: 0.1, sftWeight: 1, checkpointEvery: 20 }, last(sft), { preferences })
    const m = dpo.metrics
    // The policy starts as the reference (the adapters' B is zero): every margin starts at exactly 0.
    expect(m.train_pref_margin).toBeGreaterThan(0.2)
    expect(m.pref_margin).toBeGreaterThan(0.2)
    expect(m.pref_accuracy).toBeGreaterThan(0.9)
    expect(m.pref_pairs).toBe(pairs.filter((p) => parseInt(p.id.slice(0, 8), 16) % 5 === 0).length)
    expect(m.exact_match).toBeGreaterThanOrEqual(m.base_exact_match as number)
    const again = await train('dpo-again', data, {}, last(sft), { preferences, manifest: dpo.run.manifest })
    expect(again.roots).toEqual(dpo.roots)
  })

  it('TracIn over the LoRA parameters gives the highest score to the contribution the held-out twin draws on', async () => {
    // Held out: the twin alone (its id is 0 mod 10^6; no other id is): its loss is what the scores explain.
    const job = await train('sft-attribution', data, { ...SFT, steps: 60, checkpointEvery: 20, holdOutEvery: 1_000_000 }, last(base))
    expect(job.metrics.eval_examples).toBe(1)
    const a = await executor.attribute?.(job.run, job.checkpoints)
    expect(a?.method).toBe('tracin-lm@1')
    const scores = [...(a?.scores ?? new Map<string, number>())]
    expect(scores.map(([, s]) => s).reduce((x, y) => x + y, 0)).toBe(ATTRIBUTION_TOTAL)
    // Only training items are scored: the held-out twin is not a contribution to this model.
    expect(scores.map(([id]) => id).sort()).toEqual(data.filter((e) => e !== TWIN).map((e) => e.contributionId).sort())
    const ranked = [...scores].sort((x, y) => y[1] - x[1])
    expect(ranked[0]?.[0]).toBe(PLANTED.contributionId)
    expect(ranked[0]?.[1]).toBeGreaterThan(3 * (ranked[1]?.[1] as number))
    // The same checkpoints give the same scores (what a reproduction compares).
    expect(await executor.attribute?.(job.run, job.checkpoints)).toEqual(a)
  })

  it('refuses a bad request with the reason and writes no checkpoint', async () => {
    await expect(train('bad-dpo', data, { mode: 'dpo', steps: 2 }, null)).rejects.toThrow('worker: Refused: a dpo job needs a base model')
    await expect(train('bad-heads', data, { mode: 'pretrain', steps: 2, dModel: 30, heads: 4 }, null)).rejects.toThrow('dModel 30 is not a multiple of heads 4')
    await expect(train('bad-mode', data, { mode: 'rlhf', steps: 2 }, null)).rejects.toThrow('mode must be pretrain, sft or dpo')
  })
})
