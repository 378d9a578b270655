/**
 * Starting and stopping the HTTP API over a ledger store. `startServer` builds the shared parts
 * (one command handler per vertical, the nonce index, read-model runners, metrics), listens, and
 * returns `close`, which stops accepting, ends event streams, drains requests in flight and stops
 * the runners. The store is the caller's: it closes it afterwards (sealing the final anchor).
 */
import type { Metric } from 'prom-client'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino, type Logger } from 'pino'
import type { Clock } from '../../domain/ports/clock.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import type { BlobStore } from '../../infrastructure/blobs/blob-store.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'
import { createVerifyPool, defaultVerifyThreads } from '../../infrastructure/crypto/verify-pool.js'
import type { AnyProjection } from '../../projections/projection.js'
import { readModels as defaultProjections } from '../../projections/read-models/index.js'
import { createMemoryReadModelStore } from '../../projections/store/memory-store.js'
import type { ReadModelStore } from '../../projections/store/port.js'
import { createSupervisor, type Supervisor } from '../../infrastructure/supervisor.js'
import { createApp, type Mount } from './app.js'
import { Proofs } from '../../infrastructure/proofs/build-proof.js'
import { liveLineage, proofSource } from './log-reads.js'
import type { Witnessing } from './routes/tlog.js'
import { createStorageHealth, watchedStore, type StorageHealth } from './storage-health.js'
import { createMetrics } from './metrics.js'
import { openApiDocument } from './openapi/document.js'
import { referencePage } from './openapi/reference.js'
import { createRateLimiter, type RateLimit } from './rate-limit.js'
import { createReadModels } from './read-models.js'
import { defaultVerticals, type CommandRoute } from './verticals.js'

export interface Limits {
  /** Largest command body (bytes). */
  readonly commandBytes: number
  /** Largest blob (bytes). */
  readonly blobBytes: number
  readonly perIp: RateLimit
  readonly perActor: RateLimit
  /** Time to receive a whole request (headers and body). */
  readonly requestTimeoutMs: number
  readonly maxStreams: number
  readonly heartbeatMs: number
  readonly streamMaxDurationMs: number
  /** How long close() waits for requests in flight before cutting connections. */
  readonly drainMs: number
  /** Read models further behind the head than this make /readyz answer 503. */
  readonly maxReadyLag: number
}

export const DEFAULT_LIMITS: Limits = {
  commandBytes: 256 * 1024,
  blobBytes: 64 * 1024 * 1024,
  perIp: { perSecond: 200, burst: 400 },
  perActor: { perSecond: 50, burst: 100 },
  requestTimeoutMs: 30_000,
  maxStreams: 200,
  heartbeatMs: 15_000,
  streamMaxDurationMs: 60 * 60_000,
  drainMs: 10_000,
  maxReadyLag: 1000,
}

export interface ServerOptions {
  readonly store: EventStore
  readonly host?: string
  readonly port?: number
  readonly readModelStore?: ReadModelStore
  readonly projections?: readonly AnyProjection[]
  readonly blobs?: BlobStore
  readonly routes?: readonly CommandRoute[]
  readonly clock?: Clock
  readonly crypto?: CryptoSuite
  /**
   * Threads that verify command signatures off the event loop (default: one less than the cores,
   * at most 4; 0 verifies on the event loop). Used with the native suite only.
   */
  readonly verifyThreads?: number
  readonly logger?: Logger
  readonly limits?: Partial<Limits>
  readonly corsOrigins?: readonly string[]
  readonly trustProxy?: boolean
  readonly mounts?: readonly Mount[]
  /** More Prometheus metrics for /metrics (the trainer's, say). */
  readonly metrics?: readonly Metric[]
  /** The proofs index (serve shares it with the witness cosigner); one is made over the store when not given. */
  readonly proofs?: Proofs
  /** `serve --witness`: what /tlog/checkpoint publishes and /readyz reports. */
  readonly witnessing?: Witnessing
  /** Runs the read-model runners; one is made (logging to `logger`) when not given. Its failing tasks make /readyz 503. */
  readonly supervisor?: Supervisor
  /** Serve the built console from this directory at /console/ (docs/console.md). */
  readonly consoleDir?: string
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly server: Server
  /** Whether the store takes writes (a full disk makes it false until a write succeeds). */
  readonly storage: StorageHealth
  /**
   * Settles when the start's folds are over: the read models caught up (before listening) and the
   * lineage index's first catch-up ended, well or not.
   */
  readonly started: Promise<void>
  /** Graceful: stop accepting, end streams, drain, stop the read-model runners. Idempotent. */
  close(): Promise<void>
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const logger = options.logger ?? pino({ level: 'info' })
  const storage = createStorageHealth()
  const store = watchedStore(options.store, storage)
  const supervisor = options.supervisor ?? createSupervisor({ logger })
  const models = createReadModels(store, options.readModelStore ?? createMemoryReadModelStore(), options.projections ?? defaultProjections, supervisor)
  await models.start()
  const shutdown = new AbortController()
  let accepting = false
  const metrics = createMetrics({
    head: async () => (await store.head()).sequence,
    lags: async () => new Map((await models.status()).map((model) => [model.name, model.lag])),
    tasks: () => supervisor.status(),
    storageOk: () => storage.ok,
  })
  for (const mount of options.mounts ?? []) for (const metric of mount.metrics ?? []) metrics.registry.registerMetric(metric)
  for (const metric of options.metrics ?? []) metrics.registry.registerMetric(metric)
  // One tree index for proofs and lineage, and one lineage index kept at the latest checkpoint.
  const proofs = options.proofs ?? new Proofs(proofSource(store))
  const lineage = liveLineage(store, proofs)
  const lineageTask = supervisor.run('lineage-index', (signal) => lineage.follow(store, signal))
  const crypto = options.crypto ?? nativeCrypto
  const verifyThreads = options.verifyThreads ?? defaultVerifyThreads()
  const verifyPool = verifyThreads > 0 && crypto === nativeCrypto ? createVerifyPool(verifyThreads) : undefined
  const app = createApp({
    store,
    routes: options.routes ?? defaultVerticals(store, options.clock),
    models,
    blobs: options.blobs,
    crypto,
    ...(verifyPool === undefined ? {} : { verifyPool }),
    logger,
    metrics,
    ipLimit: createRateLimiter(limits.perIp),
    actorLimit: createRateLimiter(limits.perActor),
    commandBytes: limits.commandBytes,
    blobBytes: limits.blobBytes,
    corsOrigins: options.corsOrigins ?? [],
    trustProxy: options.trustProxy ?? false,
    stream: { heartbeatMs: limits.heartbeatMs, maxDurationMs: limits.streamMaxDurationMs, maxStreams: limits.maxStreams, retryMs: 1000, shutdown: shutdown.signal },
    storage,
    ops: { accepting: () => accepting, storage, tasks: () => supervisor.status(), maxReadyLag: limits.maxReadyLag, openapi: openApiDocument, reference: referencePage },
    ...(options.mounts === undefined ? {} : { mounts: options.mounts }),
    ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    proofs,
    lineage,
    ...(options.witnessing === undefined ? {} : { witnessing: options.witnessing }),
  })
  const server = createServer(app)
  server.requestTimeout = limits.requestTimeoutMs
  server.headersTimeout = Math.min(limits.requestTimeoutMs, 20_000)
  server.keepAliveTimeout = 5_000
  let port: number
  try {
    port = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0)
  } catch (error) {
    // Port in use, address not available: stop the runners already following, then fail.
    await lineageTask.stop()
    await models.stop()
    await verifyPool?.close()
    if (options.supervisor === undefined) await supervisor.stop()
    throw error
  }
  accepting = true
  const host = options.host ?? '127.0.0.1'
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  logger.info({ url }, 'listening')

  let closing: Promise<void> | undefined
  async function close(): Promise<void> {
    accepting = false
    shutdown.abort()
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const timer = setTimeout(() => server.closeAllConnections(), limits.drainMs)
    await closed
    clearTimeout(timer)
    await lineageTask.stop()
    await models.stop()
    await verifyPool?.close()
    if (options.supervisor === undefined) await supervisor.stop()
    logger.info('stopped')
  }
  return { url, port, server, storage, started: lineage.followed, close: () => (closing ??= close()) }
}
