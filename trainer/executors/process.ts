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
 *   {"type":"error","message":"…"}
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

type Notice = { type: 'progress'; step: number; totalSteps: number; metrics: Metrics } | { type: 'checkpoint'; step: number; dir: string; metrics: Metrics } | { type: 'done'; metrics: Metrics } | { type: 'error'; message: string }

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
  return undefined
}

async function writeRunFile(run: ExecutorRun): Promise<string> {
  const dataset = join(run.workDir, 'dataset.jsonl')
  await writeFile(dataset, run.examples.map((e) => JSON.stringify(e)).join('\n') + '\n')
  const path = join(run.workDir, 'run.json')
  const checkpointsDir = join(run.checkpointDir(0), '..')
  await writeFile(path, JSON.stringify({ manifest: run.manifest, dataset, checkpointsDir, checkpointName: 'step-<step, 10 digits>', resume: run.resume }, null, 2))
  return path
}

async function handle(notice: Notice, run: ExecutorRun, listener: ExecutorListener): Promise<Metrics | undefined> {
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
    case 'error':
      throw new Error(`worker: ${notice.message}`)
  }
}

function runChild(spec: ProcessSpec, runFile: string, run: ExecutorRun, listener: ExecutorListener): Promise<Metrics> {
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
    try {
      // Lines are handled one at a time, so a checkpoint is recorded before the next notice is read.
      for await (const line of createInterface({ input: child.stdout })) {
        const notice = parseNotice(line)
        if (notice !== undefined) result = (await handle(notice, run, listener)) ?? result
      }
    } catch (error) {
      stop('protocol error')
      throw error
    }
    const code = await exited
    if (stopReason !== undefined) throw new Error(`worker ${stopReason}`)
    if (code !== 0) throw new Error(`worker exited with ${code ?? 'a signal'}: ${stderrTail.trim().split('\n').slice(-1)[0] ?? ''}`)
    if (result === undefined) throw new Error('worker exited without reporting done')
    return result
  })()
  return Promise.race([work, spawnError]).finally(() => {
    if (timer !== undefined) clearTimeout(timer)
    run.signal.removeEventListener('abort', onAbort)
  })
}

export function processExecutor(spec: ProcessSpec): Executor {
  return {
    name: `process:${spec.name}`,
    codeVersion: `process:${spec.name}:${[spec.command, ...spec.args].join(' ')}`,
    async run(run, listener) {
      return runChild(spec, await writeRunFile(run), run, listener)
    },
  }
}
