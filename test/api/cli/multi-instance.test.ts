/**
 * Two `model-ledger serve --store postgres://…` processes (the built CLI) on one ledger, driven
 * with signed commands over HTTP through the SDK. Under load, the process holding the sequencer's
 * advisory lock at that moment is SIGKILLed; clients resend whatever was not acknowledged to the
 * other process. Afterwards every acknowledged command is in the log at the sequences it was
 * acknowledged with, and the whole log verifies.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, generateKey, loadKey, type ActorKey, type LedgerClient } from '../../../api/sdk/index.js'
import type { CommandAccepted } from '../../../api/sdk/index.js'
import type { SignedCommand } from '../../../domain/ledger/command.js'
import { defaultParams, tokens } from '../../../domain/governance/index.js'
import { storeLines } from '../../../infrastructure/bundle/lines.js'
import { initDataDir, layout } from '../../../infrastructure/data-dir.js'
import { createPostgresBackend } from '../../../infrastructure/store/postgres-backend.js'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { createTestDatabase, type TestDatabase } from '../../infrastructure/store/postgres-db.js'

const BIN = join(process.cwd(), 'dist/api/cli/main.js')
const LOCK_CLASS = 0x4d4c

interface Instance {
  readonly name: string
  readonly child: ChildProcess
  readonly client: LedgerClient
  readonly exited: Promise<number | null>
  alive: boolean
}

let db: TestDatabase
let root: string
const children: ChildProcess[] = []
beforeAll(async () => {
  db = await createTestDatabase()
  root = await mkdtemp(join(tmpdir(), 'ml-multi-'))
})
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await db.drop()
  await rm(root, { recursive: true, force: true })
})

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.MODEL_LEDGER_PASSPHRASE
  delete env.MODEL_LEDGER_PASSPHRASE_FILE
  return env
}

async function serve(name: string, dir: string, store: string): Promise<Instance> {
  // application_name lets the test see which process holds the lock in pg_locks.
  const url = new URL(store)
  url.searchParams.set('application_name', name)
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dir, '--store', url.toString(), '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() })
  children.push(child)
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  let out = ''
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match?.[1] !== undefined) resolve(match[1])
    })
    void exited.then((code) => reject(new Error(`${name} exited ${code}: ${out}`)))
  })
  return { name, child, client: createClient({ baseUrl }), exited, alive: true }
}

/** The application_name of the session holding the ledger's writer lock now, if any. */
async function lockHolder(admin: pg.Client): Promise<string | undefined> {
  const { rows } = await admin.query<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [LOCK_CLASS],
  )
  return rows[0]?.application_name
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends one signed command until some live instance acknowledges it (the same bytes each time). */
async function deliver(instances: Instance[], first: number, signed: SignedCommand): Promise<CommandAccepted> {
  const deadline = Date.now() + 30_000
  for (let i = first; Date.now() < deadline; i++) {
    const target = instances[i % instances.length]
    if (target === undefined || !target.alive) continue
    try {
      return await target.client.submit(signed)
    } catch {
      // Refused connection (killed), rate limit or a store error mid-failover: resend elsewhere.
      await pause(20)
    }
  }
  throw new Error('no instance acknowledged the command')
}

describe('two serve processes on one PostgreSQL ledger', () => {
  it('SIGKILL the lock holder under load: the other takes over, no acknowledged command is lost, the log verifies', async () => {
    const store = db.url('ledger')
    const [dirA, dirB] = [join(root, 'a'), join(root, 'b')]
    const init = await initDataDir(dirA)
    // The second instance shares the ledger key and config, not the read models.
    await cp(layout(dirA).keys, layout(dirB).keys, { recursive: true })
    await cp(layout(dirA).config, layout(dirB).config)
    const instances = [await serve('instance-a', dirA, store), await serve('instance-b', dirB, store)]
    const [a, b] = instances as [Instance, Instance]

    const passphrase = (await readFile(layout(dirA).devPassphrase, 'utf8')).trim()
    const ledger = a.client.actor(await loadKey(layout(dirA).ledgerKey, passphrase))
    const actors: ActorKey[] = Array.from({ length: 6 }, () => generateKey())
    await ledger.governance({
      type: 'EstablishGenesis',
      payload: { params: defaultParams, treasuryKey: ledger.publicKey, treasury: tokens(1), allocations: actors.map((k) => ({ account: k.publicKey, amount: tokens(1000) })) },
    })
    // Registered through the other instance: it sees genesis and sequences on top of it.
    for (const key of actors) await b.client.actor(key).governance({ type: 'RegisterIdentity', payload: { displayName: key.publicKey.slice(0, 8) } })

    const acks: CommandAccepted[] = []
    let stop = false
    const workers = actors.map(async (key, i) => {
      const signer = a.client.actor(key)
      while (!stop) acks.push(await deliver(instances, i, signer.sign('WrapOpen', { amount: '1' })))
    })

    const admin = new pg.Client({ connectionString: store.replace(/\?.*$/, '') })
    await admin.connect()
    while (acks.length < 60) await pause(10)
    let holder: string | undefined
    while ((holder = await lockHolder(admin)) === undefined) await pause(1)
    const victim = instances.find((instance) => instance.name === holder)
    if (victim === undefined) throw new Error(`unknown lock holder ${holder}`)
    victim.child.kill('SIGKILL')
    victim.alive = false
    const ackedBeforeKill = acks.length
    while (acks.length < ackedBeforeKill + 60) await pause(10)
    stop = true
    await Promise.all(workers)
    await admin.end()

    const survivor = instances.find((instance) => instance.alive) as Instance
    expect(await victim.exited).toBeNull()
    survivor.child.kill('SIGTERM')
    expect(await survivor.exited).toBe(0)

    const backend = createPostgresBackend(store)
    try {
      for (const ack of acks) {
        const [first] = await backend.readRange(ack.firstSequence, 1)
        expect(first?.cause.kind === 'command' ? first.cause.commandHash : undefined, `ack at ${ack.firstSequence}`).toBe(ack.commandHash)
      }
      expect((await backend.findCommands(acks.map((ack) => ack.commandHash))).size).toBe(new Set(acks.map((ack) => ack.commandHash)).size)
      const report = await verifyLines(storeLines(backend), { trustedKey: init.publicKey, workers: 1 })
      expect(report.failure).toBeNull()
      expect(report.ok).toBe(true)
    } finally {
      await backend.close()
    }
  }, 90_000)
})
