/** Operations: liveness, readiness, Prometheus metrics, the API description and problem pages. */
import { Router } from 'express'
import type { Metrics } from '../metrics.js'
import { PROBLEM_KINDS, type ProblemKind } from '../problem.js'
import type { ReadModels } from '../read-models.js'

export interface OpsDeps {
  readonly metrics: Metrics
  readonly models: ReadModels
  /** False while starting and once shutdown has begun. */
  readonly accepting: () => boolean
  /** Read models further behind than this make the server unready. */
  readonly maxReadyLag: number
  readonly openapi: () => object
  readonly reference: () => string
}

export function opsRouter(deps: OpsDeps): Router {
  const router = Router()
  router.get('/healthz', (_req, res) => {
    res.setHeader('cache-control', 'no-store')
    res.json({ status: 'ok' })
  })
  router.get('/readyz', async (_req, res) => {
    res.setHeader('cache-control', 'no-store')
    const readModels = await deps.models.status()
    const lagging = readModels.filter((model) => model.lag > deps.maxReadyLag).map((model) => model.name)
    const ready = deps.accepting() && lagging.length === 0
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', accepting: deps.accepting(), lagging, readModels })
  })
  router.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', deps.metrics.registry.contentType)
    res.setHeader('cache-control', 'no-store')
    res.send(await deps.metrics.registry.metrics())
  })
  router.get('/openapi.json', (_req, res) => {
    res.json(deps.openapi())
  })
  router.get('/docs', (_req, res) => {
    res.type('html').send(deps.reference())
  })
  router.get('/problems/:kind', (req, res, next) => {
    const kind = req.params.kind as ProblemKind
    if (!Object.hasOwn(PROBLEM_KINDS, kind)) return next()
    res.json({ type: `/problems/${kind}`, ...PROBLEM_KINDS[kind], see: '/docs#problems' })
  })
  return router
}
