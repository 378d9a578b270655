/**
 * What an auditor reads: the ledger's key and head, events by sequence, the signed commands that
 * caused them, anchors, and inclusion proofs that check offline against the ledger key.
 */
import { Router, type Request, type Response } from 'express'
import { ANCHOR_STREAM } from '../../../domain/ledger/names.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { ProofUnavailable, type Proofs } from '../../../infrastructure/proofs/build-proof.js'
import { readOne, readPage, readStreamPage } from '../log-reads.js'
import { DEFAULT_PAGE, HEX64, MAX_PAGE, optionalWhole, pathParam, wholeNumber } from '../params.js'
import { HttpProblem } from '../problem.js'

/** Events and anchors never change once written: a page that is full can be cached for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

function queryText(req: Request, name: string): string {
  const value = req.query[name]
  if (typeof value !== 'string') throw new HttpProblem('malformed', `${name} must be given once, as a whole number`)
  return value
}

export function auditRouter(store: EventStore, proofs: Proofs): Router {
  const router = Router()

  router.get('/ledger', async (_req, res) => {
    const head = await store.head()
    const anchor = head.lastAnchor.sequence === 0 ? null : ((await readOne(store, head.lastAnchor.sequence)) ?? null)
    res.setHeader('cache-control', 'no-cache')
    res.json({ publicKey: store.ledgerPublicKey, ledgerId: store.ledgerPublicKey, head: { sequence: head.sequence, hash: head.hash, recordedAt: head.recordedAt }, lastAnchor: anchor })
  })

  router.get('/events', async (req, res) => {
    const from = optionalWhole(req, 'from', 1, { min: 1 })
    const limit = optionalWhole(req, 'limit', DEFAULT_PAGE, { min: 1, max: MAX_PAGE })
    const events = await readPage(store, from, limit)
    const last = events[events.length - 1]
    if (events.length === limit) res.setHeader('cache-control', IMMUTABLE)
    res.json({ events, next: events.length === limit && last !== undefined ? last.sequence + 1 : null })
  })

  router.get('/events/:sequence', async (req, res) => {
    const sequence = wholeNumber(req.params.sequence, 'sequence', { min: 1 })
    const envelope = await readOne(store, sequence)
    if (envelope === undefined) throw new HttpProblem('not-found', `there is no event at sequence ${sequence}`)
    res.setHeader('cache-control', IMMUTABLE)
    res.json(envelope)
  })

  router.get('/commands/:hash', async (req, res) => {
    const hash = pathParam(req, 'hash', HEX64, 'a command hash (64 lower-case hex)')
    const signed = await store.readCommand(hash)
    if (signed === undefined) throw new HttpProblem('not-found', `no recorded command has hash ${hash}`)
    res.setHeader('cache-control', IMMUTABLE)
    res.json(signed)
  })

  router.get('/anchors', async (req, res) => {
    const from = optionalWhole(req, 'from', 1, { min: 1 })
    const limit = optionalWhole(req, 'limit', DEFAULT_PAGE, { min: 1, max: MAX_PAGE })
    const anchors = await readStreamPage(store, ANCHOR_STREAM, from, limit)
    const last = anchors[anchors.length - 1]
    res.json({ anchors, next: anchors.length === limit && last !== undefined ? last.streamVersion + 1 : null })
  })

  // Proofs against a named checkpoint never change; against "the latest" they do.
  const sendProof = async (res: Response, size: number | undefined, build: () => Promise<unknown>) => {
    try {
      const proof = await build()
      res.setHeader('cache-control', size === undefined ? 'no-cache' : IMMUTABLE)
      res.json(proof)
    } catch (error) {
      if (error instanceof ProofUnavailable) throw new HttpProblem('not-found', error.message, { code: 'proof-unavailable' })
      throw error
    }
  }

  router.get('/proofs/consistency', async (req, res) => {
    const from = wholeNumber(queryText(req, 'from'), 'from', { min: 1 })
    const to = req.query.to === undefined ? undefined : wholeNumber(queryText(req, 'to'), 'to', { min: 1 })
    await sendProof(res, to, () => proofs.consistency(from, to))
  })

  router.get('/proofs/:sequence', async (req, res) => {
    const sequence = wholeNumber(req.params.sequence, 'sequence', { min: 1 })
    const size = req.query.size === undefined ? undefined : wholeNumber(queryText(req, 'size'), 'size', { min: 1 })
    await sendProof(res, size, () => proofs.inclusion(sequence, size))
  })

  return router
}
