/**
 * The load generator in its own process, so that it does not share the server's event loop: it
 * receives one `LoadRequest` over IPC, runs autocannon, and answers with a `LoadResult`.
 */
import autocannon from 'autocannon'

export interface LoadRequest {
  readonly url: string
  readonly path: string
  readonly method: 'POST' | 'GET'
  readonly headers: Record<string, string>
  readonly connections: number
  /** Bodies sent in turn, one per request; `amount` bounds the count (0: until `seconds`). */
  readonly bodies: readonly string[]
  readonly amount: number
  readonly seconds: number
}

export interface LoadResult {
  readonly ok: number
  readonly total: number
  readonly non2xx: number
  readonly errors: number
  /** From the start to the last response, measured here (autocannon's own `duration` ends on its one-second tick). */
  readonly seconds: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** CPU time the load generator itself used (user + system, ms). */
  readonly cpuMs: number
}

process.once('message', (message: LoadRequest) => {
  const cpu = process.cpuUsage()
  const started = performance.now()
  let last = started
  let next = 0
  const { bodies } = message
  const options: autocannon.Options = {
    url: message.url,
    connections: message.connections,
    ...(message.amount > 0 ? { amount: message.amount } : {}),
    duration: message.seconds,
    requests: [{ method: message.method, path: message.path, headers: message.headers, ...(bodies.length === 0 ? {} : { setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }) }],
  }
  const run = autocannon(options, (error: unknown, result: autocannon.Result) => {
    if (error !== null && error !== undefined) throw error instanceof Error ? error : new Error(String(error))
    const answer: LoadResult = { ok: result['2xx'], total: result.requests.total, non2xx: result.non2xx, errors: result.errors, seconds: (last - started) / 1000, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, cpuMs: cpuMs(process.cpuUsage(cpu)) }
    process.send?.(answer, () => process.exit(0))
  })
  run.on('response', () => (last = performance.now()))
})

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000
}
