/**
 * A server composed as `serve` composes it, on a fresh data directory: the ledger API, the
 * inference gateway mounted where serve mounts it, and the trainer's metrics. For the tests that
 * check what the whole process exposes (every route, every metric).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { gatewayMount, openGateway, operatorSigner } from '../../../api/gateway/index.js'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { initDataDir, openLedger } from '../../../infrastructure/data-dir.js'
import { trainingMetrics, type TrainingMetrics } from '../../../trainer/metrics.js'
import { FAST_COST } from '../../trainer/fixture.js'

export interface Served {
  readonly server: RunningServer
  readonly store: EventStore
  readonly training: TrainingMetrics
  close(): Promise<void>
}

export async function startServed(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'served-'))
  await initDataDir(dir, { cost: FAST_COST })
  const { store } = await openLedger(dir)
  const gateway = await openGateway({ dir, store, signer: await operatorSigner(dir, FAST_COST), register: false })
  const training = trainingMetrics()
  const server = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [gatewayMount(gateway)], metrics: training.metrics })
  return {
    server,
    store,
    training,
    async close() {
      await server.close()
      await gateway.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
