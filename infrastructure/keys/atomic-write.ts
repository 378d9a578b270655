/**
 * Writes a new secret file atomically: a private temporary file in the same directory, synced,
 * then hard-linked into place. link(2) fails when the target exists, so an existing key is never
 * overwritten (not even by a racing writer), and readers never see a half-written file.
 */
import { randomBytes } from 'node:crypto'
import { access, link, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { errnoCode, KeyFileError } from './errors.js'

export async function assertAbsent(path: string): Promise<void> {
  try {
    await access(path)
  } catch {
    return
  }
  throw new KeyFileError('exists', `${path} already exists; refusing to overwrite a key file`)
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes `text` to a synced temporary file beside `path`, lets `publish` put it in place, and always removes the temporary name. */
async function viaSyncedTemp(path: string, text: string, mode: number, publish: (temp: string) => Promise<void>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx', mode)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await publish(temp)
  } finally {
    await unlink(temp).catch(() => undefined)
  }
}

export async function writeNewFile(path: string, text: string): Promise<void> {
  await assertAbsent(path)
  try {
    // link() refuses an existing target: not even a racing writer's file is overwritten.
    await viaSyncedTemp(path, text, 0o600, (temp) => link(temp, path))
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') throw new KeyFileError('exists', `${path} already exists; refusing to overwrite a key file`)
    throw new KeyFileError('io', `cannot write key file ${path}: ${errnoCode(error) ?? 'unknown error'}`)
  }
  await syncDirectory(dirname(path))
}

/**
 * Replaces a (non-secret) file atomically: a temporary file in the same directory, synced, then
 * renamed over the target, and the directory synced. Readers see the old bytes or the new, whole.
 */
export async function replaceFile(path: string, text: string, mode = 0o644): Promise<void> {
  await viaSyncedTemp(path, text, mode, (temp) => rename(temp, path))
  await syncDirectory(dirname(path))
}
