/**
 * `process:torch-lm` (CPU) and `process:torch-lm-cuda`: the causal language-model worker
 * (trainer/workers/torch_lm_worker.py) run through the process executor's protocol, with what a
 * process executor cannot do alone: it hands the worker the verified base model and preference
 * pairs (trainer/inputs.ts), re-runs an evaluation on a checkpoint directory, and computes TracIn
 * attribution at the recorded checkpoints.
 *
 * Its code version names the worker by the hash of its file and the device class the worker
 * reports (`cpu:x86_64`, `cuda:NVIDIA-H200:sm_90`, …): both go into the manifest, whose hash the
 * claim commits to, so a reproduction on another device class or another worker is told so by the
 * manifest check, not by a puzzling checkpoint mismatch. The worker refuses a run whose device
 * class differs from the one the manifest was made for.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Metrics } from '../../domain/training/values.js'
import { baseRootOf } from '../inputs.js'
import type { Attribution, Executor, ExecutorListener, ExecutorRun, RecordedCheckpointDir } from './port.js'
import { runProcess, type ProcessSpec } from './process.js'
import { normalize } from './reference/tracin.js'

export const TORCH_LM_FORMAT = 'model-ledger/torch-lm@1'
export const TORCH_LM_CODE = 'torch-lm@1'

export interface TorchLmSpec {
  /** The interpreter, e.g. /usr/bin/python3. */
  readonly command: string
  /** Its arguments before RUN_JSON; the `.py` among them is the worker, hashed into the code version. */
  readonly args: readonly string[]
  readonly device?: 'cpu' | 'cuda'
  readonly timeoutMs?: number
  readonly graceMs?: number
}

function workerHash(args: readonly string[]): string {
  const script = args.find((a) => a.endsWith('.py'))
  if (script === undefined) return 'unhashed'
  return createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 16)
}

/** Asks the worker which device class it runs on (one torch start); refuses when it cannot say. */
function probeDeviceClass(spec: TorchLmSpec, device: string): string {
  const out = spawnSync(spec.command, [...spec.args, '--device-class', device], { encoding: 'utf8', timeout: 120_000 })
  const line = (out.stdout ?? '').trim().split('\n').pop() ?? ''
  if (out.status !== 0 || !/^(?:cpu|cuda):\S+$/.test(line)) throw new Error(`torch-lm: the worker cannot run on ${device}: ${line || (out.stderr ?? '').trim().split('\n').pop() || `exit ${String(out.status)}`}`)
  return line
}

const silent: ExecutorListener = { progress: () => undefined, checkpoint: () => Promise.reject(new Error('an evaluate or attribute task wrote a checkpoint')) }

export function torchLmExecutor(spec: TorchLmSpec): Executor {
  const device = spec.device ?? 'cpu'
  const name = device === 'cuda' ? 'torch-lm-cuda' : 'torch-lm'
  const process: ProcessSpec = { name, command: spec.command, args: spec.args, ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }), ...(spec.graceMs === undefined ? {} : { graceMs: spec.graceMs }) }
  let deviceClass: string | undefined
  // Probed on first use, not at construction: a trainer configured for torch-lm starts without torch.
  const classOf = (): string => (deviceClass ??= probeDeviceClass(spec, device))
  const worker = workerHash(spec.args)

  function inputsOf(run: ExecutorRun): Record<string, unknown> {
    const base = run.inputs?.base ?? null
    if (run.manifest.baseModel !== null && baseRootOf(run.manifest.baseModel) === null) throw new Error(`torch-lm: baseModel must name a recorded checkpoint as checkpoint:<root>, not ${run.manifest.baseModel}`)
    if (run.manifest.baseModel !== null && base === null) throw new Error('torch-lm: the base model was not fetched')
    return { device, deviceClass: classOf(), base, preferences: run.inputs?.preferences ?? null }
  }

  return {
    name: `process:${name}`,
    get codeVersion() {
      return `${TORCH_LM_CODE} worker=${worker} device=${classOf()}`
    },
    async run(run, listener): Promise<Metrics> {
      return (await runProcess(process, run, listener, { task: 'train', ...inputsOf(run) })).metrics
    },
    async evaluate(run, checkpointDir): Promise<Metrics> {
      return (await runProcess(process, run, silent, { task: 'evaluate', evaluateDir: checkpointDir, ...inputsOf(run) })).metrics
    },
    async attribute(run, checkpoints: readonly RecordedCheckpointDir[]): Promise<Attribution> {
      const result = await runProcess(process, run, silent, { task: 'attribute', checkpoints, ...inputsOf(run) })
      if (result.attribution === undefined) throw new Error('torch-lm: the worker reported no attribution')
      return { method: result.attribution.method, scores: normalize(result.attribution.scores) }
    },
  }
}
