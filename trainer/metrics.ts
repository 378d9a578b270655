/**
 * Training progress for operators: every step the executor reports goes to these gauges (the log
 * takes only a bounded number of reports per job, genesis `maxProgressReports`), labelled by job.
 * A job's series are removed when it ends, so the label set does not grow with every job ever run.
 */
import { Gauge, type Metric } from 'prom-client'
import type { Job } from '../domain/training/state.js'
import type { ProgressReport } from './progress.js'

export interface TrainingMetrics {
  readonly metrics: readonly Metric[]
  progress(job: Job, report: ProgressReport): void
  finished(job: Job): void
}

export function trainingMetrics(): TrainingMetrics {
  const step = new Gauge({ name: 'model_ledger_training_step', help: 'The step a running training job last reported', labelNames: ['job'] })
  const total = new Gauge({ name: 'model_ledger_training_steps_planned', help: 'The steps a running training job will take', labelNames: ['job'] })
  const loss = new Gauge({ name: 'model_ledger_training_loss', help: 'The training loss a running job last reported, when it reports one', labelNames: ['job'] })
  return {
    metrics: [step, total, loss],
    progress(job, report) {
      step.set({ job: job.id }, report.step)
      total.set({ job: job.id }, report.totalSteps)
      const value = report.metrics.loss
      if (typeof value === 'number' && Number.isFinite(value)) loss.set({ job: job.id }, value)
    },
    finished(job) {
      for (const gauge of [step, total, loss]) gauge.remove({ job: job.id })
    },
  }
}
