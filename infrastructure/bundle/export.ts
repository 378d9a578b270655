/** Writes a store out as a bundle file, atomically: a reader never sees half a bundle. */
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { once } from 'node:events'
import type { StorageBackend } from '../store/backend.js'
import { storeLines } from './lines.js'

export interface ExportResult {
  readonly lines: number
  readonly bytes: number
}

export async function exportBundle(backend: StorageBackend, out: string, onLine?: (lines: number) => void): Promise<ExportResult> {
  const temporary = `${out}.partial-${process.pid}`
  const file = createWriteStream(temporary, { flags: 'wx' })
  let lines = 0
  let bytes = 0
  try {
    for await (const line of storeLines(backend)) {
      const text = `${line}\n`
      bytes += Buffer.byteLength(text)
      lines++
      if (!file.write(text)) await once(file, 'drain')
      if (lines % 10_000 === 0) onLine?.(lines)
    }
    file.end()
    await once(file, 'finish')
    await rename(temporary, out)
    return { lines, bytes }
  } catch (error) {
    file.destroy()
    await rm(temporary, { force: true })
    throw error
  }
}
