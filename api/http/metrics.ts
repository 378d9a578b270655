/**
 * Prometheus metrics: commands and events appended, refusals by code, request latency by route,
 * decision latency by vertical, the head, projection lag and open event streams.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client'
import type { TaskStatus } from '../../infrastructure/supervisor.js'

export interface Metrics {
  readonly registry: Registry
  observeRequest(method: string, route: string, status: number, seconds: number): void
  timeDecision<T>(vertical: string, work: () => Promise<T>): Promise<T>
  appended(vertical: string, events: number): void
  refused(vertical: string, code: string): void
  streams(delta: number): void
  /** A stored blob found not to match its hash. */
  corruptBlob(): void
}

export interface MetricSources {
  head(): Promise<number>
  lags(): Promise<ReadonlyMap<string, number>>
  /** Supervised background tasks. */
  tasks?(): readonly TaskStatus[]
  storageOk?(): boolean
}

/**
 * prom-client's process and Node.js metrics, less the three gauges it names `*_total`
 * (`nodejs_active_handles_total`, `nodejs_active_requests_total`, `nodejs_active_resources_total`):
 * promtool refuses a `_total` suffix on anything but a counter, and each is the sum over the `type`
 * label of the gauge of the same name without it (`nodejs_active_handles`), which stays.
 */
function defaultMetrics(): Metric[] {
  const scratch = new Registry()
  collectDefaultMetrics({ register: scratch, prefix: 'model_ledger_' })
  const kept = scratch.getMetricsAsArray().filter((metric) => String(metric.type) === 'counter' || !metric.name.endsWith('_total'))
  return kept.map((metric) => scratch.getSingleMetric(metric.name)).filter((metric): metric is Metric => metric !== undefined)
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry()
  for (const metric of defaultMetrics()) registry.registerMetric(metric)
  const requests = new Histogram({ name: 'model_ledger_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route', 'status'], buckets: LATENCY_BUCKETS, registers: [registry] })
  const decisions = new Histogram({ name: 'model_ledger_command_duration_seconds', help: 'Time from queueing a verified command to its decision and append', labelNames: ['vertical'], buckets: LATENCY_BUCKETS, registers: [registry] })
  const commands = new Counter({ name: 'model_ledger_commands_appended_total', help: 'Signed commands appended', labelNames: ['vertical'], registers: [registry] })
  const events = new Counter({ name: 'model_ledger_events_appended_total', help: 'Events appended by commands through this server', labelNames: ['vertical'], registers: [registry] })
  const refusals = new Counter({ name: 'model_ledger_commands_refused_total', help: 'Commands refused by a handler, by code', labelNames: ['vertical', 'code'], registers: [registry] })
  const corruptBlobs = new Counter({ name: 'model_ledger_blobs_corrupt_total', help: 'Stored blobs found not to match their hash when read', registers: [registry] })
  const openStreams = new Gauge({ name: 'model_ledger_event_streams_open', help: 'Open server-sent event streams', registers: [registry] })
  new Gauge({
    name: 'model_ledger_head_sequence',
    help: 'The last sequence in the log',
    registers: [registry],
    async collect() {
      this.set(await sources.head())
    },
  })
  new Gauge({
    name: 'model_ledger_projection_lag_events',
    help: 'Events between the head and a read model checkpoint',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const [name, lag] of await sources.lags()) this.set({ projection: name }, lag)
    },
  })
  new Counter({
    name: 'model_ledger_task_failures_total',
    help: 'Failures of supervised background tasks (projection runners, anchor timer, trainer, meter flush)',
    labelNames: ['task'],
    registers: [registry],
    collect() {
      this.reset()
      for (const task of sources.tasks?.() ?? []) this.inc({ task: task.name }, task.failures)
    },
  })
  new Gauge({
    name: 'model_ledger_task_failing',
    help: '1 while a supervised background task is failing',
    labelNames: ['task'],
    registers: [registry],
    collect() {
      for (const task of sources.tasks?.() ?? []) this.set({ task: task.name }, task.failing ? 1 : 0)
    },
  })
  new Gauge({
    name: 'model_ledger_storage_ok',
    help: '0 while writes fail because storage is full',
    registers: [registry],
    collect() {
      this.set(sources.storageOk?.() === false ? 0 : 1)
    },
  })
  return {
    registry,
    observeRequest: (method, route, status, seconds) => requests.observe({ method, route, status: String(status) }, seconds),
    async timeDecision(vertical, work) {
      const end = decisions.startTimer({ vertical })
      try {
        return await work()
      } finally {
        end()
      }
    },
    appended(vertical, count) {
      commands.inc({ vertical })
      events.inc({ vertical }, count)
    },
    refused: (vertical, code) => refusals.inc({ vertical, code }),
    streams: (delta) => openStreams.inc(delta),
    corruptBlob: () => corruptBlobs.inc(),
  }
}
