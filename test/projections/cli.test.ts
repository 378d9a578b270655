/**
 * The projections CLI over a real data directory's ledger file: status before and after a rebuild,
 * show from the store and as of an earlier sequence or time, and usage errors.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { projectionsCommand } from '../../api/cli/commands/projections.js'
import { UsageError } from '../../api/cli/io.js'
import { accountsProjection } from '../../projections/read-models/accounts.js'
import { ALICE } from '../domain/governance/fixtures.js'
import { preamble } from '../domain/governance/random-commands.js'
import { openTestLedger, run, tempDir } from './support.js'

const { dir, cleanup } = tempDir('projections-cli-')
afterAll(cleanup)

async function cli(...argv: string[]): Promise<{ code: number; json: unknown }> {
  let out = ''
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString()
    return true
  })
  try {
    const code = await projectionsCommand.run(argv)
    return { code, json: JSON.parse(out) as unknown }
  } finally {
    spy.mockRestore()
  }
}

describe('model-ledger projections', () => {
  it('reports status, rebuilds, and shows now and as of an earlier point', async () => {
    const ledger = await openTestLedger(join(dir, 'ledger.db'), 1000)
    for (const command of preamble) {
      await run(ledger, command)
      ledger.clock.advance(1000)
    }
    await ledger.store.close()
    const head = 14 // 13 events of the preamble and the final anchor

    const before = await cli('status', '--data', dir, '--json')
    expect(before.json).toMatchObject({ head, projections: expect.arrayContaining([{ name: 'accounts', version: accountsProjection.version, storedVersion: null, checkpoint: 0, lag: head, state: 'not built' }]) })

    expect((await cli('rebuild', '--data', dir, 'accounts', '--json')).json).toMatchObject({ rebuilt: [{ name: 'accounts', checkpoint: head }] })
    const after = (await cli('status', '--data', dir, '--json')).json as { projections: { name: string; lag: number; state: string }[] }
    expect(after.projections.find((p) => p.name === 'accounts')).toMatchObject({ lag: 0, state: 'current' })

    const now = (await cli('show', '--data', dir, 'accounts', '--json')).json as { source: string; rows: Record<string, { open: string }> }
    expect(now.source).toBe('store')
    expect(now.rows[`account:${ALICE}`]?.open).toBe('30000000000000000000000')
    const atGenesis = (await cli('show', '--data', dir, 'accounts', '--at', '1', '--json')).json as { source: string; checkpoint: number; rows: Record<string, { open: string }> }
    expect(atGenesis).toMatchObject({ source: 'replay', checkpoint: 1 })
    expect(atGenesis.rows[`account:${ALICE}`]?.open).toBe('50000000000000000000000')
    const byTime = (await cli('show', '--data', dir, 'accounts', '--at', '2026-01-01T00:00:00.000Z', '--json')).json
    expect(byTime).toMatchObject({ checkpoint: 1 })
  })

  it('refuses what it cannot do', async () => {
    await expect(projectionsCommand.run(['show', '--data', dir, 'nope'])).rejects.toBeInstanceOf(UsageError)
    await expect(projectionsCommand.run(['status', '--data', dir, '--at', '3'])).rejects.toBeInstanceOf(UsageError)
    await expect(projectionsCommand.run(['frobnicate', '--data', dir])).rejects.toBeInstanceOf(UsageError)
  })
})
