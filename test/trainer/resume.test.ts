/**
 * A trainer killed with SIGKILL in the middle of a job: the CLI trainer restarted on the same data
 * directory reclaims the job with its key, resumes from the last recorded checkpoint, and ends
 * with the same final checkpoint hash as an uninterrupted run of the same manifest.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { openReadOnly } from '../../infrastructure/data-dir.js'
import { requestTraining, seedDataDir, syntheticItems } from './fixture.js'
import { dataOf, openTrainer } from './support.js'

const HP = { epochs: 12, checkpointEvery: 2, pauseMs: 120 }
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function cli(dir: string): ChildProcess {
  // node --import tsx, not the tsx wrapper: SIGKILL must reach the process that trains, not a parent.
  return spawn(process.execPath, ['--import', 'tsx', 'api/cli/main.ts', 'trainer', '--data', dir, '--once', '--quiet', '--progress-ms', '50'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MODEL_LEDGER_PASSPHRASE: '', MODEL_LEDGER_PASSPHRASE_FILE: '' } })
}

async function typesOf(dir: string, jobId: string) {
  const backend = openReadOnly(dir)
  const events = await backend.readStream(`training-${jobId}`, 1, 10_000)
  await backend.close()
  return events
}

const finalOf = async (dir: string, jobId: string) => dataOf<{ finalCheckpoint: string }>((await typesOf(dir, jobId)).find((e) => e.type === 'TrainingCompleted')).finalCheckpoint

describe('resume after SIGKILL', () => {
  it('finishes with the final checkpoint hash of an uninterrupted run', async () => {
    const s = await seedDataDir(syntheticItems(15))
    dirs.push(s.dir)
    const unbroken = await requestTraining(s.dir, s.mandateId, HP)
    const t = await openTrainer(s.dir)
    await t.trainer.runOnce()
    await t.close()

    const killed = await requestTraining(s.dir, s.mandateId, HP)
    const first = cli(s.dir)
    for (let i = 0; i < 300; i++) {
      const checkpoints = (await typesOf(s.dir, killed)).filter((e) => e.type === 'CheckpointRecorded').length
      if (checkpoints >= 2) break
      await sleep(50)
    }
    first.kill('SIGKILL')
    await new Promise((resolve) => first.once('close', resolve))
    const before = await typesOf(s.dir, killed)
    expect(before.some((e) => e.type === 'TrainingCompleted')).toBe(false)
    expect(before.filter((e) => e.type === 'CheckpointRecorded').length).toBeGreaterThanOrEqual(2)

    const second = cli(s.dir)
    let stderr = ''
    second.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
    const code = await new Promise((resolve) => second.once('close', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const after = await typesOf(s.dir, killed)
    expect(after.filter((e) => e.type === 'TrainingJobClaimed')).toHaveLength(2)
    expect(after.filter((e) => e.type === 'CheckpointRecorded')).toHaveLength(6)
    expect(await finalOf(s.dir, killed)).toBe(await finalOf(s.dir, unbroken))
  })
})
