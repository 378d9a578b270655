/**
 * The log as C2SP tlog-tiles, read-only: `/tlog/checkpoint` (the latest checkpoint as a signed
 * note), `/tlog/tile/<L>/<N>[.p/<W>]` (hashes of tree level 8·L) and `/tlog/tile/entries/<N>[.p/<W>]`
 * (the entries: each event hash with a 2-byte big-endian length prefix). A full tile never changes
 * and is cached for good; a partial one only grows into a longer one, at another path.
 */
import { Router } from 'express'
import { anchorData, checkpointNote } from '../../../domain/ledger/anchor.js'
import { fromHex } from '../../../domain/crypto/hex.js'
import { nativeSha256 } from '../../../infrastructure/crypto/native.js'
import { ProofUnavailable, type Proofs } from '../../../infrastructure/proofs/build-proof.js'
import { encodeEntryBundle, parseTilePath, TILE_WIDTH } from '../../../domain/tlog/tiles.js'
import { HttpProblem } from '../problem.js'
import type { WitnessStatus } from '../../../infrastructure/witness/cosigner.js'

/** `serve --witness`: the cosigned note to publish at /tlog/checkpoint, and each witness's state. */
export interface Witnessing {
  /** The newest checkpoint with at least `minimum` valid cosignatures, as a note; undefined before one. */
  published(): string | undefined
  readonly minimum: number
  status(): WitnessStatus[]
}

const IMMUTABLE = 'public, max-age=31536000, immutable'

export function tlogRouter(proofs: Proofs, witnessing?: Witnessing): Router {
  const router = Router()

  // The cosigned note when `serve --witness` has one; with a minimum of cosignatures, nothing less.
  router.get('/checkpoint', async (_req, res) => {
    const cosigned = witnessing?.published()
    if (cosigned !== undefined) {
      res.setHeader('cache-control', 'no-cache')
      res.type('text/plain; charset=utf-8').send(cosigned)
      return
    }
    if (witnessing !== undefined && witnessing.minimum > 0) {
      throw new HttpProblem('not-found', `no checkpoint has been cosigned by ${witnessing.minimum} of the log's witnesses yet`, { code: 'no-checkpoint' })
    }
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
    const tile = parseTilePath(req.path.slice(1))
    if (tile === undefined) throw new HttpProblem('not-found', `${req.path} is not a tile path (C2SP tlog-tiles)`, { code: 'bad-tile-path' })
    const tree = await proofs.indexed(0)
    await tree.catchUp()
    let body: Uint8Array | undefined
    if (tile.level === 'entries') {
      const first = tile.index * TILE_WIDTH
      if (first + tile.width <= tree.size) {
        body = encodeEntryBundle((await proofs.entries(first + 1, tile.width)).map(fromHex))
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
