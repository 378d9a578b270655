/**
 * `model-ledger serve` failing well, as a user meets it: real child processes, real SQLite files,
 * real signals. Each fatal start prints one line and exits non-zero within seconds; a second
 * writer is refused; SIGKILL leaves no stale lock; a tampered log refuses to start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { createClient, loadKey } from '../../../api/sdk/index.js'
import { defaultParams, tokens } from '../../../domain/governance/index.js'
import { layout } from '../../../infrastructure/data-dir.js'
import { CLI_BIN, envWithoutPassphrase } from '../../support/spawned-cli.js'

const BIN = CLI_BIN
const dirs: string[] = []
const children: ChildProcess[] = []
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

const env = envWithoutPassphrase

async function freshDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'ml-serve-fail-'))
  dirs.push(parent)
  return join(parent, 'data')
}

function initDir(dir: string): void {
  expect(spawnSync(process.execPath, [BIN, 'init', '--data', dir], { env: env() }).status).toBe(0)
}

interface Ended {
  readonly code: number | null
  readonly stderr: string
  readonly ms: number
}

/** Runs serve to its end (it must end by itself), with the non-JSON stderr lines: what a person reads. */
function serveToEnd(dir: string, ...extra: string[]): Promise<Ended> {
  const started = Date.now()
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dir, '--port', '0', '--no-trainer', '--no-gateway', '--log-level', 'silent', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env: env() })
  children.push(child)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout.resume()
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr: stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{')).join('\n'), ms: Date.now() - started })))
}

interface Running {
  readonly child: ChildProcess
  readonly url: string
  readonly stderr: () => string
}

function serveRunning(dir: string, ...extra: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dir, '--port', '0', '--no-trainer', '--no-gateway', '--log-level', 'info', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env: env() })
  children.push(child)
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match?.[1] !== undefined) resolve({ child, url: match[1], stderr: () => err })
    })
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)))
  })
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill(signal)
  return exited
}

/** A data directory whose log holds a genesis and the anchor sealed at shutdown. */
async function ledgerWithEvents(): Promise<string> {
  const dir = await freshDir()
  const running = await serveRunning(dir, '--init')
  const passphrase = (await readFile(layout(dir).devPassphrase, 'utf8')).trim()
  const ledger = createClient({ baseUrl: running.url }).actor(await loadKey(layout(dir).ledgerKey, passphrase))
  await ledger.governance({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: ledger.publicKey, treasury: tokens(1), allocations: [] } })
  expect(await stop(running.child, 'SIGTERM')).toBe(0)
  return dir
}

function expectOneLineFailure(ended: Ended, pattern: RegExp): void {
  expect(ended.code).not.toBe(0)
  expect(ended.code).not.toBeNull()
  expect(ended.stderr.split('\n')).toHaveLength(1)
  expect(ended.stderr).toMatch(pattern)
  expect(ended.ms).toBeLessThan(10_000)
}

describe('serve fails at start with one line and a non-zero exit, within seconds', () => {
  it('port in use', async () => {
    const dir = await freshDir()
    const blocker = createServer()
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)))
    try {
      const ended = await serveToEnd(dir, '--init', '--port', String(port))
      expectOneLineFailure(ended, /^model-ledger serve: .*EADDRINUSE/)
    } finally {
      blocker.close()
    }
    // The lock died with it: the directory serves again.
    const again = await serveRunning(dir)
    expect(await stop(again.child, 'SIGTERM')).toBe(0)
  })

  it('a corrupt database', async () => {
    const dir = await freshDir()
    initDir(dir)
    await writeFile(layout(dir).ledgerDb, Buffer.alloc(8192, 0x5a))
    for (const suffix of ['-wal', '-shm']) await rm(`${layout(dir).ledgerDb}${suffix}`, { force: true })
    expectOneLineFailure(await serveToEnd(dir), /^model-ledger serve: .*(not a database|malformed)/)
  })

  it('a bad config file', async () => {
    const dir = await freshDir()
    initDir(dir)
    await writeFile(layout(dir).config, '{ "anchorEvery": ')
    expectOneLineFailure(await serveToEnd(dir), /^model-ledger serve: .*JSON/)
  })
})

describe('start-up integrity', () => {
  it('refuses a log with a rewritten event, naming its sequence; verifies only the tail after a clean start', async () => {
    const dir = await ledgerWithEvents()
    // A clean start verifies the whole log and marks the last anchor as verified.
    const first = await serveRunning(dir)
    expect(await stop(first.child, 'SIGTERM')).toBe(0)
    expect(first.stderr()).toMatch(/"from":1,.*"msg":"log verified"/)
    const marker = JSON.parse(await readFile(join(dir, 'verified.json'), 'utf8')) as { sequence: number; hash: string }
    expect(marker.sequence).toBeGreaterThan(1)
    // The next start checks the marked event and verifies from just after it.
    const second = await serveRunning(dir)
    expect(await stop(second.child, 'SIGTERM')).toBe(0)
    expect(second.stderr()).toContain(`"from":${marker.sequence + 1},`)

    const db = new Database(layout(dir).ledgerDb)
    db.prepare(`UPDATE events SET envelope = replace(envelope, '"recordedAt":"20', '"recordedAt":"19') WHERE sequence = ?`).run(marker.sequence)
    db.close()
    expectOneLineFailure(await serveToEnd(dir), new RegExp(`^model-ledger serve: the log does not verify at sequence ${marker.sequence}: .*refusing to start`))

    await rm(join(dir, 'verified.json'))
    const db2 = new Database(layout(dir).ledgerDb)
    db2.prepare(`UPDATE events SET envelope = replace(envelope, '"recordedAt":"19', '"recordedAt":"20') WHERE sequence = ?`).run(marker.sequence)
    db2.prepare(`UPDATE events SET envelope = replace(envelope, '"treasury":"', '"treasury":"9') WHERE sequence = 1`).run()
    db2.close()
    expectOneLineFailure(await serveToEnd(dir), /^model-ledger serve: the log does not verify at sequence 1: hash does not match/)
  })
})

describe('one writer per data directory', () => {
  it('refuses a second serve and an import, and a SIGKILLed holder leaves no stale lock', async () => {
    const dir = await freshDir()
    const holder = await serveRunning(dir, '--init')
    const second = await serveToEnd(dir)
    expectOneLineFailure(second, new RegExp(`^model-ledger serve: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another model-ledger process \\(held by pid ${holder.child.pid ?? 0}: serve since .*\\); stop it first$`))
    const imported = spawnSync(process.execPath, [BIN, 'import', '--bundle', join(dir, 'any.bundle'), '--data', dir], { encoding: 'utf8', env: env() })
    expect(imported.status).toBe(3)
    expect(imported.stderr).toMatch(/^model-ledger import: .* is in use by another model-ledger process \(held by pid \d+: serve since .*\n$/)
    expect(await stop(holder.child, 'SIGKILL')).toBeNull()
    expect(existsSync(join(dir, 'lock.json'))).toBe(true) // the stale note stays; the lock does not
    const next = await serveRunning(dir)
    expect(await stop(next.child, 'SIGTERM')).toBe(0)
  })
})
