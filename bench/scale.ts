/**
 * The ledger at scale (issue #15): a data directory of N events written from signed commands
 * (bench/economy-fixture.ts: ~110,000 accounts at 1,000,000 events), and what the CLI does with it,
 * each run in its own process and measured from outside by sampling /proc/PID/status:
 *
 * - `serve` (no trainer, gateway or console; no snapshots written): the time until /readyz answers
 *   200 and the RSS then, the RSS once the process has gone idle (the lineage index and read models
 *   follow the log in the background after ready) and at least 15 s have passed since ready (past
 *   serve's start-up collections), and the peak (VmHWM). A cold start (nothing
 *   derived kept: the start-up verification of the whole log, the read models rebuilt, the economy
 *   fold from sequence 1); a start with the log verified and the read models kept but no snapshot
 *   (the economy fold from sequence 1); a start from a snapshot at the head.
 *   Baselines of the same run: an idle `node` process, and `serve` on a ledger holding only its genesis.
 * - `verify` and `verify --full` (re-decides every command): events/s, their ratio, and each
 *   one's peak RSS, beside the idle `node` process.
 *
 * `node dist/bench/scale.js [--events 100000,300000] [--runs 3] [--concurrency 64] [--only serve|verify]`
 */
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandLedgerDir, ensureCommandLedger } from './economy-fixture.js'
import { fmt, median, say } from './stats.js'

const CLI = fileURLToPath(new URL('../api/cli/main.js', import.meta.url))

interface Memory {
  readonly rssMb: number
  /** The anonymous part of the RSS (heap, stacks, malloc): the rest is mapped files (code, libraries). */
  readonly anonMb: number
  readonly hwmMb: number
}

/** VmRSS and VmHWM of a live process, in MB (undefined once it has gone). */
function memoryOf(pid: number): Memory | undefined {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return undefined
  }
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rssMb: kb('VmRSS') / 1024, anonMb: kb('RssAnon') / 1024, hwmMb: kb('VmHWM') / 1024 }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** How long after ready `serve` is measured as settled, at the earliest. */
const SETTLE_MS = 15_000

/** CPU seconds a process has used (user + system), from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Waits until the process used under 5% of a core over 1 s (its background catch-up done), at most `ms`. */
async function idle(pid: number, ms: number): Promise<number> {
  const started = performance.now()
  let before = cpuSeconds(pid)
  while (performance.now() - started < ms) {
    await sleep(1000)
    const now = cpuSeconds(pid)
    if (now - before < 0.05) break
    before = now
  }
  return performance.now() - started
}

/** RSS of a `node` process doing nothing, after 1 s. */
async function idleNode(): Promise<Memory> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)'], { stdio: 'ignore' })
  await sleep(1000)
  const memory = memoryOf(child.pid as number)
  child.kill('SIGTERM')
  if (memory === undefined) throw new Error('the idle node process exited early')
  return memory
}

interface VerifyRun {
  readonly events: number
  readonly commands: number
  readonly redecided: number | null
  readonly seconds: number
  readonly peakMb: number
}

/** `model-ledger verify --data DIR --key KEY [--full] --json` in its own process; peak RSS sampled every 20 ms. */
async function verifyRun(dir: string, key: string, full: boolean): Promise<VerifyRun> {
  const child = spawn(process.execPath, [CLI, 'verify', '--data', dir, '--key', key, '--json', ...(full ? ['--full'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  let peak = 0
  const timer = setInterval(() => {
    const memory = memoryOf(child.pid as number)
    if (memory !== undefined && Number.isFinite(memory.hwmMb)) peak = Math.max(peak, memory.hwmMb)
  }, 20)
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  clearInterval(timer)
  const report = JSON.parse(out) as { ok: boolean; failure: unknown; seconds: number; redecided: number | null; summary: { events: number; commands: number } | null }
  if (code !== 0 || !report.ok || report.summary === null) throw new Error(`verify${full ? ' --full' : ''} failed: ${JSON.stringify(report.failure)}`)
  return { events: report.summary.events, commands: report.summary.commands, redecided: report.redecided, seconds: report.seconds, peakMb: peak }
}

interface ServeRun {
  readonly listeningMs: number
  readonly readyMs: number
  readonly atReady: Memory
  /** When the process went idle after ready (the lineage index and read models following the log). */
  readonly idleMs: number
  readonly settled: Memory
}

/** Starts serve, waits for /readyz 200, samples memory then and once it is idle, stops it (SIGTERM). */
async function serveRun(dir: string): Promise<ServeRun> {
  const started = performance.now()
  const child = spawn(process.execPath, [CLI, 'serve', '--data', dir, '--port', '0', '--no-trainer', '--no-gateway', '--no-console', '--snapshot-every', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const found = /listening on (\S+)/.exec(out)
      if (found?.[1] !== undefined) resolve(found[1])
    })
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${out}`)))
  })
  const listeningMs = performance.now() - started
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)
    if (ready) break
    await sleep(50)
  }
  const readyMs = performance.now() - started
  const atReady = memoryOf(child.pid as number)
  const idleMs = (await idle(child.pid as number, 300_000)) + readyMs
  // Settled: idle, and past serve's start-up collections (the compacting one runs a few seconds
  // after the start is over: api/cli/commands/serve.ts), so 15 s after ready at the earliest.
  await sleep(Math.max(0, readyMs + SETTLE_MS - (performance.now() - started)))
  const settled = memoryOf(child.pid as number)
  child.kill('SIGTERM')
  const code = await exited
  if (atReady === undefined || settled === undefined || code !== 0) throw new Error(`serve on ${dir} ended with ${code}`)
  return { listeningMs, readyMs, atReady, idleMs, settled }
}

/**
 * What serve derives and keeps in DIR. `everything`: the verified marker, read models, tile index
 * and snapshots (a cold start); else only the snapshots (the economy fold starts from sequence 1).
 */
function forget(dir: string, everything: boolean): void {
  const derived = everything ? ['verified.json', 'tlog-index.bin', 'projections.db', 'projections.db-wal', 'projections.db-shm', 'snapshots'] : ['snapshots']
  for (const name of derived) rmSync(join(dir, name), { recursive: true, force: true })
}

async function snapshotWrite(dir: string): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'snapshot', 'write', '--data', dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`snapshot write failed: ${out}`)
  return out.trim()
}

const mb = (value: number): string => `${value.toFixed(0)} MB`
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

function serveLine(label: string, runs: readonly ServeRun[]): void {
  const m = (pick: (r: ServeRun) => number): number => median(runs.map(pick))
  say(
    `  ${label.padEnd(30)} ready ${s(m((r) => r.readyMs)).padStart(7)} (listening ${s(m((r) => r.listeningMs))}): RSS ${mb(m((r) => r.atReady.rssMb))} (anon ${mb(m((r) => r.atReady.anonMb))}); idle at ${s(m((r) => r.idleMs))}: RSS ${mb(m((r) => r.settled.rssMb))} (anon ${mb(m((r) => r.settled.anonMb))}); peak ${mb(m((r) => r.settled.hwmMb))}`,
  )
}

async function repeat<T>(runs: number, fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < runs; i++) out.push(await fn())
  return out
}

export async function benchScale(sizes: readonly number[], runs: number, concurrency: number, only?: 'serve' | 'verify'): Promise<void> {
  say(`scale: data directories of N events written from signed commands (~1 account per 9 events), median of ${runs}`)
  const bare = median((await repeat(runs, idleNode)).map((m) => m.rssMb))
  say(`  baseline: an idle node process ${mb(bare)} RSS`)
  for (const events of [...(only === 'verify' ? [] : [1]), ...sizes]) {
    const building = performance.now()
    const fixture = await ensureCommandLedger(events, { concurrency, ...(process.stderr.isTTY ? { onProgress: (at: number) => process.stderr.write(`\r  building ${commandLedgerDir(events)}: ${fmt(at)} events`) } : {}) })
    const buildMs = performance.now() - building
    if (fixture.built) process.stderr.write(`\n  built ${fixture.dir} in ${s(buildMs)} (${fmt(Math.max(events, 1) / (buildMs / 1000))} events/s through the command handler)\n`)
    say(`${fmt(events)} events (${fixture.dir}):`)
    if (only !== 'serve' && events > 1) {
      const plain: VerifyRun[] = []
      const full: VerifyRun[] = []
      for (let i = 0; i < runs; i++) {
        plain.push(await verifyRun(fixture.dir, fixture.key, false))
        full.push(await verifyRun(fixture.dir, fixture.key, true))
      }
      const first = plain[0] as VerifyRun
      const plainRate = first.events / median(plain.map((r) => r.seconds))
      const fullRate = first.events / median(full.map((r) => r.seconds))
      say(`  verify         ${fmt(plainRate).padStart(7)} events/s (${fmt(first.events)} events, ${fmt(first.commands)} signed commands), peak RSS ${mb(Math.max(...plain.map((r) => r.peakMb)))}`)
      say(`  verify --full  ${fmt(fullRate).padStart(7)} events/s (${fmt(full[0]?.redecided ?? 0)} commands re-decided), peak RSS ${mb(Math.max(...full.map((r) => r.peakMb)))}; ${(fullRate / plainRate).toFixed(2)}x plain verify`)
    }
    if (only !== 'verify') {
      forget(fixture.dir, true)
      const cold = await serveRun(fixture.dir)
      serveLine('serve, cold', [cold])
      const warm = await repeat(runs, async () => {
        forget(fixture.dir, false)
        return serveRun(fixture.dir)
      })
      serveLine('serve, no snapshot (full fold)', warm)
      if (events > 1) {
        say(`    ${await snapshotWrite(fixture.dir)}`)
        const fromSnapshot = await repeat(runs, () => serveRun(fixture.dir))
        serveLine('serve, from the snapshot', fromSnapshot)
      }
      forget(fixture.dir, false)
    }
  }
}

if (process.argv[1]?.endsWith('scale.js')) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name)
    return i >= 0 ? process.argv[i + 1] : undefined
  }
  const sizes = (arg('--events') ?? '100000').split(',').map(Number)
  const only = arg('--only')
  if (only !== undefined && only !== 'serve' && only !== 'verify') throw new Error('--only serve|verify')
  await benchScale(sizes, Number(arg('--runs') ?? 3), Number(arg('--concurrency') ?? 64), only)
}
