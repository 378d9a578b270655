/**
 * `serve --witness` as an operator runs it: real processes for the ledger server and two
 * witnesses (`model-ledger witness`), real SQLite files. The checkpoint /tlog/checkpoint serves
 * carries both cosignatures and passes `verify --checkpoint … --witness … --min-witnesses 2`; with
 * one witness stopped, commands are still appended and checkpoints sealed, /readyz stays ready and
 * names the failing witness, and the published note (two cosignatures needed) stays where it was,
 * across a restart of the server too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createClient, loadKey } from '../../../api/sdk/index.js'
import { defaultParams, tokens } from '../../../domain/governance/index.js'
import { defaultOrigin, logVkey, parseCheckpoint } from '../../../domain/tlog/checkpoint.js'
import { parseNote } from '../../../domain/tlog/note.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { layout } from '../../../infrastructure/data-dir.js'

const BIN = join(process.cwd(), 'dist/api/cli/main.js')
const dirs: string[] = []
const children: ChildProcess[] = []
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

const env = (): NodeJS.ProcessEnv => ({ ...process.env, MODEL_LEDGER_PASSPHRASE: 'serve witness test', MODEL_LEDGER_PASSPHRASE_FILE: '' })

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: env() })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

/** Spawns a long-running command; resolves with the URL it prints on "listening on". */
function running(args: readonly string[]): Promise<{ child: ChildProcess; url: string; err: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env() })
  children.push(child)
  let out = ''
  let err = ''
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      if (url !== undefined) resolve({ child, url, err: () => err })
    })
    child.once('exit', (code) => reject(new Error(`${args[0] ?? ''} exited ${code}: ${err}`)))
  })
}

function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  return exited
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function sizeOf(note: string): number {
  const parsed = parseNote(note)
  const checkpoint = parsed.ok ? parseCheckpoint(parsed.value.text) : undefined
  if (checkpoint?.ok !== true) throw new Error('not a checkpoint note')
  return checkpoint.value.size
}

async function checkpointAt(url: string): Promise<{ status: number; note: string }> {
  const response = await fetch(`${url}/tlog/checkpoint`)
  return { status: response.status, note: await response.text() }
}

describe('model-ledger serve --witness', () => {
  it('publishes checkpoints two witness processes cosigned; verify accepts them; a stopped witness holds nothing up', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'ml-serve-witness-'))
    dirs.push(parent)
    const dir = join(parent, 'data')
    expect(cli('init', '--data', dir).code).toBe(0)
    await writeFile(layout(dir).config, `${JSON.stringify({ anchorEvery: 1000, anchorIntervalMs: 100 })}\n`)
    const ledgerKey = (await readFile(layout(dir).ledgerPub, 'utf8')).trim()
    const origin = defaultOrigin(ledgerKey)
    const log = `${origin}=${logVkey(origin, ledgerKey, nativeCrypto)}`

    const witnesses = []
    for (const name of ['a', 'b']) {
      const wdir = join(parent, `witness-${name}`)
      const init = cli('witness', '--data', wdir, '--init', '--name', `witness.example/${name}`, '--json')
      expect(init.code, init.err).toBe(0)
      const { vkey } = JSON.parse(init.out) as { vkey: string }
      const process = await running(['witness', '--data', wdir, '--listen', '127.0.0.1:0', '--log', log])
      witnesses.push({ name, vkey, ...process })
    }
    const [a, b] = witnesses as [(typeof witnesses)[number], (typeof witnesses)[number]]
    const serveArgs = ['serve', '--data', dir, '--port', '0', '--no-trainer', '--no-gateway', '--witness-poll-ms', '50', '--witness', `${a.url}=${a.vkey}`, '--witness', `${b.url}=${b.vkey}`, '--min-witnesses', '2']
    let server = await running(serveArgs)
    expect((await checkpointAt(server.url)).status).toBe(404)

    const passphrase = (await readFile(layout(dir).devPassphrase, 'utf8').catch(() => 'serve witness test')).trim()
    const ledger = createClient({ baseUrl: server.url }).actor(await loadKey(layout(dir).ledgerKey, passphrase))
    await ledger.governance({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: ledger.publicKey, treasury: tokens(1), allocations: [] } })
    const first = await until('a cosigned checkpoint', async () => {
      const got = await checkpointAt(server.url)
      return got.status === 200 ? got.note : undefined
    })
    const parsed = parseNote(first)
    expect(parsed.ok && parsed.value.signatures.map((s) => s.name)).toEqual([origin, 'witness.example/a', 'witness.example/b'])
    const notePath = join(parent, 'checkpoint.note')
    await writeFile(notePath, first)
    const verified = cli('verify', '--data', dir, '--key', ledgerKey, '--checkpoint', notePath, '--witness', a.vkey, '--witness', b.vkey, '--min-witnesses', '2')
    expect(verified.code, verified.out + verified.err).toBe(0)
    expect(verified.out).toMatch(/^OK: /)
    // One witness is not two.
    expect(cli('verify', '--data', dir, '--key', ledgerKey, '--checkpoint', notePath, '--witness', a.vkey, '--min-witnesses', '2').code).toBe(2)

    // Witness b stops: the log goes on, a cosigns the new checkpoint, the published one stays.
    expect(await stop(b.child)).toBe(0)
    await ledger.governance({ type: 'RegisterIdentity', payload: { displayName: 'still appending' } })
    const readyz = await until('witness b failing', async () => {
      const body = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string; witnesses: { name: string; failing: boolean; cosignedSize: number | null }[] }
      return body.witnesses[1]?.failing === true && (body.witnesses[0]?.cosignedSize ?? 0) > sizeOf(first) ? body : undefined
    })
    expect(readyz.status).toBe('ready')
    expect((await checkpointAt(server.url)).note).toBe(first)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toContain('model_ledger_witness_failing{witness="witness.example/b"} 1')

    // A restart serves the published note at once, from DIR/cosigning.db.
    expect(await stop(server.child)).toBe(0)
    server = await running(serveArgs)
    expect((await checkpointAt(server.url)).note).toBe(first)
    expect(await stop(server.child)).toBe(0)
    expect(await stop(a.child)).toBe(0)
  }, 60_000)
})
