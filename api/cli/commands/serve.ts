/**
 * model-ledger serve: the HTTP API over a data directory's embedded store. Prints the URL it
 * listens on (first line of stdout) and where the keys are; logs go to stderr as JSON lines.
 * SIGINT or SIGTERM: stop accepting, drain, stop the read models, close the store (which seals
 * the final anchor), exit 0.
 */
import { pino, type Logger } from 'pino'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { CommandRefused, inProcessLedger } from '../../../trainer/ledger.js'
import { lineageSink, SOURCE } from '../../../trainer/lineage.js'
import { startTracing, traceMixin } from '../../../infrastructure/tracing.js'
import { executorsOf, trainerSigner, workRootOf } from '../../../trainer/open.js'
import { createTrainer, type Trainer } from '../../../trainer/trainer.js'
import { trainingMetrics, type TrainingMetrics } from '../../../trainer/metrics.js'
import { startServer } from '../../http/server.js'
import { gatewayMount, openGateway, operatorSigner, type Gateway } from '../../gateway/index.js'
import { builtConsoleDir } from '../../console/build.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { initDataDir, isInitialised, openLedger } from '../../../infrastructure/data-dir.js'
import { openBackend } from '../../../infrastructure/store/open-store.js'
import { storeKind } from '../../../infrastructure/store/store-kind.js'
import { createSupervisor, type Supervisor, type TaskHandle } from '../../../infrastructure/supervisor.js'
import { verifyOnStart } from '../../../infrastructure/verify/startup.js'
import { createSqliteReadModelStore, projectionsDbPath } from '../../../projections/store/sqlite-store.js'
import { createPostgresReadModelStore } from '../../../projections/store/postgres-store.js'
import { EXIT, flag, parse, positiveInt, required, str, strs, UsageError, waitForSignal, type Command } from '../io.js'
import { systemClock } from '../../../infrastructure/clock.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { Proofs } from '../../../infrastructure/proofs/build-proof.js'
import { tileIndexFile } from '../../../infrastructure/tlog/tile-index.js'
import { Cosigner, proofsSource, WitnessArgError, witnessTarget, type WitnessTarget } from '../../../infrastructure/witness/cosigner.js'
import { cosignerMetrics } from '../../../infrastructure/witness/cosigner-metrics.js'
import { openCosigningState } from '../../../infrastructure/witness/cosigning-state.js'
import { proofSource } from '../../http/log-reads.js'
import { defaultVerticals, economyHandler, type EconomyHandler } from '../../http/verticals.js'
import { economy as economyVertical, type EconomyState } from '../../../domain/economy/index.js'
import { openSnapshotStore } from '../../../infrastructure/snapshot/store.js'
import { collectGarbage } from '../../../infrastructure/memory.js'
import { createSnapshotter, eventStoreReader, loadSnapshot, type LoadedSnapshot, type Snapshotter } from '../../../infrastructure/snapshot/snapshots.js'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Snapshot the economy's fold every this many events by default; how often to look. */
const DEFAULT_SNAPSHOT_EVERY = 10_000
const SNAPSHOT_POLL_MS = 1_000
/**
 * How long after the start-up collection the compacting one runs: by then the pages the first
 * freed are unmapped, so the pages the compaction needs for a moment come on top of the settled
 * heap, not of the start's peak (at 1M events: 512 MB then about 720 for a moment, then 447).
 */
const COMPACT_AFTER_MS = 3_000

/** How long closing everything may take before the process exits anyway. */
const CLOSE_MS = 15_000
/** After an uncaught error: how long the graceful close may take before exit(3). */
const FATAL_CLOSE_MS = 5_000

/** Closes in order, each failure logged; gives up after `ms` (the caller exits regardless). */
async function closeWithin(closers: readonly { name: string; close: () => Promise<void> }[], ms: number, logger: Logger): Promise<void> {
  let failed: unknown
  const all = (async () => {
    for (const { name, close } of closers) {
      try {
        await close()
      } catch (error) {
        logger.error({ part: name, err: (error as Error).message }, 'closing failed')
        failed ??= new Error(`closing the ${name} failed: ${(error as Error).message}`)
      }
    }
  })()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)))
  const outcome = await Promise.race([all.then(() => 'done' as const), late])
  clearTimeout(timer)
  if (outcome === 'late') throw new Error(`shutdown took longer than ${ms} ms; exiting anyway`)
  if (failed !== undefined) throw failed
}

/**
 * An uncaught exception or unhandled rejection anywhere in the process: logged, one line on
 * stderr, a bounded graceful close, exit 3. `happened` resolves when one occurs.
 */
function onFatal(logger: Logger, closeAll: () => Promise<void>): { happened: Promise<string> } {
  let resolve: (value: string) => void = () => undefined
  const happened = new Promise<string>((r) => (resolve = r))
  let dying = false
  const die = (kind: string) => (error: unknown): void => {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error'
    logger.fatal({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error), kind }, 'fatal')
    if (dying) return
    dying = true
    process.stderr.write(`model-ledger serve: fatal ${kind}: ${message}\n`)
    resolve(kind)
    const exit = setTimeout(() => process.exit(EXIT.error), FATAL_CLOSE_MS)
    void closeAll()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(exit)
        logger.flush()
        process.exit(EXIT.error)
      })
  }
  process.on('uncaughtException', die('uncaught exception'))
  process.on('unhandledRejection', die('unhandled rejection'))
  return { happened }
}

/**
 * The process's economy handler, started from the newest snapshot the log vouches for (a snapshot
 * store that cannot be read costs a full replay, not the service). `from`: the sequence the
 * snapshot left off at, and its own. Nothing here is kept once the handler has adopted the
 * snapshot: a start fold held for the process's life would keep, as the state moves on, a second
 * copy of every account and stream it had.
 */
function economyFromSnapshot(store: EventStore, snapshots: ReturnType<typeof openSnapshotStore>, log: ReturnType<typeof eventStoreReader>, logger: Logger): { economy: EconomyHandler; from: Promise<{ from: number; snapshot: number | null }> } {
  const loading = loadSnapshot<EconomyState>({ snapshots, log, vertical: economyVertical.name, logger }).catch((error: unknown): LoadedSnapshot<EconomyState> => {
    logger.warn({ err: (error as Error).message, where: snapshots.where }, 'snapshots unreadable: replaying the whole log')
    return { start: undefined, record: undefined, refused: [], ms: 0 }
  })
  return {
    economy: economyHandler(store, undefined, loading.then((loaded) => loaded.start)),
    from: loading.then((loaded) => ({ from: loaded.start?.position ?? 0, snapshot: loaded.record?.sequence ?? null })),
  }
}

/** The trainer beside the API: its own key, the reference executor, job outcomes in the log; supervised. */
async function startTrainer(dir: string, store: EventStore, handler: EconomyHandler, logger: Logger, supervisor: Supervisor, progress: TrainingMetrics): Promise<Trainer> {
  const signer = await trainerSigner(dir)
  const trainer = createTrainer({
    ledger: inProcessLedger(store, signer, handler),
    blobs: createBlobStore(blobDir(dir)),
    workRoot: workRootOf(dir),
    leaseMs: 60_000,
    progressMs: 2_000,
    lineage: lineageSink(undefined),
    executors: executorsOf([]),
    onJob: (job, outcome) => {
      progress.finished(job)
      logger.info({ job: job.id, outcome }, 'training job')
    },
    // Every step to the gauges and the debug log; the ledger takes a bounded number of reports per job.
    onProgress: (job, report) => {
      progress.progress(job, report)
      logger.debug({ job: job.id, step: report.step, totalSteps: report.totalSteps, metrics: report.metrics }, 'training progress')
    },
    // A refusal (no genesis yet, not registered) waits for the log; anything else is a failure.
    onError: (error) => (error instanceof CommandRefused ? logger.debug({ err: error.message }, 'trainer pass skipped') : supervisor.report('trainer', error)),
    onPass: () => supervisor.ok('trainer'),
    onProgressError: (error) => supervisor.report('trainer-progress', error),
  })
  void trainer.start()
  return trainer
}

/** The inference gateway beside the API, signing usage with the operator's key. */
async function startGateway(dir: string, store: EventStore, handler: EconomyHandler, args: ReturnType<typeof parse>, logger: Logger, supervisor: Supervisor): Promise<Gateway> {
  const upstream = str(args, 'upstream')
  if (upstream !== undefined && !/^https?:\/\/\S+$/.test(upstream)) throw new UsageError('--upstream takes an http(s) URL')
  const timeoutMs = positiveInt(str(args, 'upstream-timeout'), '--upstream-timeout')
  const model = str(args, 'upstream-model')
  const apiKey = process.env.MODEL_LEDGER_UPSTREAM_KEY
  const flushMs = positiveInt(str(args, 'meter-flush-ms'), '--meter-flush-ms')
  return await openGateway({
    dir,
    store,
    handler,
    ...(flushMs === undefined ? {} : { flushMs }),
    signer: await operatorSigner(dir),
    ...(upstream === undefined
      ? {}
      : { upstream: { url: upstream, ...(model === undefined ? {} : { model }), ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(apiKey === undefined ? {} : { apiKey }) } }),
    onError: (message) => logger.warn({ err: message }, 'gateway'),
    onFlushed: (failure) => (failure === null ? supervisor.ok('gateway-meter') : supervisor.report('gateway-meter', failure)),
  })
}

/** `--witness URL=VKEY`… and `--min-witnesses N`, checked before anything is opened. */
function witnessArgs(args: ReturnType<typeof parse>): { targets: WitnessTarget[]; minimum: number; pollMs: number } {
  let targets: WitnessTarget[]
  try {
    targets = strs(args, 'witness').map((arg) => witnessTarget(arg, nativeCrypto))
  } catch (error) {
    if (error instanceof WitnessArgError) throw new UsageError(error.message)
    throw error
  }
  if (new Set(targets.map((t) => t.vkey)).size !== targets.length) throw new UsageError('a witness is named twice (--witness)')
  const given = str(args, 'min-witnesses')
  const minimum = given === undefined ? 0 : Number(given)
  if (given !== undefined && (!/^[0-9]+$/.test(given) || !Number.isSafeInteger(minimum))) throw new UsageError('--min-witnesses is a whole number')
  if (minimum > targets.length) throw new UsageError(`--min-witnesses ${minimum} needs at least that many --witness URL=VKEY`)
  const pollMs = positiveInt(str(args, 'witness-poll-ms'), '--witness-poll-ms') ?? 1000
  if (pollMs < 10) throw new UsageError('--witness-poll-ms is at least 10')
  return { targets, minimum, pollMs }
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the HTTP API on a data directory (--port 0 picks a free port)',
  usage: `model-ledger serve --data DIR [--store URL] [--port N] [--host ADDR] [--init] [--no-trainer] [--no-gateway] [--no-console]
                    [--upstream URL [--upstream-model NAME] [--upstream-timeout MS]] [--meter-flush-ms MS]
                    [--cors ORIGIN]... [--log-level LEVEL]
                    [--witness URL=VKEY]... [--min-witnesses N] [--witness-poll-ms MS]
                    [--snapshot-every N] [--verify-threads N]

Serves the HTTP API (docs/http-api.md) over the ledger in DIR. --store puts the log elsewhere
(postgres://…?schema=name, esdb://…; default DIR/ledger.db, see docs/operations.md); DIR still
holds the keys and config (and the read models, except with postgres://). --port 0 picks a free port; the
first line printed is "listening on <url>". --init creates the data directory first if it is
not one yet (development passphrase in DIR/keys/passphrase unless MODEL_LEDGER_PASSPHRASE is set).
The trainer (docs/trainer.md) runs in the same process with its own key, on the reference
executor, unless --no-trainer. The OpenAI-compatible inference gateway (docs/gateway.md) is served
at <url>/openai/v1 for the deployments whose operator is DIR/keys/operator.key, unless --no-gateway;
it answers with the reference model from DIR/training, or forwards to --upstream (an OpenAI-compatible
server; its key from MODEL_LEDGER_UPSTREAM_KEY). Usage receipts are written ahead to
DIR/gateway/receipts.db and appended in batches every --meter-flush-ms (default 200). --host defaults to 127.0.0.1. --cors allows a browser origin (repeatable; off by default).
--witness submits each new checkpoint to a C2SP tlog-witness (URL: its submission prefix; VKEY: its
cosignature/v1 key), with the consistency proof from the size it last cosigned, and keeps the
cosignatures that verify (DIR/cosigning.db); /tlog/checkpoint then serves the newest checkpoint
cosigned by at least --min-witnesses of them (default 0: the newest, with the cosignatures it has).
A witness that fails is retried with backoff, logged, and shown in /readyz and /metrics; it never
holds up appends (docs/witness.md, "The log's side"). New checkpoints are looked for every
--witness-poll-ms (default 1000).
The economy's fold starts from the newest snapshot the log vouches for (docs/snapshots.md) and
reads only the events after it; a snapshot is written every --snapshot-every events (default
10000) and on a clean shutdown, in DIR/snapshots or, with a postgres:// store, in its schema's
snapshots table (0: never). With a postgres:// store the read models live in its schema too, shared
by every instance on it (one writes them at a time; docs/operations.md).
Command signatures are verified on --verify-threads threads off the event loop (default: one less
than the cores, at most 4; 0: on the event loop).
The auditor's console (docs/console.md) is served at <url>/console/ when built (npm run build), unless --no-console.
Logs are JSON lines on stderr (--log-level, default info), with trace_id and span_id inside a span.
--otlp URL exports OpenTelemetry traces to an OTLP/HTTP endpoint (or set OTEL_EXPORTER_OTLP_ENDPOINT); off by default. SIGINT/SIGTERM shut down gracefully.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, init: { type: 'boolean' }, store: { type: 'string' }, cors: { type: 'string', multiple: true }, 'log-level': { type: 'string' }, 'no-trainer': { type: 'boolean' }, 'no-gateway': { type: 'boolean' }, 'no-console': { type: 'boolean' }, upstream: { type: 'string' }, 'upstream-model': { type: 'string' }, 'upstream-timeout': { type: 'string' }, 'meter-flush-ms': { type: 'string' }, otlp: { type: 'string' }, witness: { type: 'string', multiple: true }, 'min-witnesses': { type: 'string' }, 'witness-poll-ms': { type: 'string' }, 'snapshot-every': { type: 'string' }, 'verify-threads': { type: 'string' } })
    const dir = required(str(args, 'data'), '--data')
    const port = positiveInt(str(args, 'port'), '--port') ?? 8080
    if (port > 65535) throw new UsageError('--port takes 0-65535')
    const level = str(args, 'log-level') ?? 'info'
    if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level takes one of ${LOG_LEVELS.join(', ')}`)
    const otlp = str(args, 'otlp')
    if (otlp !== undefined && !/^https?:\/\/\S+$/.test(otlp)) throw new UsageError('--otlp takes an http(s) URL (an OTLP/HTTP endpoint)')
    const logger = pino({ level, mixin: traceMixin }, pino.destination(2))
    const witnessing = witnessArgs(args)
    const given = str(args, 'snapshot-every')
    if (given !== undefined && !/^[0-9]+$/.test(given)) throw new UsageError('--snapshot-every takes a whole number of events (0: never)')
    const snapshotEvery = given === undefined ? DEFAULT_SNAPSHOT_EVERY : Number(given)
    const threads = str(args, 'verify-threads')
    if (threads !== undefined && !/^[0-9]{1,2}$/.test(threads)) throw new UsageError('--verify-threads takes a whole number of threads, 0 to 99 (0: verify on the event loop)')
    if (!isInitialised(dir)) {
      if (!flag(args, 'init')) throw new UsageError(`${dir} is not a ledger data directory (run model-ledger init --data ${dir}, or pass --init)`)
      const created = await initDataDir(dir)
      process.stdout.write(`initialized ${dir}: ledger key ${created.layout.ledgerKey}${created.developmentPassphrase ? ` (development passphrase in ${created.layout.devPassphrase})` : ''}\n`)
    }
    // Everything opened is closed in reverse on the way out, whichever way that is (bounded).
    const closers: { name: string; close: () => Promise<void> }[] = []
    const closeAll = (): Promise<void> => closeWithin(closers.splice(0).reverse(), CLOSE_MS, logger)
    const fatal = onFatal(logger, closeAll)
    // Listen for SIGINT/SIGTERM before anything else, so a shutdown asked for at any point (even
    // right after "listening", or during the start-up verification) is graceful.
    const stopping = waitForSignal()
    try {
      const tracing = startTracing({ ...(otlp === undefined ? {} : { endpoint: otlp }), serviceVersion: SOURCE.version })
      if (tracing !== undefined) {
        closers.push({ name: 'tracing', close: () => tracing.shutdown() })
        logger.info({ url: tracing.url }, 'exporting traces')
      }
      const supervisor = createSupervisor({ logger })
      closers.push({ name: 'supervisor', close: () => supervisor.stop() })
      const { store, layout, config } = await openLedger(dir, {
        backend: openBackend(str(args, 'store'), dir),
        purpose: 'serve',
        anchorTimer: false,
        check: async (backend) => {
          const checked = await verifyOnStart(backend, dir)
          logger.info({ from: checked.from, head: checked.head, events: checked.events, ms: checked.ms }, 'log verified')
        },
      })
      closers.push({ name: 'store', close: () => store.close() })
      if (config.anchorIntervalMs > 0) supervisor.every('anchor-timer', config.anchorIntervalMs, () => store.sealAnchor())
      // One economy handler for the process: the API, the gateway and the trainer decide through it
      // over one fold of the log, instead of three folds racing each other through expected versions.
      // It starts from the newest snapshot the log vouches for, and folds the tail. Both happen while
      // serve already listens: /readyz says not ready until they are done, and a command or read
      // that needs the state waits for them.
      const snapshots = openSnapshotStore(str(args, 'store'), dir)
      closers.push({ name: 'snapshots', close: () => snapshots.close() })
      const log = eventStoreReader(store)
      const { economy, from: loadedFrom } = economyFromSnapshot(store, snapshots, log, logger)
      const folding = performance.now()
      let snapshotting: { readonly ticking: TaskHandle; readonly snapshotter: Snapshotter } | undefined
      let stopped = false
      const caughtUp = (async () => {
        const { from, snapshot } = await loadedFrom
        const folded = await economy.caughtUp()
        logger.info({ snapshot, tail: folded.position - from, head: folded.position, ms: Math.round(performance.now() - folding) }, 'economy folded')
        if (snapshotEvery > 0 && !stopped) {
          const snapshotter = createSnapshotter({ handler: economy, snapshots, log, vertical: economyVertical.name, every: snapshotEvery, since: from, logger })
          // A failed write costs a slower next start, not correctness: logged, not made unready.
          const ticking = supervisor.every('snapshot', SNAPSHOT_POLL_MS, () => snapshotter.tick().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'snapshot not written')))
          snapshotting = { ticking, snapshotter }
        }
      })()
      void supervisor.starting('economy fold', 'loading the newest snapshot and folding the log after it', caughtUp)
      // Closed after the HTTP server, the gateway and the trainer (pushed later, closed first), before the store.
      closers.push({
        name: 'final snapshot',
        close: async () => {
          stopped = true
          await caughtUp.catch(() => undefined)
          if (snapshotting === undefined) return
          await snapshotting.ticking.stop()
          await snapshotting.snapshotter.final()
        },
      })
      // With a PostgreSQL ledger the read models live in its schema too, shared by every instance
      // on it: one writes them (the writer lease), every one folds them in memory to serve reads.
      const storeUrl = str(args, 'store')
      const rowStore = storeUrl !== undefined && storeKind(storeUrl) === 'postgres' ? createPostgresReadModelStore(storeUrl, { shared: true }) : createSqliteReadModelStore(projectionsDbPath(dir))
      closers.push({ name: 'read models', close: () => rowStore.close() })
      const gateway = flag(args, 'no-gateway') ? undefined : await startGateway(dir, store, economy, args, logger, supervisor)
      if (gateway !== undefined) closers.push({ name: 'gateway', close: () => gateway.close() })
      const mounts = gateway === undefined ? [] : [gatewayMount(gateway)]
      const training = trainingMetrics()
      // One tree index for proofs, tiles and the witnesses' consistency proofs.
      const tileIndex = tileIndexFile(join(dir, 'tlog-index.bin'))
      closers.push({ name: 'tile index', close: async () => tileIndex.close() })
      const proofs = new Proofs(proofSource(store), { tileIndex, onIndexRebuilt: (reason) => logger.warn({ reason }, 'tile index') })
      let cosigner: Cosigner | undefined
      if (witnessing.targets.length > 0) {
        const state = openCosigningState(join(dir, 'cosigning.db'))
        closers.push({ name: 'cosigning state', close: async () => state.close() })
        cosigner = new Cosigner({
          witnesses: witnessing.targets,
          minimum: witnessing.minimum,
          source: proofsSource(proofs),
          state,
          crypto: nativeCrypto,
          clock: systemClock,
          logger,
        })
        const started = cosigner
        closers.push({ name: 'witness cosigner', close: () => started.close() })
      }
      const consoleDir = builtConsoleDir()
      const withConsole = !flag(args, 'no-console') && existsSync(join(consoleDir, 'index.html'))
      const running = await startServer({ store, proofs, ...(cosigner === undefined ? {} : { witnessing: cosigner }), routes: defaultVerticals(store, undefined, economy), metrics: [...training.metrics, ...(cosigner === undefined ? [] : cosignerMetrics(cosigner))], readModelStore: rowStore, blobs: createBlobStore(blobDir(dir)), port, logger, mounts, supervisor, ...(str(args, 'host') === undefined ? {} : { host: str(args, 'host') }), corsOrigins: strs(args, 'cors'), ...(withConsole ? { consoleDir } : {}), ...(threads === undefined ? {} : { verifyThreads: Number(threads) }) })
      closers.push({ name: 'http', close: () => running.close() })
      // The start allocates in a burst and then goes quiet: one full collection once every fold of
      // the start is over hands its garbage back, and a compacting one once those pages are gone
      // hands back the pages the survivors are spread over (infrastructure/memory.ts).
      void Promise.all([caughtUp.catch(() => undefined), running.started]).then(() => {
        if (stopped) return
        const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20)
        const beforeMb = rssMb()
        if (!collectGarbage()) return
        logger.info({ rssMb: rssMb(), beforeMb }, 'start-up garbage collected')
        setTimeout(() => {
          if (stopped) return
          const looseMb = rssMb()
          collectGarbage({ compact: true })
          logger.info({ rssMb: rssMb(), beforeMb: looseMb }, 'start-up heap compacted')
        }, COMPACT_AFTER_MS).unref()
      })
      process.stdout.write(`listening on ${running.url}\nledger public key ${store.ledgerPublicKey} (${layout.ledgerPub}); keys in ${layout.keys}\nAPI reference ${running.url}/docs\n`)
      if (withConsole) process.stdout.write(`auditor's console ${running.url}/console/\n`)
      if (cosigner !== undefined) {
        cosigner.start(witnessing.pollMs)
        process.stdout.write(`witnesses ${witnessing.targets.map((t) => t.verifier.name).join(', ')} (a checkpoint is published with ${witnessing.minimum} cosignature(s) or more)\n`)
      }
      if (gateway !== undefined) process.stdout.write(`OpenAI-compatible gateway ${running.url}/openai/v1 (operator key ${gateway.operator})\n`)
      if (!flag(args, 'no-trainer')) {
        const trainer = await startTrainer(dir, store, economy, logger, supervisor, training)
        closers.push({ name: 'trainer', close: () => trainer.stop() })
      }
      const signal = await Promise.race([stopping, fatal.happened])
      logger.info({ signal }, 'shutting down')
    } catch (error) {
      await closeAll().catch(() => undefined)
      logger.flush()
      throw error
    }
    await closeAll()
    logger.flush()
    return EXIT.ok
  },
}
