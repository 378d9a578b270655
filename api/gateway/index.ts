/**
 * The gateway on a data directory: the operator's key (DIR/keys/operator.key, created with the
 * ledger's passphrase on first start), the write-ahead meter (DIR/gateway/receipts.db), and a
 * backend per deployment: the reference model from DIR/training, or one upstream server for all.
 */
import { join } from 'node:path'
import type { Router } from 'express'
import type { EventStore } from '../../domain/ports/event-store.js'
import type { Signer } from '../../domain/ports/crypto.js'
import { serviceSigner } from '../../infrastructure/data-dir.js'
import type { ScryptCost } from '../../infrastructure/keys/index.js'
import { inProcessLedger } from '../../trainer/ledger.js'
import { workRootOf } from '../../trainer/open.js'
import type { EconomyState } from '../../domain/economy/index.js'
import type { Metric } from 'prom-client'
import type { Backend } from './backend.js'
import type { Served } from '../../domain/deployment/state.js'
import { gatewayMetrics } from './metrics.js'
import { openMeter, type Meter } from './meter.js'
import { referenceBackend } from './reference-backend.js'
import { lmBackend } from './lm-backend.js'
import { checkpointDirOf } from '../../trainer/run-job.js'
import { materialize } from '../../trainer/dataset.js'
import { blobDir, createBlobStore } from '../../infrastructure/blobs/blob-store.js'
import { gatewayEdge, gatewayHandlers, gatewayRouter, type GatewayDeps, type GatewayHandlers } from './router.js'
import { upstreamBackend, type UpstreamOptions } from './upstream-backend.js'
import type { CommandHandler } from '../../infrastructure/command-handler.js'
import type { Mount } from '../http/app.js'

export { gatewayEdge, gatewayHandlers, gatewayRouter, type GatewayDeps, type GatewayHandlers } from './router.js'
export { openMeter, type Meter, type MeteredReceipt } from './meter.js'
export { keyHashOf } from './access.js'

/** Where serve mounts the gateway beside the ledger API. */
export const GATEWAY_PATH = '/openai/v1'

/** The gateway as serve mounts it: its router under GATEWAY_PATH, its completions also on the listener's edge, its metrics with the API's. */
export const gatewayMount = (gateway: Pick<Gateway, 'router' | 'handlers' | 'metrics'>): Mount => ({ path: GATEWAY_PATH, router: gateway.router, edge: gatewayEdge(GATEWAY_PATH, gateway.handlers), metrics: gateway.metrics })

export const receiptsPath = (dir: string): string => join(dir, 'gateway', 'receipts.db')

export const operatorSigner = (dir: string, cost?: ScryptCost): Promise<Signer> => serviceSigner(dir, 'operator', cost)

export interface GatewayOptions {
  readonly dir: string
  readonly store: EventStore
  readonly signer: Signer
  /** The process's shared economy handler (serve passes it): one fold for the API, the gateway and the trainer. */
  readonly handler?: CommandHandler<EconomyState, string>
  readonly upstream?: UpstreamOptions
  readonly flushMs?: number
  /**
   * How long a folded ledger state answers admission checks before the log is read again (ms,
   * default 50): a revocation or a withdrawal takes effect within this. The gateway's own usage
   * appends refresh it at once.
   */
  readonly stateTtlMs?: number
  readonly onError?: (message: string) => void
  /** After each timed meter flush: null when every batch went in, else what failed (docs/operations.md, supervision). */
  readonly onFlushed?: (failure: string | null) => void
  /** Registers the operator key as an identity once the ledger has a genesis (default true): a deployment can only name a registered operator. */
  readonly register?: boolean
}

export interface Gateway {
  readonly router: Router
  /** The routes the router serves, for an edge over them (`gatewayMount`). */
  readonly handlers: GatewayHandlers
  readonly meter: Meter
  /** Prometheus metrics to register with the server's registry. */
  readonly metrics: readonly Metric[]
  readonly operator: string
  close(): Promise<void>
}

export async function openGateway(options: GatewayOptions): Promise<Gateway> {
  const ledger = inProcessLedger(options.store, options.signer, options.handler)
  const ttl = options.stateTtlMs ?? 50
  let cached: { readonly at: number; readonly state: Promise<EconomyState> } | undefined
  function state(caughtUp = false): Promise<EconomyState> {
    const now = Date.now()
    if (!caughtUp && cached !== undefined && now - cached.at < ttl) return cached.state
    const fresh = ledger.state()
    cached = { at: now, state: fresh }
    fresh.catch(() => (cached = undefined))
    return fresh
  }
  const submit: typeof ledger.submit = (r) => ledger.submit(r).finally(() => (cached = undefined))
  const meter = await openMeter({ path: receiptsPath(options.dir), submit, ...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }), ...(options.onError === undefined ? {} : { onError: options.onError }), ...(options.onFlushed === undefined ? {} : { onFlushed: options.onFlushed }) })
  const workRoot = workRootOf(options.dir)
  const stepOf = async (served: Served): Promise<number | undefined> => (await ledger.state()).training.jobs.get(served.jobId)?.checkpoints.find((k) => k.root === served.checkpoint)?.step
  const blobs = createBlobStore(blobDir(options.dir))
  // Local checkpoints: a language model (model-ledger/torch-lm@1) in process, anything else by the reference classifier.
  const backend: Backend =
    options.upstream !== undefined
      ? upstreamBackend(options.upstream)
      : lmBackend({
          dirOf: async (served) => {
            const step = await stepOf(served)
            return step === undefined ? undefined : checkpointDirOf(workRoot, served.jobId, step)
          },
          // Per-answer attribution: the served job's verified dataset version, each item's input and output text.
          itemsOf: async (served) => {
            const state = await ledger.state()
            const job = state.training.jobs.get(served.jobId)
            if (job === undefined) return []
            return (await materialize(job, state, blobs)).map((e) => ({ contributionId: e.contributionId, texts: [e.text, e.label] }))
          },
          fallback: referenceBackend({ workRoot, stepOf }),
          ...(options.onError === undefined ? {} : { onError: options.onError }),
        })
  const observed = gatewayMetrics(meter)
  const deps: GatewayDeps = {
    observe: observed,
    operator: ledger.key,
    state,
    meter,
    backendFor: () => backend,
    onError: (error) => options.onError?.((error as Error).message),
  }
  const handlers = gatewayHandlers(deps)
  const router = gatewayRouter(deps, handlers)
  // The operator key registers itself, like the trainer's: checked now and every second until done.
  let registering: NodeJS.Timeout | undefined
  async function register(): Promise<void> {
    const s = await state()
    if (s.governance.genesis === null) return
    if (!s.governance.identities.has(ledger.key)) {
      const result = await submit({ type: 'RegisterIdentity', payload: { displayName: 'inference gateway' } })
      if (!result.ok && result.code !== 'already-registered') return options.onError?.(`registering the operator key: ${result.code}: ${result.message}`)
    }
    clearInterval(registering)
  }
  if (options.register !== false) {
    registering = setInterval(() => void register().catch(() => undefined), 1_000)
    registering.unref()
    await register().catch(() => undefined)
  }
  return {
    router,
    handlers,
    meter,
    metrics: observed.metrics,
    operator: ledger.key,
    async close() {
      clearInterval(registering)
      await meter.close()
    },
  }
}
