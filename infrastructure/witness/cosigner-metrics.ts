/** Prometheus metrics of `serve --witness` (served at /metrics with the API's), read from the cosigner when scraped. */
import { Gauge, type Metric } from 'prom-client'
import type { Cosigner } from './cosigner.js'

export function cosignerMetrics(cosigner: Pick<Cosigner, 'status' | 'publishedSize'>): Metric[] {
  return [
    new Gauge({
      name: 'model_ledger_witness_cosigned_size',
      help: 'The tree size a witness last cosigned for this log',
      labelNames: ['witness'],
      registers: [],
      collect() {
        for (const witness of cosigner.status()) if (witness.cosignedSize !== null) this.set({ witness: witness.name }, witness.cosignedSize)
      },
    }),
    new Gauge({
      name: 'model_ledger_witness_failing',
      help: '1 while submissions to a witness fail (it is retried with backoff; the log goes on)',
      labelNames: ['witness'],
      registers: [],
      collect() {
        for (const witness of cosigner.status()) this.set({ witness: witness.name }, witness.failing ? 1 : 0)
      },
    }),
    new Gauge({
      name: 'model_ledger_witness_failures',
      help: 'Failed submissions to a witness since the server started',
      labelNames: ['witness'],
      registers: [],
      collect() {
        for (const witness of cosigner.status()) this.set({ witness: witness.name }, witness.failures)
      },
    }),
    new Gauge({
      name: 'model_ledger_checkpoint_published_size',
      help: 'The tree size of the cosigned checkpoint /tlog/checkpoint serves',
      registers: [],
      collect() {
        const size = cosigner.publishedSize
        if (size !== null) this.set(size)
      },
    }),
  ]
}
