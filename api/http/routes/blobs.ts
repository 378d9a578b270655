/**
 * PUT /v1/blobs/{sha256}: content streamed into the content-addressed blob store. The name is the
 * hash the client claims; the store hashes while writing and keeps nothing whose bytes differ.
 * A body over the limit is cut off as soon as it passes it (413), declared or not.
 * GET and HEAD check the stored file against its name before any header: a corrupt blob answers
 * 500 /problems/blob-corrupt, is logged and counted, and is never sent with immutable caching.
 */
import { Router, type Request } from 'express'
import { isBlobError, type BlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { HEX64, pathParam } from '../params.js'
import { HttpProblem } from '../problem.js'

class TooLarge extends Error {}

async function* limited(req: Request, maxBytes: number): AsyncIterable<Uint8Array> {
  let total = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length
    if (total > maxBytes) throw new TooLarge()
    yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  }
}

function problemOf(error: unknown, maxBytes: number): unknown {
  if (error instanceof TooLarge) return new HttpProblem('too-large', `a blob may hold at most ${maxBytes} bytes`)
  if (isBlobError(error, 'hash-mismatch')) return new HttpProblem('hash-mismatch', error.message, { code: 'hash-mismatch' })
  if (isBlobError(error, 'missing')) return new HttpProblem('not-found', error.message)
  return error
}

/** `onCorrupt` counts stored blobs found not to match their hash (a metric). */
export function blobsRouter(blobs: BlobStore | undefined, maxBytes: number, onCorrupt: () => void = () => undefined): Router {
  const router = Router()
  const store = (): BlobStore => {
    if (blobs === undefined) throw new HttpProblem('not-implemented', 'this server has no blob store configured')
    return blobs
  }

  router.put('/blobs/:hash', async (req, res) => {
    const hash = pathParam(req, 'hash', HEX64, 'the SHA-256 of the content (64 lower-case hex)')
    const target = store()
    const declared = req.header('content-length')
    if (declared !== undefined && Number(declared) > maxBytes) {
      // Say no before reading; the connection closes so the client stops sending.
      res.setHeader('connection', 'close')
      throw new HttpProblem('too-large', `a blob may hold at most ${maxBytes} bytes`)
    }
    const existed = await target.has(hash)
    try {
      const stored = await target.put(limited(req, maxBytes), hash)
      res.status(existed ? 200 : 201).setHeader('location', `/v1/blobs/${hash}`)
      res.json({ hash: stored.hash, byteLength: stored.byteLength })
    } catch (error) {
      if (error instanceof TooLarge) res.setHeader('connection', 'close')
      throw problemOf(error, maxBytes)
    }
  })

  router.get('/blobs/:hash', async (req, res) => {
    const hash = pathParam(req, 'hash', HEX64, 'a SHA-256 (64 lower-case hex)')
    let size: number
    try {
      // The whole file is checked before any header: a corrupt blob never goes out as immutable.
      size = await store().verify(hash)
    } catch (error) {
      if (isBlobError(error, 'missing')) throw new HttpProblem('not-found', `no blob ${hash}`)
      if (isBlobError(error, 'corrupt')) {
        req.log.error({ blob: hash }, 'stored blob does not match its hash')
        onCorrupt()
        throw new HttpProblem('blob-corrupt', `the stored bytes of blob ${hash} do not match its hash; quote request id ${req.id}`)
      }
      throw error
    }
    res.setHeader('content-type', 'application/octet-stream')
    res.setHeader('content-length', String(size))
    res.setHeader('etag', `"${hash}"`)
    res.setHeader('cache-control', 'public, max-age=31536000, immutable')
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    // Verified above; the store hashes again while streaming, so bytes changed since then cut the
    // connection (the problem handler) rather than complete as good.
    for await (const chunk of store().stream(hash)) if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve))
    res.end()
  })

  return router
}
