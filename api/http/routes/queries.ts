/**
 * Queries over the read models. The mapping is a table: a route names a read model and a key
 * prefix, and every route gets the same `?at=` (a sequence or an ISO time: the answer as of that
 * point), `?after=` (wait until the read models have folded a sequence you wrote: read-your-writes),
 * paging with an opaque cursor, and ETags (express answers If-None-Match with 304).
 */
import { Router, type Request, type Response } from 'express'
import type { JsonValue } from '../../../domain/json.js'
import { parseCut, type Cut } from '../../../projections/point-in-time.js'
import { DEFAULT_PAGE, HEX64, MAX_PAGE, optionalWhole, pathParam, queryValue, wholeNumber } from '../params.js'
import { HttpProblem } from '../problem.js'
import type { ReadModels, RowsAt } from '../read-models.js'

interface Collection {
  readonly path: string
  readonly model: string
  readonly prefix: string
  readonly what: string
}

const COLLECTIONS: readonly Collection[] = [
  { path: 'accounts', model: 'accounts', prefix: 'account:', what: 'account' },
  { path: 'proposals', model: 'proposals', prefix: 'proposal:', what: 'proposal' },
  { path: 'mandates', model: 'mandates', prefix: 'mandate:', what: 'mandate' },
  { path: 'datanets', model: 'datanets', prefix: 'datanet:', what: 'datanet' },
  { path: 'contributions', model: 'datanets', prefix: 'contribution:', what: 'contribution' },
  { path: 'validators', model: 'validators', prefix: 'validator:', what: 'validator' },
  { path: 'jobs', model: 'training', prefix: 'job:', what: 'training job' },
  // The ledger's model registry (a model is a mandate); the OpenAI-compatible gateway's /models is elsewhere.
  { path: 'models', model: 'models', prefix: 'model:', what: 'model' },
  { path: 'deployments', model: 'models', prefix: 'deployment:', what: 'deployment' },
  { path: 'appeals', model: 'appeals', prefix: 'appeal:', what: 'appeal' },
  { path: 'disputes', model: 'appeals', prefix: 'dispute:', what: 'dispute' },
]

/** Rows under one parent row of the same read model: the parent must exist at the cut. */
interface Children {
  readonly path: string
  readonly model: string
  readonly parent: (id: string) => string
  readonly prefix: (id: string) => string
  readonly what: string
}

const CHILDREN: readonly Children[] = [
  { path: 'datanets/:id/versions', model: 'datanets', parent: (id) => `datanet:${id}`, prefix: (id) => `version:${id}:`, what: 'datanet' },
  { path: 'proposals/:id/votes', model: 'proposals', parent: (id) => `proposal:${id}`, prefix: (id) => `vote:${id}:`, what: 'proposal' },
  { path: 'proposals/:id/backers', model: 'proposals', parent: (id) => `proposal:${id}`, prefix: (id) => `backer:${id}:`, what: 'proposal' },
  { path: 'jobs/:id/checkpoints', model: 'training', parent: (id) => `job:${id}`, prefix: (id) => `checkpoint:${id}:`, what: 'training job' },
  { path: 'jobs/:id/evaluations', model: 'training', parent: (id) => `job:${id}`, prefix: (id) => `evaluation:${id}:`, what: 'training job' },
  { path: 'models/:id/history', model: 'models', parent: (id) => `model:${id}`, prefix: (id) => `history:${id}:`, what: 'model' },
  { path: 'deployments/:id/usage/recipients', model: 'usage', parent: (id) => `deployment:${id}`, prefix: (id) => `recipient:${id}:`, what: 'deployment' },
  { path: 'deployments/:id/usage/grants', model: 'usage', parent: (id) => `deployment:${id}`, prefix: (id) => `grant:${id}:`, what: 'deployment' },
  { path: 'deployments/:id/usage/batches', model: 'usage', parent: (id) => `deployment:${id}`, prefix: (id) => `batch:${id}:`, what: 'deployment' },
]

/** One row named by an id, in another read model than the collection's. */
const SINGLES: readonly { path: string; model: string; key: (id: string) => string; what: string }[] = [
  { path: 'jobs/:id/attribution', model: 'training', key: (id) => `attribution:${id}`, what: 'attribution of training job' },
  { path: 'deployments/:id/usage', model: 'usage', key: (id) => `deployment:${id}`, what: 'deployment' },
]

const AFTER_WAIT_MS = 5_000
const ROW_KEY = /^[\x21-\x7e]{1,300}$/
const MODEL_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/

function cutOf(req: Request): Cut | undefined {
  const at = queryValue(req, 'at')
  if (at === undefined) return undefined
  try {
    const cut = parseCut(at)
    if ('sequence' in cut && cut.sequence < 1) throw new RangeError('at')
    return cut
  } catch {
    throw new HttpProblem('malformed', 'at must be a sequence (>= 1) or an ISO 8601 time')
  }
}

const encodeCursor = (key: string): string => Buffer.from(key, 'utf8').toString('base64url')
function decodeCursor(req: Request): string | undefined {
  const cursor = queryValue(req, 'cursor')
  if (cursor === undefined) return undefined
  if (!/^[A-Za-z0-9_-]{1,600}$/.test(cursor)) throw new HttpProblem('malformed', 'cursor is not one this API issued')
  return Buffer.from(cursor, 'base64url').toString('utf8')
}

export function queriesRouter(models: ReadModels): Router {
  const router = Router()

  /** Reads rows at the request's cut, after waiting for `after` when asked. */
  async function rowsFor(req: Request, res: Response, model: string): Promise<RowsAt> {
    const after = queryValue(req, 'after')
    if (after !== undefined) {
      const sequence = wholeNumber(after, 'after', { min: 1 })
      if (!(await models.reached(sequence, AFTER_WAIT_MS))) throw new HttpProblem('unavailable', `the read models have not reached sequence ${sequence} yet`, { retryAfter: 1 })
    }
    const cut = cutOf(req)
    const rows = await models.rows(model, cut)
    res.setHeader('x-ledger-checkpoint', String(rows.checkpoint))
    const fixed = cut !== undefined && 'sequence' in cut && rows.checkpoint === cut.sequence
    res.setHeader('cache-control', fixed ? 'public, max-age=31536000, immutable' : 'no-cache')
    return rows
  }

  function one(rows: RowsAt, key: string, what: string): JsonValue {
    const row = rows.get(key)
    if (row === undefined) throw new HttpProblem('not-found', `no ${what} ${key.slice(key.indexOf(':') + 1)} at sequence ${rows.checkpoint}`)
    return row
  }

  function page(req: Request, rows: RowsAt, prefix: string): { items: JsonValue[]; next: string | null; checkpoint: number } {
    const limit = optionalWhole(req, 'limit', DEFAULT_PAGE, { min: 1, max: MAX_PAGE })
    const after = decodeCursor(req)
    const { keys, more } = rows.page(prefix, after, limit)
    const items = keys.map((key) => rows.get(key)).filter((row): row is JsonValue => row !== undefined)
    const last = keys[keys.length - 1]
    return { items, next: more && last !== undefined ? encodeCursor(last) : null, checkpoint: rows.checkpoint }
  }

  for (const collection of COLLECTIONS) {
    router.get(`/${collection.path}`, async (req, res) => {
      res.json(page(req, await rowsFor(req, res, collection.model), collection.prefix))
    })
    router.get(`/${collection.path}/:id`, async (req, res) => {
      const id = pathParam(req, 'id', HEX64, `a ${collection.what} id (64 lower-case hex)`)
      res.json(one(await rowsFor(req, res, collection.model), `${collection.prefix}${id}`, collection.what))
    })
  }

  for (const children of CHILDREN) {
    router.get(`/${children.path}`, async (req, res) => {
      const id = pathParam(req, 'id', HEX64, `a ${children.what} id (64 lower-case hex)`)
      const rows = await rowsFor(req, res, children.model)
      one(rows, children.parent(id), children.what)
      res.json(page(req, rows, children.prefix(id)))
    })
  }
  for (const single of SINGLES) {
    router.get(`/${single.path}`, async (req, res) => {
      const id = pathParam(req, 'id', HEX64, 'an id (64 lower-case hex)')
      res.json(one(await rowsFor(req, res, single.model), single.key(id), single.what))
    })
  }

  router.get('/reward-maps/:mandateId', async (req, res) => {
    const id = pathParam(req, 'mandateId', HEX64, 'a mandate id (64 lower-case hex)')
    res.json(page(req, await rowsFor(req, res, 'reward-maps'), `epoch:${id}:`))
  })

  router.get('/reward-maps/:mandateId/:epoch', async (req, res) => {
    const id = pathParam(req, 'mandateId', HEX64, 'a mandate id (64 lower-case hex)')
    const epoch = wholeNumber(req.params.epoch, 'epoch', { min: 1 })
    res.json(one(await rowsFor(req, res, 'reward-maps'), `epoch:${id}:${String(epoch).padStart(8, '0')}`, 'reward epoch'))
  })

  // The parameters in force (at `?at=`: those the rules applied then) and every change, oldest first.
  router.get('/parameters', async (req, res) => {
    res.json(page(req, await rowsFor(req, res, 'parameters'), 'parameter:'))
  })
  router.get('/parameters/history', async (req, res) => {
    res.json(page(req, await rowsFor(req, res, 'parameters'), 'change:'))
  })

  router.get('/treasury', async (req, res) => {
    res.json(one(await rowsFor(req, res, 'accounts'), 'treasury', 'treasury (no genesis yet)'))
  })

  // Every read model, generically: what each vertical's projections add is queryable at once.
  router.get('/read-models', async (_req, res) => {
    res.setHeader('cache-control', 'no-cache')
    res.json({ readModels: await models.status() })
  })
  router.get('/read-models/:name/rows', async (req, res) => {
    const name = pathParam(req, 'name', MODEL_NAME, 'a read model name')
    if (!models.has(name)) throw new HttpProblem('not-found', `no read model ${name}`)
    const prefix = queryValue(req, 'prefix') ?? ''
    if (prefix !== '' && !ROW_KEY.test(prefix)) throw new HttpProblem('malformed', 'prefix must be printable ASCII')
    res.json(page(req, await rowsFor(req, res, name), prefix))
  })
  router.get('/read-models/:name/rows/:key', async (req, res) => {
    const name = pathParam(req, 'name', MODEL_NAME, 'a read model name')
    const key = pathParam(req, 'key', ROW_KEY, 'a row key (printable ASCII)')
    if (!models.has(name)) throw new HttpProblem('not-found', `no read model ${name}`)
    res.json(one(await rowsFor(req, res, name), key, `row in ${name}:`))
  })

  return router
}
