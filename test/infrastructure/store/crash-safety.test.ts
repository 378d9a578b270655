/**
 * Crash safety: a child process appending with many concurrent callers is killed with SIGKILL at
 * different moments; the file it leaves must hold every append it acknowledged and a chain that
 * verifies from sequence 1 to the head, and a store reopened on it must carry on from there.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { isAnchor } from '../../../domain/ledger/anchor.js'
import { Expected } from '../../../domain/ports/event-store.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../../../infrastructure/store/sqlite-backend.js'
import { assertChain, collect, ledgerSigner } from './support.js'

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'append-forever.ts')

interface Ack {
  readonly sequence: number
  readonly stream: string
  readonly version: number
}

/** Runs the fixture, kills it `delayMs` after its first acknowledged append, returns the acks. */
function appendThenKill(file: string, delayMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, file], { stdio: ['ignore', 'pipe', 'pipe'] })
    const acks: Ack[] = []
    let buffered = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const [word, sequence, stream, version] = line.split(' ')
        if (word !== 'ack' || stream === undefined) continue
        acks.push({ sequence: Number(sequence), stream, version: Number(version) })
        timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs)
      }
    })
    child.on('error', reject)
    child.on('exit', (_code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') resolve(acks)
      else reject(new Error(`the fixture exited on its own: ${stderr}`))
    })
  })
}

describe('crash safety (SIGKILL mid-append)', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it.each([10, 60, 150, 300])('killed %i ms after the first ack: every ack survives, the chain holds', async (delayMs) => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-crash-'))
    dirs.push(dir)
    const file = join(dir, 'ledger.db')
    const acks = await appendThenKill(file, delayMs)
    expect(acks.length).toBeGreaterThan(0)

    const store = await openLedgerStore({ backend: createSqliteBackend(file), signer: ledgerSigner, anchorIntervalMs: 0 })
    const log = await collect(store.readAll())
    assertChain(log, store.ledgerPublicKey)
    for (const ack of acks) {
      expect(ack.sequence).toBeLessThanOrEqual(log.length)
      const envelope = log[ack.sequence - 1]
      expect([envelope?.stream, envelope?.streamVersion]).toEqual([ack.stream, ack.version])
    }

    // The recovered store appends and anchors on top of what the crash left.
    await store.append({ writes: [{ stream: 'order-after', expected: Expected.none, events: [{ type: 'Resumed', data: null }] }] })
    await store.close()
    const reopened = await openLedgerStore({ backend: createSqliteBackend(file), signer: ledgerSigner, anchorIntervalMs: 0 })
    const final = await collect(reopened.readAll())
    assertChain(final, reopened.ledgerPublicKey)
    expect(final.at(-1)).toSatisfy(isAnchor)
    await reopened.close()
  })
})
