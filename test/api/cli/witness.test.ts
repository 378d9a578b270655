/** `model-ledger witness` as an operator runs it: init, print-vkey, serve, stop, serve again. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { verifierFromVkey } from '../../../domain/tlog/vkey.js'
import { submitCheckpoint } from '../../../infrastructure/witness/client.js'
import { crypto, tempDir, testLog } from '../../infrastructure/witness/support.js'

const bin = fileURLToPath(new URL('../../../dist/api/cli/main.js', import.meta.url))
const env = { ...process.env, MODEL_LEDGER_PASSPHRASE: 'witness test passphrase', MODEL_LEDGER_PASSPHRASE_FILE: '' }
const log = testLog('model-ledger/0123456789abcdef')
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [bin, 'witness', ...args], { encoding: 'utf8', env })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

/** Starts a witness and resolves with its URL once it prints "listening on". */
function serve(dir: string, ...args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, 'witness', '--data', dir, '--listen', '127.0.0.1:0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const url = /^listening on (\S+)\n/.exec(out)?.[1]
      if (url !== undefined) resolve({ url, child })
    })
    child.on('exit', (code) => reject(new Error(`witness exited ${code}: ${err}`)))
  })
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })
}

describe('model-ledger witness', () => {
  it('--init creates a key and a name once, prints the vkey, and changes nothing when run again', () => {
    const dir = tempDir()
    const first = cli('--data', dir, '--init', '--name', 'witness.example/cli', '--json')
    expect(first.code, first.err).toBe(0)
    const created = JSON.parse(first.out) as { created: boolean; name: string; vkey: string }
    expect(created).toMatchObject({ created: true, name: 'witness.example/cli' })
    const verifier = verifierFromVkey(created.vkey, crypto)
    expect(verifier.ok && [verifier.value.name, verifier.value.algorithm]).toEqual(['witness.example/cli', 0x04])
    const again = cli('--data', dir, '--init')
    expect(again.code).toBe(0)
    expect(again.out).toContain('nothing changed')
    expect(again.out).toContain(created.vkey)
    expect(cli('--data', dir, '--print-vkey').out).toBe(`${created.vkey}\n`)
    const renamed = cli('--data', dir, '--init', '--name', 'witness.example/other')
    expect(renamed.code).toBe(3)
    expect(renamed.err.trim().split('\n')).toHaveLength(1)
  })

  it('--init refuses a directory that lost its key but kept its state', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'witness.json'), '{"name":"witness.example/lost"}\n')
    const result = cli('--data', dir, '--init')
    expect(result.code).toBe(3)
    expect(result.err).toContain('refusing to create a new witness')
  })

  it('refuses usage mistakes with one line and exit 2', () => {
    const dir = tempDir()
    expect(cli('--data', dir).code).toBe(2)
    expect(cli('--data', dir, '--init', '--print-vkey').code).toBe(2)
    expect(cli('--data', dir, '--listen', '127.0.0.1:0').code).toBe(2)
    const bad = cli('--data', dir, '--listen', '127.0.0.1:0', '--log', `${log.origin}=not-a-vkey`)
    expect([bad.code, bad.err.trim().split('\n').length]).toEqual([2, 1])
    expect(cli('--data', dir, '--listen', 'nowhere', '--log', `${log.origin}=${log.vkey}`).code).toBe(2)
  })

  it('serves add-checkpoint, keeps what it cosigned across a restart, and refuses a second witness on the same directory', async () => {
    const dir = tempDir()
    const vkey = (JSON.parse(cli('--data', dir, '--init', '--json').out) as { vkey: string }).vkey
    const verifier = verifierFromVkey(vkey, crypto)
    if (!verifier.ok) throw new Error(verifier.reason)
    const config = join(dir, 'logs.json')
    writeFileSync(config, JSON.stringify({ logs: [{ origin: log.origin, vkeys: [log.vkey] }] }))

    const first = await serve(dir, '--log', `${log.origin}=${log.vkey}`)
    const accepted = await submitCheckpoint(first.url, 0, [], log.checkpoint(9), { verifier: verifier.value })
    expect(accepted.ok).toBe(true)
    const second = cli('--data', dir, '--listen', '127.0.0.1:0', '--config', config)
    expect(second.code).toBe(3)
    expect(second.err).toContain('in use')
    expect(await stopped(first.child)).toBe(0)

    const restarted = await serve(dir, '--config', config)
    expect(await submitCheckpoint(restarted.url, 0, [], log.checkpoint(12), { verifier: verifier.value })).toEqual({ ok: false, kind: 'conflict', size: 9 })
    expect((await submitCheckpoint(restarted.url, 9, log.proof(9, 12), log.checkpoint(12), { verifier: verifier.value })).ok).toBe(true)
    expect(await stopped(restarted.child)).toBe(0)
  }, 60_000)
})
