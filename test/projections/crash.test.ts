/**
 * Crash between apply and checkpoint: a child process folding in tiny batches is killed with
 * SIGKILL at different moments. A runner restarted on what it left must end byte-identical to a
 * fresh rebuild; the counting projection throws on any event applied twice or skipped, and every
 * batch the child saw committed is still there.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFileSync } from 'node:fs'
import { foldFromZero } from '../../projections/fold.js'
import type { AnyProjection } from '../../projections/projection.js'
import { accountsProjection } from '../../projections/read-models/accounts.js'
import { createRunner } from '../../projections/runner.js'
import { createSqliteReadModelStore } from '../../projections/store/sqlite-store.js'
import { storedRows } from '../../projections/table.js'
import { tokens } from '../../domain/governance/amounts.js'
import { ALICE, BOB, CAROL, cmd, DAVE } from '../domain/governance/fixtures.js'
import { preamble } from '../domain/governance/random-commands.js'
import { runUntilKilled } from '../support/kill-child.js'
import { countingProjection } from './counting.js'
import { noise, openTestLedger, run, tempDir } from './support.js'

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'project-forever.ts')

/**
 * Runs the fixture and kills it once it has reported `commits` commits; returns the last checkpoint
 * it printed. Counting commits rather than milliseconds keeps the kill mid-way on any machine.
 */
async function projectThenKill(ledgerFile: string, projectionsFile: string, commits: number): Promise<number> {
  let last = 0
  let seen = 0
  await runUntilKilled(FIXTURE, [ledgerFile, projectionsFile], (line, child) => {
    const [word, checkpoint] = line.split(' ')
    if (word !== 'commit') return
    last = Number(checkpoint)
    if (++seen === commits) child.kill('SIGKILL')
  })
  return last
}

describe('crash between apply and checkpoint (SIGKILL)', () => {
  const { dir, cleanup } = tempDir('projections-crash-')
  const ledgerFile = join(dir, 'ledger.db')
  beforeAll(async () => {
    const ledger = await openTestLedger(ledgerFile, 100)
    for (const command of preamble) await run(ledger, command)
    for (let i = 0; i < 1500; i++) {
      const [from, to] = [[ALICE, BOB, CAROL, DAVE][i % 4] as string, [BOB, CAROL, DAVE, ALICE][i % 4] as string]
      await run(ledger, i % 3 === 0 ? cmd.wrap(from, tokens(1)) : cmd.transfer(from, to, tokens(1) + BigInt(i)))
      if (i % 5 === 0) await noise(ledger, i)
    }
    await ledger.store.close()
  }, 120_000)
  afterAll(cleanup)

  it.each([5, 50, 150])('killed after %i commits: a restart ends equal to a fresh rebuild', async (commits) => {
    const projectionsFile = join(dir, `projections-${commits}.db`)
    const acked = await projectThenKill(ledgerFile, projectionsFile, commits)
    expect(acked).toBeGreaterThan(0)

    // Read the ledger through a copy, so no test store ever seals an anchor into the shared file.
    const copy = join(dir, `ledger-${commits}.db`)
    copyFileSync(ledgerFile, copy)
    const ledger = await openTestLedger(copy)
    const store = createSqliteReadModelStore(projectionsFile)
    const left = await store.status('counting')
    expect(left?.checkpoint ?? 0).toBeGreaterThanOrEqual(acked)
    const head = (await ledger.store.head()).sequence
    expect(left?.checkpoint ?? 0, 'the child was killed before it finished').toBeLessThan(head)

    const projections: AnyProjection[] = [countingProjection(), accountsProjection]
    for (const projection of projections) {
      const status = await createRunner(ledger.store, store, projection, { batchSize: 50 }).catchUp()
      expect(status.checkpoint).toBe(head)
      expect(await store.rows(projection.name)).toEqual(storedRows(projection, (await foldFromZero(ledger.store, projection)).table))
    }
    expect(JSON.parse((await store.row('counting', 'count')) ?? 'null')).toMatchObject({ applied: head, last: head })
    await store.close()
  })
})
