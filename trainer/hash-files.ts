/**
 * Checkpoint hashing by streaming: each file goes through SHA-256 in chunks as it is read, so a
 * multi-gigabyte checkpoint never sits in memory.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { checkpointRoot, sortedFiles } from '../domain/training/checkpoint.js'
import type { CheckpointFile } from '../domain/training/values.js'

export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buffer = chunk as Buffer
    hash.update(buffer)
    bytes += buffer.byteLength
  }
  return { sha256: hash.digest('hex'), bytes }
}

/** Every regular file under `dir`, recursively, as paths (unsorted). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listFiles(path)))
    else if (entry.isFile()) out.push(path)
  }
  return out
}

/** Every regular file under `dir`, hashed, in path order, and their Merkle root. */
export async function hashCheckpointDir(dir: string): Promise<{ files: CheckpointFile[]; root: string }> {
  const files: CheckpointFile[] = []
  for (const path of await listFiles(dir)) files.push({ path: relative(dir, path).split(sep).join('/'), ...(await hashFile(path)) })
  const sorted = sortedFiles(files)
  return { files: sorted, root: checkpointRoot(sorted) }
}
