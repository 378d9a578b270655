/**
 * model-ledger serve: the HTTP API over a data directory's embedded store. Prints the URL it
 * listens on (first line of stdout) and where the keys are; logs go to stderr as JSON lines.
 * SIGINT or SIGTERM: stop accepting, drain, stop the read models, close the store (which seals
 * the final anchor), exit 0.
 */
import { pino, type Logger } from 'pino'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { inProcessLedger } from '../../../trainer/ledger.js'
import { lineageSink } from '../../../trainer/lineage.js'
import { executorsOf, trainerSigner, workRootOf } from '../../../trainer/open.js'
import { createTrainer, type Trainer } from '../../../trainer/trainer.js'
import { startServer } from '../../http/server.js'
import { openGateway, operatorSigner, type Gateway } from '../../gateway/index.js'
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { initDataDir, isInitialised, openLedger } from '../../../infrastructure/data-dir.js'
import { openBackend } from '../../../infrastructure/store/open-store.js'
import { createSqliteReadModelStore, projectionsDbPath } from '../../../projections/store/sqlite-store.js'
import { EXIT, flag, parse, positiveInt, required, str, strs, UsageError, type Command } from '../io.js'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

/** The trainer beside the API: its own key, the reference executor, job outcomes in the log. */
async function startTrainer(dir: string, store: EventStore, logger: Logger): Promise<Trainer> {
  const signer = await trainerSigner(dir)
  const trainer = createTrainer({
    ledger: inProcessLedger(store, signer),
    blobs: createBlobStore(blobDir(dir)),
    workRoot: workRootOf(dir),
    leaseMs: 60_000,
    progressMs: 2_000,
    lineage: lineageSink(undefined),
    executors: executorsOf([]),
    onJob: (job, outcome) => logger.info({ job: job.id, outcome }, 'training job'),
    onError: (error) => logger.debug({ err: (error as Error).message }, 'trainer pass skipped'),
  })
  void trainer.start()
  return trainer
}

/** The inference gateway beside the API, signing usage with the operator's key. */
async function startGateway(dir: string, store: EventStore, args: ReturnType<typeof parse>, logger: Logger): Promise<Gateway> {
  const upstream = str(args, 'upstream')
  if (upstream !== undefined && !/^https?:\/\/\S+$/.test(upstream)) throw new UsageError('--upstream takes an http(s) URL')
  const timeoutMs = positiveInt(str(args, 'upstream-timeout'), '--upstream-timeout')
  const model = str(args, 'upstream-model')
  const apiKey = process.env.MODEL_LEDGER_UPSTREAM_KEY
  const flushMs = positiveInt(str(args, 'meter-flush-ms'), '--meter-flush-ms')
  return await openGateway({
    dir,
    store,
    ...(flushMs === undefined ? {} : { flushMs }),
    signer: await operatorSigner(dir),
    ...(upstream === undefined
      ? {}
      : { upstream: { url: upstream, ...(model === undefined ? {} : { model }), ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(apiKey === undefined ? {} : { apiKey }) } }),
    onError: (message) => logger.warn({ err: message }, 'gateway'),
  })
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the HTTP API on a data directory (--port 0 picks a free port)',
  usage: `model-ledger serve --data DIR [--store URL] [--port N] [--host ADDR] [--init] [--no-trainer] [--no-gateway]
                    [--upstream URL [--upstream-model NAME] [--upstream-timeout MS]] [--meter-flush-ms MS]
                    [--cors ORIGIN]... [--log-level LEVEL]

Serves the HTTP API (docs/http-api.md) over the ledger in DIR. --store puts the log elsewhere
(postgres://…?schema=name, esdb://…; default DIR/ledger.db, see docs/operations.md); DIR still
holds the keys, config and read models. --port 0 picks a free port; the
first line printed is "listening on <url>". --init creates the data directory first if it is
not one yet (development passphrase in DIR/keys/passphrase unless MODEL_LEDGER_PASSPHRASE is set).
The trainer (docs/trainer.md) runs in the same process with its own key, on the reference
executor, unless --no-trainer. The OpenAI-compatible inference gateway (docs/gateway.md) is served
at <url>/openai/v1 for the deployments whose operator is DIR/keys/operator.key, unless --no-gateway;
it answers with the reference model from DIR/training, or forwards to --upstream (an OpenAI-compatible
server; its key from MODEL_LEDGER_UPSTREAM_KEY). Usage receipts are written ahead to
DIR/gateway/receipts.db and appended in batches every --meter-flush-ms (default 200). --host defaults to 127.0.0.1. --cors allows a browser origin (repeatable; off by default).
Logs are JSON lines on stderr (--log-level, default info). SIGINT/SIGTERM shut down gracefully.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, init: { type: 'boolean' }, store: { type: 'string' }, cors: { type: 'string', multiple: true }, 'log-level': { type: 'string' }, 'no-trainer': { type: 'boolean' }, 'no-gateway': { type: 'boolean' }, upstream: { type: 'string' }, 'upstream-model': { type: 'string' }, 'upstream-timeout': { type: 'string' }, 'meter-flush-ms': { type: 'string' } })
    const dir = required(str(args, 'data'), '--data')
    const port = positiveInt(str(args, 'port'), '--port') ?? 8080
    if (port > 65535) throw new UsageError('--port takes 0-65535')
    const level = str(args, 'log-level') ?? 'info'
    if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level takes one of ${LOG_LEVELS.join(', ')}`)
    if (!isInitialised(dir)) {
      if (!flag(args, 'init')) throw new UsageError(`${dir} is not a ledger data directory (run model-ledger init --data ${dir}, or pass --init)`)
      const created = await initDataDir(dir)
      process.stdout.write(`initialized ${dir}: ledger key ${created.layout.ledgerKey}${created.developmentPassphrase ? ` (development passphrase in ${created.layout.devPassphrase})` : ''}\n`)
    }
    const { store, layout } = await openLedger(dir, { backend: openBackend(str(args, 'store'), dir), purpose: 'serve' })
    const rowStore = createSqliteReadModelStore(projectionsDbPath(dir))
    const logger = pino({ level }, pino.destination(2))
    const gateway = flag(args, 'no-gateway') ? undefined : await startGateway(dir, store, args, logger)
    const mounts = gateway === undefined ? [] : [{ path: '/openai/v1', router: gateway.router, metrics: gateway.metrics }]
    const running = await startServer({ store, readModelStore: rowStore, blobs: createBlobStore(blobDir(dir)), port, logger, mounts, ...(str(args, 'host') === undefined ? {} : { host: str(args, 'host') }), corsOrigins: strs(args, 'cors') })
    process.stdout.write(`listening on ${running.url}\nledger public key ${store.ledgerPublicKey} (${layout.ledgerPub}); keys in ${layout.keys}\nAPI reference ${running.url}/docs\n`)
    if (gateway !== undefined) process.stdout.write(`OpenAI-compatible gateway ${running.url}/openai/v1 (operator key ${gateway.operator})\n`)
    // Listen for the signal before anything slow (the trainer's first key derivation), so a
    // shutdown asked for right after "listening" is still graceful.
    const stopping = waitForSignal()
    const trainer = flag(args, 'no-trainer') ? undefined : await startTrainer(dir, store, logger)
    const signal = await stopping
    logger.info({ signal }, 'shutting down')
    await trainer?.stop()
    await running.close()
    await gateway?.close()
    await rowStore.close()
    await store.close()
    logger.flush()
    return EXIT.ok
  },
}
