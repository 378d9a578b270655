/**
 * Crash safety: a child process appending with many concurrent callers is killed with SIGKILL at
 * different moments; the file it leaves must hold every append it acknowledged and a chain that
 * verifies from sequence 1 to the head, and a store reopened on it must carry on from there.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runUntilKilled } from '../../support/kill-child.js'
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
async function appendThenKill(file: string, delayMs: number): Promise<Ack[]> {
  const acks: Ack[] = []
  let timer: NodeJS.Timeout | undefined
  try {
    await runUntilKilled(FIXTURE, [file], (line, child) => {
      const [word, sequence, stream, version] = line.split(' ')
      if (word !== 'ack' || stream === undefined) return
      acks.push({ sequence: Number(sequence), stream, version: Number(version) })
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs)
    })
  } finally {
    clearTimeout(timer)
  }
  return acks
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
