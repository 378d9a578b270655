import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { blobDir, createBlobStore, isBlobError } from '../../../infrastructure/blobs/blob-store.js'

const dir = mkdtempSync(join(tmpdir(), 'blobs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const store = createBlobStore(blobDir(dir))
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')
const text = (s: string) => new TextEncoder().encode(s)

async function* chunks(parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield text(part)
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<string> {
  let out = ''
  for await (const chunk of source) out += new TextDecoder().decode(chunk)
  return out
}

describe('content-addressed blob store', () => {
  it('names a blob by the SHA-256 of its bytes and gives the bytes back', async () => {
    const stored = await store.put(text('hello, datanet'))
    expect(stored).toEqual({ hash: sha('hello, datanet'), byteLength: 14 })
    expect(new TextDecoder().decode(await store.get(stored.hash))).toBe('hello, datanet')
    expect(await store.has(stored.hash)).toBe(true)
    expect(await store.size(stored.hash)).toBe(14)
  })

  it('streams a write in chunks and hashes the whole', async () => {
    const stored = await store.put(chunks(['ab', 'cd', 'ef']), sha('abcdef'))
    expect(stored.hash).toBe(sha('abcdef'))
    expect(await collect(store.stream(stored.hash))).toBe('abcdef')
  })

  it('refuses bytes that do not match the expected hash, and leaves nothing behind', async () => {
    const wrong = sha('something else')
    await expect(store.put(text('actual bytes'), wrong)).rejects.toSatisfy((e: unknown) => isBlobError(e, 'hash-mismatch'))
    expect(await store.has(wrong)).toBe(false)
    expect(await store.has(sha('actual bytes'))).toBe(false)
    expect(readdirSync(blobDir(dir)).filter((name) => name.startsWith('.tmp-'))).toEqual([])
  })

  it('storing the same content twice is harmless', async () => {
    const a = await store.put(text('same'))
    const b = await store.put(text('same'))
    expect(a).toEqual(b)
  })

  it('refuses to return a file whose bytes were changed on disk, whole or streamed', async () => {
    const { hash } = await store.put(text('original'))
    writeFileSync(join(blobDir(dir), hash.slice(0, 2), hash), 'tampered')
    await expect(store.get(hash)).rejects.toSatisfy((e: unknown) => isBlobError(e, 'corrupt'))
    await expect(collect(store.stream(hash))).rejects.toSatisfy((e: unknown) => isBlobError(e, 'corrupt'))
  })

  it('a missing blob is a typed error; a bad name is refused before touching the disk', async () => {
    await expect(store.get(sha('never stored'))).rejects.toSatisfy((e: unknown) => isBlobError(e, 'missing'))
    await expect(collect(store.stream(sha('never stored')))).rejects.toSatisfy((e: unknown) => isBlobError(e, 'missing'))
    await expect(store.get('../../etc/passwd')).rejects.toSatisfy((e: unknown) => isBlobError(e, 'bad-hash'))
  })

  it('a revoked contribution’s blob can be deleted', async () => {
    const { hash } = await store.put(text('withdrawn'))
    expect(await store.delete(hash)).toBe(true)
    expect(await store.has(hash)).toBe(false)
    expect(await store.delete(hash)).toBe(false)
  })
})
