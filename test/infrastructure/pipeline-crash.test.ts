/**
 * SIGKILL during pipelined commits: a child process runs the economy's command handler on SQLite
 * with many concurrent callers, so commands are decided on top of appends that have not committed
 * yet and committed in shared batches on the writer thread. Killed at different moments, it must
 * leave every command it acknowledged in the log at the sequences it answered, a log that passes
 * full verification (chain, signatures, and every command re-decided against the replayed state),
 * and a store a fresh handler carries on from.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { keyFromSeed } from '../../api/sdk/index.js'
import { economy } from '../../domain/economy/index.js'
import { createRedecider } from '../../domain/ledger/redecide.js'
import { storeLines } from '../../infrastructure/bundle/lines.js'
import { createCommandHandler } from '../../infrastructure/command-handler.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../../infrastructure/store/sqlite-backend.js'
import { verifyLines } from '../../infrastructure/verify/verifier.js'
import { runUntilKilled } from '../support/kill-child.js'

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'pipeline-forever.ts')
const ledgerKey = keyFromSeed((1).toString(16).padStart(4, '0').repeat(16))

interface Ack {
  readonly hash: string
  readonly first: number
  readonly last: number
}

async function runThenKill(file: string, delayMs: number): Promise<{ acks: Ack[]; pipelined: number }> {
  const acks: Ack[] = []
  let pipelined = 0
  let timer: NodeJS.Timeout | undefined
  try {
    await runUntilKilled(FIXTURE, [file], (line, child) => {
      const [word, a, b, c] = line.split(' ')
      if (word === 'pipelined') pipelined = Number(a)
      if (word !== 'ack' || a === undefined) return
      acks.push({ hash: a, first: Number(b), last: Number(c) })
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs)
    })
  } finally {
    clearTimeout(timer)
  }
  return { acks, pipelined }
}

describe('SIGKILL during pipelined commits', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it.each([150, 600, 1500])('killed %i ms after the first ack: every acknowledged command is in the log where it was answered, and the log verifies in full', async (delayMs) => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-pipeline-crash-'))
    dirs.push(dir)
    const file = join(dir, 'ledger.db')
    const { acks, pipelined } = await runThenKill(file, delayMs)
    expect(acks.length).toBeGreaterThan(0)
    // The run did pipeline: some appends were decided on top of one not yet committed.
    if (delayMs >= 600) expect(pipelined).toBeGreaterThan(0)

    const report = await verifyLines(storeLines(createSqliteBackend(file, { readonly: true })), { trustedKey: ledgerKey.publicKey, workers: 0, redecide: (key) => createRedecider(economy, key) })
    expect(report.failure ?? null).toBeNull()
    expect(report.ok).toBe(true)
    // Every acknowledged command (resends answer their first result, so they count once) was decided again.
    expect(report.redecided ?? 0).toBeGreaterThanOrEqual(new Set(acks.map((ack) => ack.hash)).size)

    const store = await openLedgerStore({ backend: createSqliteBackend(file), signer: ledgerKey.signer, anchorIntervalMs: 0 })
    const head = await store.head()
    for (const ack of acks) {
      expect(ack.last).toBeLessThanOrEqual(head.sequence)
      expect(await store.commandResult(ack.hash)).toMatchObject({ firstSequence: ack.first, lastSequence: ack.last })
    }
    // A fresh handler folds what the crash left and carries on.
    const handler = createCommandHandler({ store, vertical: economy })
    const state = await handler.state()
    expect(state.governance.genesis).toBeDefined()
    await store.close()
  })
})
