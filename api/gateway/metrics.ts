/**
 * The gateway's Prometheus metrics, registered into the server's registry (`/metrics`): answers
 * and tokens per deployment, refusals by problem kind, and the usage journal's pending receipts
 * (acknowledged usage not yet in the ledger: it should stay near one flush's worth).
 */
import { Counter, Gauge, type Metric } from 'prom-client'
import type { Meter } from './meter.js'

export interface GatewayMetrics {
  readonly metrics: readonly Metric[]
  answered(deploymentId: string, inputTokens: number, outputTokens: number): void
  refused(kind: string): void
}

export function gatewayMetrics(meter: Meter): GatewayMetrics {
  const answers = new Counter({ name: 'model_ledger_gateway_answers_total', help: 'Inference requests answered and metered', labelNames: ['deployment'], registers: [] })
  const tokens = new Counter({ name: 'model_ledger_gateway_tokens_total', help: 'Tokens metered', labelNames: ['deployment', 'direction'], registers: [] })
  const refusals = new Counter({ name: 'model_ledger_gateway_refusals_total', help: 'Inference requests refused, by problem kind', labelNames: ['kind'], registers: [] })
  const pending = new Gauge({
    name: 'model_ledger_gateway_receipts_pending',
    help: 'Usage receipts written ahead and not yet in the ledger',
    registers: [],
    async collect() {
      this.set((await meter.stats()).pending)
    },
  })
  return {
    metrics: [answers, tokens, refusals, pending],
    answered(deploymentId, inputTokens, outputTokens) {
      answers.inc({ deployment: deploymentId })
      tokens.inc({ deployment: deploymentId, direction: 'input' }, inputTokens)
      tokens.inc({ deployment: deploymentId, direction: 'output' }, outputTokens)
    },
    refused: (kind) => refusals.inc({ kind }),
  }
}
