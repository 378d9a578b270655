/** Operations: liveness, readiness, Prometheus metrics, the API description and problem pages. */
import { Router } from 'express'
import type { Metrics } from '../metrics.js'
import { PROBLEM_KINDS, RETRY_AFTER_S, type ProblemKind } from '../problem.js'
import type { ReadModels } from '../read-models.js'
import type { TaskStatus } from '../../../infrastructure/supervisor.js'
import type { StorageHealth } from '../storage-health.js'

export interface OpsDeps {
  readonly metrics: Metrics
  readonly models: ReadModels
  /** False while starting and once shutdown has begun. */
  readonly accepting: () => boolean
  /** Whether the store takes writes. */
  readonly storage: StorageHealth
  /** Background tasks under the supervisor; a failing one makes the server unready. */
  readonly tasks: () => readonly TaskStatus[]
  /** Read models further behind than this make the server unready. */
  readonly maxReadyLag: number
  /** `serve --witness`: each witness's state, reported by /readyz without bearing on readiness (a witness never holds up the log). */
  readonly witnesses?: () => readonly object[]
  readonly openapi: () => object
  readonly reference: () => string
}

export function opsRouter(deps: OpsDeps): Router {
  const router = Router()
  // Liveness only: says so, and that the store, read models and tasks are /readyz's business.
  router.get('/healthz', (_req, res) => {
    res.setHeader('cache-control', 'no-store')
    res.json({ status: 'ok', covers: ['process', 'http'], notCovered: ['storage', 'read-models', 'background-tasks'], see: '/readyz' })
  })
  router.get('/readyz', async (_req, res) => {
    res.setHeader('cache-control', 'no-store')
    const readModels = await deps.models.status()
    const lagging = readModels.filter((model) => model.lag > deps.maxReadyLag).map((model) => model.name)
    const failing = deps.tasks().filter((task) => task.failing).map(({ name, lastError, consecutive, lastFailureAt }) => ({ name, lastError, consecutive, lastFailureAt }))
    const storage = { ok: deps.storage.ok, lastError: deps.storage.lastError, since: deps.storage.since }
    const ready = deps.accepting() && lagging.length === 0 && failing.length === 0 && storage.ok
    const reasons = [...(deps.accepting() ? [] : ['not-accepting']), ...(storage.ok ? [] : ['storage']), ...failing.map((task) => `task:${task.name}`), ...lagging.map((name) => `lagging:${name}`)]
    if (!ready) res.setHeader('retry-after', String(RETRY_AFTER_S.unavailable))
    const witnesses = deps.witnesses === undefined ? {} : { witnesses: deps.witnesses() }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', reasons, accepting: deps.accepting(), storage, failing, lagging, readModels, ...witnesses })
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
