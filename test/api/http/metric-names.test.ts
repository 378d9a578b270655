/**
 * Every metric a serve process exposes (the API's, the process and Node.js defaults, the
 * gateway's and the trainer's) passes promtool's lint rules (test/support/promlint.ts), after
 * traffic that gives the labelled series values; and the checker itself catches what promtool does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lintExposition, lintFamily, parseExposition } from '../../support/promlint.js'
import { startServed, type Served } from './served.js'

let served: Served
beforeAll(async () => {
  served = await startServed()
})
afterAll(async () => served.close())

describe('metric names', () => {
  it('are promtool-clean for everything /metrics exposes', async () => {
    const url = served.server.url
    await fetch(`${url}/v1/ledger`)
    await fetch(`${url}/v1/events/99`)
    await fetch(`${url}/openai/v1/models`)
    await fetch(`${url}/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    const text = await (await fetch(`${url}/metrics`)).text()
    const families = parseExposition(text)
    const names = families.map((f) => f.name)
    for (const name of ['model_ledger_http_request_duration_seconds', 'model_ledger_commands_appended_total', 'model_ledger_gateway_refusals_total', 'model_ledger_training_steps_planned', 'model_ledger_process_cpu_seconds_total', 'model_ledger_nodejs_active_handles']) {
      expect(names).toContain(name)
    }
    expect(families.find((f) => f.name === 'model_ledger_http_request_duration_seconds')?.labels).toEqual(new Set(['method', 'route', 'status']))
    expect(lintExposition(text)).toEqual([])
  })

  it('the checker finds what promtool finds', () => {
    const problems = (name: string, type: string, labels: string[] = [], help: string | null = 'h') => lintFamily({ name, type, help: help ?? undefined, labels: new Set(labels) }).map((p) => p.text)
    expect(problems('requests', 'counter')).toEqual(['counter metrics should have "_total" suffix'])
    expect(problems('active_handles_total', 'gauge')).toEqual(['non-counter metrics should not have "_total" suffix'])
    expect(problems('latency_milliseconds', 'histogram')).toEqual(['use base unit "seconds" instead of "milliseconds"'])
    expect(problems('latency_ms', 'gauge')).toEqual(['metric names should not contain abbreviated units'])
    expect(problems('queue_count', 'gauge')).toEqual(['non-histogram and non-summary metrics should not have "_count" suffix'])
    expect(problems('queue_gauge', 'gauge')).toEqual(["metric name should not include type 'gauge'"])
    expect(problems('x_seconds', 'gauge', ['le'])).toEqual(['non-histogram metrics should not have "le" label'])
    expect(problems('fooBar_seconds', 'gauge', ['jobId'])).toEqual(["metric names should be written in 'snake_case' not 'camelCase'", "label names should be written in 'snake_case' not 'camelCase'"])
    expect(problems('x_bytes', 'gauge', [], null)).toEqual(['no help text'])
    expect(problems('last_run_timestamp_seconds', 'counter')).toContain('non-gauge metrics should not have "_timestamp_seconds" suffix')
    // The defaults prom-client names `_total` but types as gauges would fail.
    expect(lintExposition('# HELP nodejs_active_handles_total Total.\n# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 3\n')).toHaveLength(1)
  })
})
