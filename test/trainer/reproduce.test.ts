/**
 * model-ledger reproduce, as a user runs it: a completed reference job re-run from its manifest
 * matches the log checkpoint by checkpoint, in its metrics and its attribution (exit 0); with
 * --attest a staked validator's key file signs an AttestEvaluation that agrees; once a blob of its
 * dataset has changed, reproduction refuses (non-zero exit, the blob named).
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeyFile, loadSigner, Secret } from '../../infrastructure/keys/index.js'
import { FAST_COST, foldDir, requestTraining, seedDataDir, stakeValidator, syntheticItems } from './fixture.js'
import { openTrainer } from './support.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'api/cli/main.ts', 'reproduce', ...args], { encoding: 'utf8' })

describe('model-ledger reproduce', () => {
  it('re-runs a job to the recorded checkpoint hashes, metrics and attribution, attests it, and refuses when the data changed', async () => {
    const items = syntheticItems(20)
    const s = await seedDataDir(items)
    dirs.push(s.dir)
    const jobId = await requestTraining(s.dir, s.mandateId, { epochs: 6, checkpointEvery: 2 })
    const t = await openTrainer(s.dir)
    await t.trainer.runOnce()
    await t.close()

    const ok = cli('--data', s.dir, '--job', jobId)
    expect(ok.stdout.match(/: match /g)).toHaveLength(3)
    expect(ok.stdout).toContain('manifest matches the recorded hash; metrics agree; attribution matches; reproduced')
    expect(ok.status).toBe(0)

    const keyFile = join(s.dir, 'attester.key')
    const passphraseFile = join(s.dir, 'attester.pass')
    writeFileSync(passphraseFile, 'attester passphrase\n', { mode: 0o600 })
    await createKeyFile(keyFile, new Secret('attester passphrase'), { label: 'attester', cost: FAST_COST })
    const attester = await loadSigner(keyFile, new Secret('attester passphrase'))
    await stakeValidator(s.dir, attester)
    const attested = cli('--data', s.dir, '--job', jobId, '--attest', '--key-file', keyFile, '--passphrase-file', passphraseFile)
    expect(attested.stderr).toBe('')
    expect(attested.stdout).toMatch(/attested checkpoint [0-9a-f]{64} \(agrees\): command [0-9a-f]{64}/)
    expect(attested.status).toBe(0)
    const job = (await foldDir(s.dir)).training.jobs.get(jobId)
    const final = job?.checkpoints.at(-1)?.root ?? ''
    expect([...(job?.attestations.get(final)?.byAttester.values() ?? [])].map((a) => a.agrees)).toEqual([true])

    const first = createHash('sha256').update((items[0] as { text: string }).text).digest('hex')
    writeFileSync(join(s.dir, 'blobs', first.slice(0, 2), first), 'changed')
    const refused = cli('--data', s.dir, '--job', jobId)
    expect(refused.status).not.toBe(0)
    expect(refused.stderr).toMatch(/blob/)
  })
})
