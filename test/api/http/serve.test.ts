/** `model-ledger serve` spawned from dist/ as a user runs it: --port 0, a command, SIGTERM, the final anchor. */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createClient, loadKey } from '../../../api/sdk/index.js'
import { defaultParams, tokens } from '../../../domain/governance/index.js'
import { layout, openReadOnly } from '../../../infrastructure/data-dir.js'

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.MODEL_LEDGER_PASSPHRASE
  delete env.MODEL_LEDGER_PASSPHRASE_FILE
  return env
}

const BIN = join(process.cwd(), 'dist/api/cli/main.js')
const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

describe('model-ledger serve', () => {
  it('initializes, listens on a free port, serves the SDK, and seals the final anchor on SIGTERM', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'ml-serve-')), 'data')
    dirs.push(dir)
    const child = spawn(process.execPath, [BIN, 'serve', '--data', dir, '--port', '0', '--init', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() })
    let out = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /listening on (http:\/\/[^\s]+)/.exec(out)
        if (match?.[1] !== undefined) resolve(match[1])
      })
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)))
    })
    expect(out).toMatch(/ledger public key [0-9a-f]{64}/)
    const client = createClient({ baseUrl: url })
    expect(await client.health()).toMatchObject({ status: 'ok', notCovered: ['storage', 'read-models', 'background-tasks'] })
    const passphrase = (await readFile(layout(dir).devPassphrase, 'utf8')).trim()
    const ledger = client.actor(await loadKey(layout(dir).ledgerKey, passphrase))
    const info = await client.ledger()
    expect(info.publicKey).toBe(ledger.publicKey)
    const accepted = await ledger.governance({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: ledger.publicKey, treasury: tokens(1), allocations: [] } })
    expect(accepted.firstSequence).toBe(1)

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const backend = openReadOnly(dir)
    try {
      expect((await backend.lastAnchor())?.sequence).toBeGreaterThan(accepted.lastSequence)
    } finally {
      await backend.close()
    }
  })
})
