/**
 * model-ledger reproduce, as a user runs it: a completed reference job re-run from its manifest
 * matches the log checkpoint by checkpoint (exit 0); once a blob of its dataset has changed,
 * reproduction refuses (non-zero exit, the blob named).
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { requestTraining, seedDataDir, syntheticItems } from './fixture.js'
import { openTrainer } from './support.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'api/cli/main.ts', 'reproduce', ...args], { encoding: 'utf8' })

describe('model-ledger reproduce', () => {
  it('re-runs a job to the recorded checkpoint hashes, and refuses when the data changed', async () => {
    const s = await seedDataDir(syntheticItems(20))
    dirs.push(s.dir)
    const jobId = await requestTraining(s.dir, s.mandateId, { epochs: 6, checkpointEvery: 2 })
    const t = await openTrainer(s.dir)
    await t.trainer.runOnce()
    await t.close()

    const ok = cli('--data', s.dir, '--job', jobId)
    expect(ok.stdout.match(/: match /g)).toHaveLength(3)
    expect(ok.stdout).toContain('manifest matches the recorded hash; reproduced')
    expect(ok.status).toBe(0)

    const fan = readdirSync(join(s.dir, 'blobs')).filter((n) => n.length === 2)[0] as string
    writeFileSync(join(s.dir, 'blobs', fan, readdirSync(join(s.dir, 'blobs', fan))[0] as string), 'changed')
    const refused = cli('--data', s.dir, '--job', jobId)
    expect(refused.status).not.toBe(0)
    expect(refused.stderr).toMatch(/blob/)
  })
})
