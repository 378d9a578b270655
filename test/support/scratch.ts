/** Temporary directories for a test file, removed after its tests. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

/** Returns a maker of fresh temporary directories (named with `prefix`), all removed after the file's tests. */
export function scratchDirs(prefix: string): () => string {
  const made: string[] = []
  afterAll(() => {
    for (const path of made) rmSync(path, { recursive: true, force: true })
  })
  return () => {
    const path = mkdtempSync(join(tmpdir(), prefix))
    made.push(path)
    return path
  }
}
