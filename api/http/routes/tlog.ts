/**
 * The log as C2SP tlog-tiles, read-only: `/tlog/checkpoint` (the latest checkpoint as a signed
 * note), `/tlog/tile/<L>/<N>[.p/<W>]` (hashes of tree level 8·L) and `/tlog/tile/entries/<N>[.p/<W>]`
 * (the entries: each event hash with a 2-byte big-endian length prefix). A full tile never changes
 * and is cached for good; a partial one only grows into a longer one, at another path.
 */
import { Router, type Request } from 'express'
import { anchorData, checkpointNote } from '../../../domain/ledger/anchor.js'
import { fromHex } from '../../../domain/crypto/hex.js'
import { nativeSha256 } from '../../../infrastructure/crypto/native.js'
import { ProofUnavailable, type Proofs } from '../../../infrastructure/proofs/build-proof.js'
import { TILE_WIDTH } from '../../../infrastructure/tlog/log-tree.js'
import { HttpProblem } from '../problem.js'

const IMMUTABLE = 'public, max-age=31536000, immutable'

/** Parses a C2SP tile index: x-prefixed 3-digit groups, the last without the x; nothing non-canonical. */
export function parseTileIndex(path: string): number | undefined {
  const groups = path.split('/')
  if (groups.length === 0 || groups.length > 6) return undefined
  let value = 0
  for (const [i, group] of groups.entries()) {
    const last = i === groups.length - 1
    if (!(last ? /^\d{3}$/ : /^x\d{3}$/).test(group)) return undefined
    value = value * 1000 + Number(last ? group : group.slice(1))
  }
  // The shortest encoding only: no leading x000 groups.
  return groups.length > 1 && groups[0] === 'x000' ? undefined : value
}

interface TilePath {
  readonly level: number | 'entries'
  readonly index: number
  readonly width: number
}

function parseTilePath(raw: string): TilePath | undefined {
  const match = /^(entries|\d+)\/(.+?)(?:\.p\/(\d{1,3}))?$/.exec(raw)
  if (match === null) return undefined
  const [, levelText = '', indexText = '', widthText] = match
  if (levelText !== 'entries' && (!/^(0|[1-9]\d?)$/.test(levelText) || Number(levelText) > 63)) return undefined
  const index = parseTileIndex(indexText)
  if (index === undefined) return undefined
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText)
  if (widthText !== undefined && (!/^[1-9]\d*$/.test(widthText) || width >= TILE_WIDTH)) return undefined
  return { level: levelText === 'entries' ? 'entries' : Number(levelText), index, width }
}

function tilePathOf(req: Request): string {
  return req.path.replace(/^\/tile\//, '')
}

export function tlogRouter(proofs: Proofs): Router {
  const router = Router()

  router.get('/checkpoint', async (_req, res) => {
    let checkpoint
    try {
      checkpoint = await proofs.checkpoint()
    } catch (error) {
      if (error instanceof ProofUnavailable) throw new HttpProblem('not-found', error.message, { code: 'no-checkpoint' })
      throw error
    }
    const data = anchorData(checkpoint)
    if (data === undefined) throw new HttpProblem('not-found', 'the latest checkpoint is not in this format', { code: 'no-checkpoint' })
    res.setHeader('cache-control', 'no-cache')
    res.type('text/plain; charset=utf-8').send(checkpointNote(data, nativeSha256))
  })

  router.get(/^\/tile\/.+/, async (req, res) => {
    const tile = parseTilePath(tilePathOf(req))
    if (tile === undefined) throw new HttpProblem('not-found', `${req.path} is not a tile path (C2SP tlog-tiles)`, { code: 'bad-tile-path' })
    const tree = await proofs.indexed(0)
    await tree.catchUp()
    let body: Uint8Array | undefined
    if (tile.level === 'entries') {
      const first = tile.index * TILE_WIDTH
      if (first + tile.width <= tree.size) {
        const hashes = await proofs.entries(first + 1, tile.width)
        body = new Uint8Array(tile.width * 34)
        hashes.forEach((hash, i) => {
          body?.set([0, 32], i * 34)
          body?.set(fromHex(hash), i * 34 + 2)
        })
      }
    } else {
      body = await tree.tile(tile.level, tile.index, tile.width)
    }
    if (body === undefined) throw new HttpProblem('not-found', `tile ${req.path} is beyond the log's ${tree.size} entries`, { code: 'tile-unavailable' })
    res.setHeader('cache-control', IMMUTABLE)
    res.type('application/octet-stream').send(Buffer.from(body))
  })

  return router
}
