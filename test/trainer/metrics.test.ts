/** Every training step reaches the gauges, and a finished job's series go away. */
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import type { Job } from '../../domain/training/state.js'
import { trainingMetrics } from '../../trainer/metrics.js'

describe('training metrics', () => {
  it('reports each step and loss by job, and forgets a job when it ends', async () => {
    const metrics = trainingMetrics()
    const registry = new Registry()
    for (const metric of metrics.metrics) registry.registerMetric(metric)
    const job = { id: 'ab'.repeat(32) } as Job
    metrics.progress(job, { step: 7, totalSteps: 480, metrics: { loss: 0.25 } })
    metrics.progress(job, { step: 8, totalSteps: 480, metrics: { accuracy: 1 } })
    const text = await registry.metrics()
    expect(text).toContain(`model_ledger_training_step{job="${job.id}"} 8`)
    expect(text).toContain(`model_ledger_training_steps_planned{job="${job.id}"} 480`)
    expect(text).toContain(`model_ledger_training_loss{job="${job.id}"} 0.25`)
    metrics.finished(job)
    expect(await registry.metrics()).not.toContain(job.id)
  })
})
