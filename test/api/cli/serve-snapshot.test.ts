/**
 * serve with snapshots, as an operator meets it: real child processes and files. A service
 * snapshots its economy fold every N events and at shutdown; the next start reads only the tail
 * after the snapshot (its "economy folded" log line counts what it read); `snapshot check`
 * confirms the snapshot against a replay; a tampered snapshot is refused with a logged reason and
 * the start falls back to a full replay. With a PostgreSQL store the snapshots and the read models
 * are rows of the ledger's schema, and a new instance with an empty data directory starts from them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createClient, loadKey } from '../../../api/sdk/index.js'
import { defaultParams, tokens } from '../../../domain/governance/index.js'
import pg from 'pg'
import { initDataDir, layout } from '../../../infrastructure/data-dir.js'
import { createTestDatabase, type TestDatabase } from '../../infrastructure/store/postgres-db.js'
import { CLI_BIN, envWithoutPassphrase } from '../../support/spawned-cli.js'

const BIN = CLI_BIN
const dirs: string[] = []
const children: ChildProcess[] = []
let db: TestDatabase | undefined
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  await db?.drop()
})

const env = envWithoutPassphrase

interface Running {
  readonly child: ChildProcess
  readonly url: string
  /** The JSON log lines so far. */
  readonly logs: () => { msg?: string; [key: string]: unknown }[]
}

function serve(dir: string, ...extra: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dir, '--port', '0', '--no-trainer', '--no-gateway', '--no-console', '--log-level', 'info', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env: env() })
  children.push(child)
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const logs = () => err.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg?: string })
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match?.[1] !== undefined) resolve({ child, url: match[1], logs })
    })
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)))
  })
}

function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  return exited
}

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: env() })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

/** The first log line with this message (stderr may arrive after "listening" on stdout). */
async function logLine<T>(running: Running, msg: string): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const line = running.logs().find((l) => l.msg === msg)
    if (line !== undefined || Date.now() > deadline) return line as T
    await new Promise((r) => setTimeout(r, 50))
  }
}

const folded = (running: Running) => logLine<{ snapshot: number | null; tail: number; head: number }>(running, 'economy folded')

describe('serve with snapshots', () => {
  it('restarts from its snapshot reading only the tail; check confirms it; a tampered one is refused and the log replayed', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'ml-serve-snap-'))
    dirs.push(parent)
    const dir = join(parent, 'data')
    const first = await serve(dir, '--init', '--snapshot-every', '10')
    expect(await folded(first)).toEqual(expect.objectContaining({ snapshot: null, tail: 0, head: 0 }))
    const passphrase = (await readFile(layout(dir).devPassphrase, 'utf8')).trim()
    const ledger = createClient({ baseUrl: first.url }).actor(await loadKey(layout(dir).ledgerKey, passphrase))
    await ledger.governance({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: ledger.publicKey, treasury: tokens(1_000), allocations: [{ account: ledger.publicKey, amount: tokens(1_000) }] } })
    await ledger.governance({ type: 'RegisterIdentity', payload: { displayName: 'operator' } })
    for (let i = 0; i < 40; i++) await ledger.governance({ type: 'WrapOpen', payload: { amount: tokens(1) } })
    // The snapshot task looks every second.
    const deadline = Date.now() + 10_000
    while (!first.logs().some((line) => line.msg === 'snapshot written') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(first.logs().some((line) => line.msg === 'snapshot written')).toBe(true)
    expect(await stop(first.child)).toBe(0)
    // Shutdown wrote one at the last command's event (the final anchor comes after it).
    const written = first.logs().filter((line) => line.msg === 'snapshot written') as unknown as { snapshot: number }[]
    const last = written[written.length - 1]?.snapshot as number
    expect(last).toBeGreaterThanOrEqual(42)

    const second = await serve(dir)
    const resumed = await folded(second)
    expect(resumed.snapshot).toBe(last)
    expect(resumed.tail).toBe(resumed.head - last)
    expect(resumed.tail).toBeLessThan(resumed.head / 2)
    // Once the start's folds are over, one full collection hands their garbage back.
    const collected = await logLine<{ rssMb: number; beforeMb: number } | undefined>(second, 'start-up garbage collected')
    expect(collected).toMatchObject({ rssMb: expect.any(Number), beforeMb: expect.any(Number) })
    expect(collected?.rssMb).toBeGreaterThan(0)
    expect(await stop(second.child)).toBe(0)

    const check = cli('snapshot', 'check', '--data', dir, '--all')
    expect(check.err).toBe('')
    expect(check.code).toBe(0)
    expect(check.out).toMatch(/^OK: snapshot \d+ /m)

    // Tamper with the newest snapshot's state: check names the mismatch, serve refuses it and falls back.
    const snapshotsDir = join(dir, 'snapshots')
    const newest = readdirSync(snapshotsDir).sort().at(-1) as string
    const file = join(snapshotsDir, newest)
    writeFileSync(file, readFileSync(file, 'utf8').replace('"displayName","operator"', '"displayName","0perator"'))
    const bad = cli('snapshot', 'check', '--data', dir)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/^MISMATCH: snapshot \d+: its bytes hash to [0-9a-f]{64}, not the recorded [0-9a-f]{64}/)
    const third = await serve(dir, '--snapshot-every', '0')
    const refused = await logLine<{ reason: string } | undefined>(third, 'snapshot refused')
    expect(refused?.reason).toMatch(/its bytes hash to/)
    const fallback = await folded(third)
    // The next older snapshot still checks out: it starts there, and folds the longer tail.
    const tampered = Number(newest.slice(0, 16))
    expect(fallback.snapshot).not.toBeNull()
    expect(fallback.snapshot as number).toBeLessThan(tampered)
    expect(fallback.tail).toBe(fallback.head - (fallback.snapshot as number))
    expect(await stop(third.child)).toBe(0)
  }, 60_000)

  it('with a PostgreSQL store: snapshots live in the shared table, and a new instance on a fresh data directory starts from them', async () => {
    db = await createTestDatabase()
    const store = db.url('ledger')
    const parent = await mkdtemp(join(tmpdir(), 'ml-serve-snap-pg-'))
    dirs.push(parent)
    const [dirA, dirB] = [join(parent, 'a'), join(parent, 'b')]
    await initDataDir(dirA)
    const first = await serve(dirA, '--store', store, '--snapshot-every', '10')
    expect(await folded(first)).toEqual(expect.objectContaining({ snapshot: null, tail: 0 }))
    const passphrase = (await readFile(layout(dirA).devPassphrase, 'utf8')).trim()
    const ledger = createClient({ baseUrl: first.url }).actor(await loadKey(layout(dirA).ledgerKey, passphrase))
    await ledger.governance({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: ledger.publicKey, treasury: tokens(1_000), allocations: [{ account: ledger.publicKey, amount: tokens(1_000) }] } })
    await ledger.governance({ type: 'RegisterIdentity', payload: { displayName: 'operator' } })
    for (let i = 0; i < 30; i++) await ledger.governance({ type: 'WrapOpen', payload: { amount: tokens(1) } })
    expect(await stop(first.child)).toBe(0)
    const written = first.logs().filter((line) => line.msg === 'snapshot written') as unknown as { snapshot: number }[]
    const last = written.at(-1)?.snapshot as number
    expect(last).toBeGreaterThanOrEqual(32)
    // Nothing went to the data directory: the snapshots and the read models are rows of the ledger's schema.
    expect(existsSync(join(dirA, 'snapshots')) ? readdirSync(join(dirA, 'snapshots')) : []).toEqual([])
    expect(existsSync(join(dirA, 'projections.db'))).toBe(false)
    const admin = new pg.Client({ connectionString: store.replace(/\?.*$/, '') })
    await admin.connect()
    try {
      const { rows } = await admin.query<{ sequence: string; hash: string; software: string }>(
        "SELECT sequence, hash, convert_from(bytes, 'UTF8')::json->>'software' AS software FROM ledger.snapshots ORDER BY sequence DESC",
      )
      expect(rows.length).toBeGreaterThanOrEqual(1)
      expect(rows.length).toBeLessThanOrEqual(3)
      expect(Number(rows[0]?.sequence)).toBe(last)
      expect(rows[0]?.software).toMatch(/^model-ledger@[^+]+\+rules\.[0-9a-f]{16}$/)
      const models = await admin.query<{ name: string; checkpoint: string }>('SELECT name, checkpoint FROM ledger.projections')
      expect(models.rows.map((row) => row.name)).toContain('accounts')
      // Each at the position it had folded when the instance stopped (they follow the log, eventually).
      for (const row of models.rows) expect(Number(row.checkpoint)).toBeGreaterThan(last / 2)

      // A second instance: the ledger's keys and config, a data directory with nothing else in it.
      await cp(layout(dirA).keys, layout(dirB).keys, { recursive: true })
      await cp(layout(dirA).config, layout(dirB).config)
      const second = await serve(dirB, '--store', store, '--snapshot-every', '0')
      const resumed = await folded(second)
      expect(resumed.snapshot).toBe(last)
      expect(resumed.tail).toBe(resumed.head - last)
      // It decides on the state it started from: the operator, registered before the snapshot, can wrap again.
      const wrapped = await createClient({ baseUrl: second.url }).actor(await loadKey(layout(dirB).ledgerKey, passphrase)).governance({ type: 'WrapOpen', payload: { amount: tokens(1) } })
      expect(wrapped.duplicate).toBe(false)
      // Its read models started from the shared rows: the operator's account is there.
      const account = await fetch(`${second.url}/v1/accounts/${ledger.publicKey}?after=${wrapped.lastSequence}`)
      expect(account.status).toBe(200)
      expect(existsSync(join(dirB, 'projections.db'))).toBe(false)
      expect(await stop(second.child)).toBe(0)

      // A row whose bytes were altered in the table is refused by the next start, which replays.
      await admin.query("UPDATE ledger.snapshots SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '\"operator\"', '\"0perator\"'), 'UTF8')")
      const third = await serve(dirB, '--store', store, '--snapshot-every', '0')
      const refused = await logLine<{ reason: string } | undefined>(third, 'snapshot refused')
      expect(refused?.reason).toMatch(/its bytes hash to/)
      const replayed = await folded(third)
      expect(replayed.snapshot).toBeNull()
      expect(replayed.tail).toBe(replayed.head)
      expect(await stop(third.child)).toBe(0)
    } finally {
      await admin.end()
    }
  }, 90_000)
})
