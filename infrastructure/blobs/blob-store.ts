/**
 * The content-addressed blob store: a blob's name is the SHA-256 of its bytes, so a contribution's
 * content hash in the log points at exactly one content, and any change to a stored file shows.
 *
 *   DIR/blobs/ab/abcdef…(64 hex)     one file per blob, fanned out by the first byte
 *
 * Writes stream into a private temporary file in the same directory while hashing, are synced,
 * then renamed into place: a reader never sees a half-written blob, and a crash leaves only a
 * temporary file. A write that names the hash it expects is refused when the bytes differ. Reads
 * hash again and refuse a file whose bytes no longer match its name.
 *
 * `verify` checks a whole file before anything is sent from it (the HTTP route calls it before
 * headers). It remembers, in memory, the size, mtime and inode of each file it found good, and
 * hashes again whenever one of them changed, so serving the same blob again costs one stat.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'

export type BlobErrorCode = 'hash-mismatch' | 'corrupt' | 'missing' | 'bad-hash'

export class BlobError extends Error {
  constructor(readonly code: BlobErrorCode, message: string) {
    super(message)
    this.name = 'BlobError'
  }
}

export function isBlobError(error: unknown, code?: BlobErrorCode): error is BlobError {
  return error instanceof BlobError && (code === undefined || error.code === code)
}

export interface StoredBlob {
  readonly hash: string
  readonly byteLength: number
}

export interface BlobStore {
  readonly root: string
  /** Stores bytes (or a stream of chunks); with `expectedHash`, refuses anything else. */
  put(content: Uint8Array | AsyncIterable<Uint8Array>, expectedHash?: string): Promise<StoredBlob>
  /** The whole blob, checked against its hash. */
  get(hash: string): Promise<Uint8Array>
  /** The blob in chunks; the hash is checked as it streams and a mismatch throws at the end, before it completes. */
  stream(hash: string): AsyncIterable<Uint8Array>
  /**
   * Checks the stored bytes against the hash before anything is sent: throws `missing` or
   * `corrupt`; returns the size. A file unchanged (size, mtime, inode) since it last passed is not
   * hashed again.
   */
  verify(hash: string): Promise<number>
  has(hash: string): Promise<boolean>
  /** The size of a stored blob, or undefined. */
  size(hash: string): Promise<number | undefined>
  /** Removes a blob (a revoked contribution's content); the hash stays in the log. True if it existed. */
  delete(hash: string): Promise<boolean>
}

const HASH = /^[0-9a-f]{64}$/

function checkName(hash: string): void {
  if (!HASH.test(hash)) throw new BlobError('bad-hash', `not a SHA-256 hex name: ${hash.slice(0, 80)}`)
}

function errno(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined
}

async function* chunksOf(content: Uint8Array | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (content instanceof Uint8Array) yield content
  else yield* content
}

export function blobDir(dataDir: string): string {
  return join(dataDir, 'blobs')
}

/** How many verified files `verify` remembers. */
const VERIFIED_CACHE = 4096

export function createBlobStore(root: string): BlobStore {
  const pathOf = (hash: string): string => join(root, hash.slice(0, 2), hash)
  const verified = new Map<string, string>()

  async function writeTemp(dir: string, content: Uint8Array | AsyncIterable<Uint8Array>): Promise<{ temp: string; hash: string; byteLength: number }> {
    const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`)
    const hasher = createHash('sha256')
    let byteLength = 0
    const handle = await open(temp, 'wx', 0o644)
    try {
      for await (const chunk of chunksOf(content)) {
        hasher.update(chunk)
        byteLength += chunk.length
        await handle.write(chunk)
      }
      await handle.sync()
    } catch (error) {
      await handle.close()
      await unlink(temp).catch(() => undefined)
      throw error
    }
    await handle.close()
    return { temp, hash: hasher.digest('hex'), byteLength }
  }

  async function put(content: Uint8Array | AsyncIterable<Uint8Array>, expectedHash?: string): Promise<StoredBlob> {
    if (expectedHash !== undefined) checkName(expectedHash)
    await mkdir(root, { recursive: true })
    const { temp, hash, byteLength } = await writeTemp(root, content)
    try {
      if (expectedHash !== undefined && hash !== expectedHash) {
        throw new BlobError('hash-mismatch', `the bytes hash to ${hash}, not ${expectedHash}`)
      }
      await mkdir(join(root, hash.slice(0, 2)), { recursive: true })
      // rename replaces atomically; an existing blob of the same hash has the same bytes.
      await rename(temp, pathOf(hash))
    } finally {
      await unlink(temp).catch(() => undefined)
    }
    return { hash, byteLength }
  }

  async function get(hash: string): Promise<Uint8Array> {
    checkName(hash)
    let bytes: Buffer
    try {
      bytes = await readFile(pathOf(hash))
    } catch (error) {
      if (errno(error) === 'ENOENT') throw new BlobError('missing', `no blob ${hash}`)
      throw error
    }
    if (createHash('sha256').update(bytes).digest('hex') !== hash) throw new BlobError('corrupt', `blob ${hash} does not match its hash`)
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  async function* stream(hash: string): AsyncIterable<Uint8Array> {
    checkName(hash)
    const hasher = createHash('sha256')
    const source = createReadStream(pathOf(hash))
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        hasher.update(chunk)
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      }
    } catch (error) {
      if (errno(error) === 'ENOENT') throw new BlobError('missing', `no blob ${hash}`)
      throw error
    }
    if (hasher.digest('hex') !== hash) throw new BlobError('corrupt', `blob ${hash} does not match its hash`)
  }

  async function verify(hash: string): Promise<number> {
    checkName(hash)
    let stamp: string
    try {
      const info = await stat(pathOf(hash), { bigint: true })
      stamp = `${info.size}:${info.mtimeNs}:${info.ino}`
    } catch (error) {
      if (errno(error) === 'ENOENT') throw new BlobError('missing', `no blob ${hash}`)
      throw error
    }
    if (verified.get(hash) === stamp) return Number(stamp.split(':')[0])
    verified.delete(hash)
    const hasher = createHash('sha256')
    let byteLength = 0
    try {
      for await (const chunk of createReadStream(pathOf(hash)) as AsyncIterable<Buffer>) {
        hasher.update(chunk)
        byteLength += chunk.length
      }
    } catch (error) {
      if (errno(error) === 'ENOENT') throw new BlobError('missing', `no blob ${hash}`)
      throw error
    }
    if (hasher.digest('hex') !== hash) throw new BlobError('corrupt', `blob ${hash} does not match its hash`)
    // Stamped with what was stat'ed before hashing: a write during the hash shows as a change next time.
    if (verified.size >= VERIFIED_CACHE) verified.delete(verified.keys().next().value as string)
    verified.set(hash, stamp)
    return byteLength
  }

  async function size(hash: string): Promise<number | undefined> {
    checkName(hash)
    try {
      return (await stat(pathOf(hash))).size
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined
      throw error
    }
  }

  async function remove(hash: string): Promise<boolean> {
    checkName(hash)
    verified.delete(hash)
    try {
      await unlink(pathOf(hash))
      return true
    } catch (error) {
      if (errno(error) === 'ENOENT') return false
      throw error
    }
  }

  return { root, put, get, stream, verify, has: async (hash) => (await size(hash)) !== undefined, size, delete: remove }
}

/**
 * The edge's check before a SubmitContribution goes to the ledger: the blob is stored, its bytes
 * still hash to its name, and its length is the one claimed. The domain cannot read the disk, so
 * this is where "a contribution refers to a blob that is already stored" is enforced.
 */
export async function assertStoredBlob(store: BlobStore, hash: string, byteLength: number): Promise<void> {
  const bytes = await store.get(hash)
  if (bytes.byteLength !== byteLength) throw new BlobError('hash-mismatch', `blob ${hash} has ${bytes.byteLength} bytes, not ${byteLength}`)
}
