/**
 * The process executor: runs an operator-configured command (any framework, any device) as
 *
 *   COMMAND ARGS… RUN_JSON
 *
 * where RUN_JSON holds the manifest, the verified dataset as a JSON-lines file, where checkpoints
 * go and where to resume from. The command speaks JSON lines on stdout (anything else is
 * ignored):
 *
 *   {"type":"progress","step":N,"totalSteps":N,"metrics":{…}}
 *   {"type":"checkpoint","step":N,"dir":"…","metrics":{…}}   a finished directory, never touched again
 *   {"type":"done","metrics":{…}}                            held-out metrics; then exit 0
 *   {"type":"attribution","method":"…","scores":{"<contribution id>":n,…}}   raw influences (an `attribute` task)
 *   {"type":"error","message":"…"}
 *
 * An executor built on this one (trainer/executors/torch-lm.ts) adds fields to RUN_JSON: `task`
 * (train, evaluate or attribute) and what the task needs.
 *
 * A run without `done`, a non-zero exit, a timeout or a cancellation is an error; the child is
 * sent SIGTERM, then SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { isRight } from 'fp-ts/lib/Either.js'
import type { Metrics } from '../../domain/training/values.js'
import { MetricsC } from '../../domain/training/values.js'
import type { Executor, ExecutorListener, ExecutorRun } from './port.js'

export interface ProcessSpec {
  readonly name: string
  readonly command: string
  readonly args: readonly string[]
  readonly timeoutMs?: number
  readonly graceMs?: number
}

type Notice =
  | { type: 'progress'; step: number; totalSteps: number; metrics: Metrics }
  | { type: 'checkpoint'; step: number; dir: string; metrics: Metrics }
  | { type: 'done'; metrics: Metrics }
  | { type: 'attribution'; method: string; scores: Map<string, number> }
  | { type: 'error'; message: string }

/** What a worker reported: its held-out metrics and, for an attribute task, the raw scores. */
export interface ProcessResult {
  readonly metrics: Metrics
  readonly attribution?: { readonly method: string; readonly scores: ReadonlyMap<string, number> }
}

function scoresOf(value: unknown): Map<string, number> | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const out = new Map<string, number>()
  for (const [id, score] of Object.entries(value)) {
    if (!/^[0-9a-f]{64}$/.test(id) || typeof score !== 'number' || !Number.isFinite(score)) return undefined
    out.set(id, score)
  }
  return out
}

function metricsOf(value: unknown): Metrics {
  const decoded = MetricsC.decode(value ?? {})
  return isRight(decoded) ? decoded.right : {}
}

/** One stdout line as a notice, or undefined for anything that is not one. */
export function parseNotice(line: string): Notice | undefined {
  let v: Record<string, unknown>
  try {
    v = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null) return undefined
  const step = typeof v.step === 'number' && Number.isSafeInteger(v.step) && v.step >= 0 ? v.step : undefined
  if (v.type === 'progress' && step !== undefined) return { type: 'progress', step, totalSteps: typeof v.totalSteps === 'number' ? v.totalSteps : step, metrics: metricsOf(v.metrics) }
  if (v.type === 'checkpoint' && step !== undefined && typeof v.dir === 'string') return { type: 'checkpoint', step, dir: v.dir, metrics: metricsOf(v.metrics) }
  if (v.type === 'done') return { type: 'done', metrics: metricsOf(v.metrics) }
  if (v.type === 'error') return { type: 'error', message: String(v.message) }
  if (v.type === 'attribution' && typeof v.method === 'string') {
    const scores = scoresOf(v.scores)
    if (scores !== undefined) return { type: 'attribution', method: v.method, scores }
  }
  return undefined
}

async function writeRunFile(run: ExecutorRun, extra: Readonly<Record<string, unknown>>): Promise<string> {
  const dataset = join(run.workDir, 'dataset.jsonl')
  await writeFile(dataset, run.examples.map((e) => JSON.stringify(e)).join('\n') + '\n')
  const task = typeof extra.task === 'string' && extra.task !== 'train' ? `-${extra.task}` : ''
  const path = join(run.workDir, `run${task}.json`)
  const checkpointsDir = join(run.checkpointDir(0), '..')
  await writeFile(path, JSON.stringify({ manifest: run.manifest, dataset, checkpointsDir, checkpointName: 'step-<step, 10 digits>', resume: run.resume, ...extra }, null, 2))
  return path
}

async function handle(notice: Notice, run: ExecutorRun, listener: ExecutorListener, result: { attribution?: ProcessResult['attribution'] }): Promise<Metrics | undefined> {
  switch (notice.type) {
    case 'progress':
      listener.progress(notice.step, notice.totalSteps, notice.metrics)
      return undefined
    case 'checkpoint':
      // The trainer resumes from checkpointDir(step): a checkpoint anywhere else could not be found again.
      if (notice.dir !== run.checkpointDir(notice.step)) throw new Error(`checkpoint at step ${notice.step} is not in ${run.checkpointDir(notice.step)}`)
      await listener.checkpoint(notice.step, notice.dir, notice.metrics)
      return undefined
    case 'done':
      return notice.metrics
    case 'attribution':
      result.attribution = { method: notice.method, scores: notice.scores }
      return undefined
    case 'error':
      throw new Error(`worker: ${notice.message}`)
  }
}

function runChild(spec: ProcessSpec, runFile: string, run: ExecutorRun, listener: ExecutorListener): Promise<ProcessResult> {
  // Its own process group, so that stopping it also stops whatever it started (shells, data loaders),
  // which would otherwise hold stdout open.
  const child = spawn(spec.command, [...spec.args, runFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal)
    } catch {
      // Already gone.
    }
  }
  let stderrTail = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000)
  })
  let stopReason: string | undefined
  const stop = (reason: string): void => {
    stopReason ??= reason
    signalGroup('SIGTERM')
    setTimeout(() => signalGroup('SIGKILL'), spec.graceMs ?? 5_000).unref()
  }
  const timer = spec.timeoutMs === undefined ? undefined : setTimeout(() => stop(`timed out after ${spec.timeoutMs} ms`), spec.timeoutMs)
  const onAbort = (): void => stop('canceled')
  run.signal.addEventListener('abort', onAbort)
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const spawnError = new Promise<never>((_, reject) => child.on('error', (error) => reject(new Error(`could not start ${spec.command}: ${error.message}`))))
  const work = (async () => {
    let result: Metrics | undefined
    const reported: { attribution?: ProcessResult['attribution'] } = {}
    try {
      // Lines are handled one at a time, so a checkpoint is recorded before the next notice is read.
      for await (const line of createInterface({ input: child.stdout })) {
        const notice = parseNotice(line)
        if (notice !== undefined) result = (await handle(notice, run, listener, reported)) ?? result
      }
    } catch (error) {
      stop('protocol error')
      throw error
    }
    const code = await exited
    if (stopReason !== undefined) throw new Error(`worker ${stopReason}`)
    if (code !== 0) throw new Error(`worker exited with ${code ?? 'a signal'}: ${stderrTail.trim().split('\n').slice(-1)[0] ?? ''}`)
    if (result === undefined) throw new Error('worker exited without reporting done')
    return { metrics: result, ...(reported.attribution === undefined ? {} : { attribution: reported.attribution }) }
  })()
  return Promise.race([work, spawnError]).finally(() => {
    if (timer !== undefined) clearTimeout(timer)
    run.signal.removeEventListener('abort', onAbort)
  })
}

/** Runs the command once on RUN_JSON (plus `extra`'s fields) and returns what it reported. */
export async function runProcess(spec: ProcessSpec, run: ExecutorRun, listener: ExecutorListener, extra: Readonly<Record<string, unknown>> = {}): Promise<ProcessResult> {
  return runChild(spec, await writeRunFile(run, extra), run, listener)
}

export function processExecutor(spec: ProcessSpec): Executor {
  return {
    name: `process:${spec.name}`,
    codeVersion: `process:${spec.name}:${[spec.command, ...spec.args].join(' ')}`,
    async run(run, listener) {
      return (await runProcess(spec, run, listener)).metrics
    },
  }
}
