/**
 * The request listener: POST /v1/commands on the command edge (api/http/command-edge.ts), a
 * mount's hot routes on its own edge (the gateway's completions), and every other request through
 * the express application: middleware in the order a request meets it
 * (id and log, security headers, CORS, per-IP rate limit), then the routes, then 404 and the
 * problem handler.
 */
import type { RequestListener } from 'node:http'
import express, { type Express, type Router } from 'express'
import type { Metric } from 'prom-client'
import type { Logger } from 'pino'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import type { VerifyPool } from '../../infrastructure/crypto/verify-pool.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import type { BlobStore } from '../../infrastructure/blobs/blob-store.js'
import type { Metrics } from './metrics.js'
import { COMMAND_ROUTE, commandEdge } from './command-edge.js'
import { edgeDispatcher, type Edge } from './edge.js'
import { cors, ipRateLimit, notFound, originRevalidation, problemHandler, requestContext, securityHeaders } from './middleware.js'
import type { RateLimiter } from './rate-limit.js'
import { storageProblems, type StorageHealth } from './storage-health.js'
import type { ReadModels } from './read-models.js'
import { auditRouter } from './routes/audit.js'
import { consoleRouter } from './console.js'
import { tlogRouter, type Witnessing } from './routes/tlog.js'
import { Proofs } from '../../infrastructure/proofs/build-proof.js'
import { liveLineage, proofSource } from './log-reads.js'
import type { LiveLineage } from '../../projections/lineage/live.js'
import { lineageRouter } from './routes/lineage.js'
import { blobsRouter } from './routes/blobs.js'
import { opsRouter, type OpsDeps } from './routes/ops.js'
import { queriesRouter } from './routes/queries.js'
import { streamHandler, type StreamOptions } from './routes/stream.js'
import type { CommandRoute } from './verticals.js'

export interface AppDeps {
  readonly store: EventStore
  readonly routes: readonly CommandRoute[]
  readonly models: ReadModels
  readonly blobs: BlobStore | undefined
  readonly crypto: CryptoSuite
  /** Verifies command signatures off the event loop (api/http/routes/commands.ts). */
  readonly verifyPool?: VerifyPool
  readonly logger: Logger
  readonly metrics: Metrics
  readonly ipLimit: RateLimiter
  readonly actorLimit: RateLimiter
  readonly commandBytes: number
  readonly blobBytes: number
  readonly corsOrigins: readonly string[]
  readonly trustProxy: boolean
  readonly stream: StreamOptions
  readonly storage: StorageHealth
  readonly ops: Pick<OpsDeps, 'accepting' | 'storage' | 'tasks' | 'maxReadyLag' | 'openapi' | 'reference'>
  /** The proofs index to serve from (one is made over the store when not given). */
  readonly proofs?: Proofs
  /** The lineage index to report from (one is made over the store and `proofs` when not given). */
  readonly lineage?: LiveLineage
  /** `serve --witness`: /tlog/checkpoint serves the cosigned note, /readyz each witness's state. */
  readonly witnessing?: Witnessing
  /** Routers served beside the API under their own prefix (the inference gateway at /openai/v1), with their own limits and errors. */
  readonly mounts?: readonly Mount[]
  /** The directory of the built console (docs/console.md), served at /console/; none when absent. */
  readonly consoleDir?: string
}

export interface Mount {
  readonly path: string
  readonly router: Router
  /** Routes of the router that are also taken on the bare listener before express (api/http/edge.ts); what an edge declines, the router answers. */
  readonly edge?: Edge
  /** Its Prometheus metrics, served with the API's at /metrics. */
  readonly metrics?: readonly Metric[]
}

/** The server's request listener, with what it is made of (for the route inventory in test/api/http/openapi.test.ts). */
export interface AppListener extends RequestListener {
  /** Every request but the edge's. */
  readonly express: Express
  /** The routes only an edge serves (api/http/edge.ts), as "method /path"; a mount's edge routes are also the mount router's. */
  readonly edgeRoutes: readonly string[]
}

export function createApp(deps: AppDeps): AppListener {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', 'strong')
  app.set('trust proxy', deps.trustProxy)
  app.set('query parser', 'simple')
  app.use(requestContext(deps.logger, deps.metrics))
  app.use(securityHeaders)
  app.use(originRevalidation)
  app.use(cors(deps.corsOrigins))
  const witnessing = deps.witnessing
  app.use(opsRouter({ ...deps.ops, metrics: deps.metrics, models: deps.models, ...(witnessing === undefined ? {} : { witnesses: () => witnessing.status() }) }))
  for (const mount of deps.mounts ?? []) app.use(mount.path, mount.router)
  app.use(ipRateLimit(deps.ipLimit))
  if (deps.consoleDir !== undefined) app.use('/console', consoleRouter(deps.consoleDir))

  // One tree index for every proof and tile this process serves, caught up as the log grows.
  const proofs = deps.proofs ?? new Proofs(proofSource(deps.store))
  app.use('/tlog', tlogRouter(proofs, deps.witnessing))

  const v1 = express.Router()
  v1.get('/events/stream', streamHandler(deps.store, deps.metrics, deps.stream))
  v1.use(auditRouter(deps.store, proofs))
  v1.use(lineageRouter(deps.lineage ?? liveLineage(deps.store, proofs)))
  v1.use(queriesRouter(deps.models))
  v1.use(blobsRouter(deps.blobs, deps.blobBytes, () => deps.metrics.corruptBlob()))
  app.use('/v1', v1)

  app.use(notFound)
  app.use(storageProblems(deps.storage))
  app.use(problemHandler)
  const edge = edgeDispatcher([commandEdge(deps), ...(deps.mounts ?? []).flatMap((mount) => (mount.edge === undefined ? [] : [mount.edge]))], deps)
  const listener: RequestListener = (req, res) => {
    if (!edge(req, res)) app(req, res)
  }
  return Object.assign(listener, { express: app, edgeRoutes: [`post ${COMMAND_ROUTE}`] })
}
