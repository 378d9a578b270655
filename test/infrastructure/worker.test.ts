import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'threads-under-v8-flags.ts')

describe('worker threads under V8 options', () => {
  // Node refuses V8 options in a worker's flags; a process started with the heap limits an operator
  // sets must still verify on its pool and commit on its writer thread.
  it.each([
    [['--max-old-space-size=512']],
    [['--max-semi-space-size=16', '--stack-size=900', '--enable-source-maps']],
  ])('%j: the verify pool and the SQLite writer run', (flags) => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-v8flags-'))
    try {
      const run = spawnSync(process.execPath, [...flags, '--import', 'tsx', FIXTURE, dir], { encoding: 'utf8', timeout: 60_000 })
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      const report = JSON.parse(run.stdout) as { execArgv: string[]; valid: boolean; invalid: boolean; appended: number; head: number }
      expect(report.execArgv).toEqual(expect.arrayContaining(flags))
      expect(report).toMatchObject({ valid: true, invalid: false })
      expect(report.appended).toBeGreaterThan(0)
      expect(report.head).toBeGreaterThanOrEqual(report.appended)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
