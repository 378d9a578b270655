/**
 * OpenLineage run events (spec 2-0-2): START when a job is claimed, COMPLETE or FAIL at its end,
 * with the dataset version as input and the final checkpoint as output, so Marquez or any
 * OpenLineage consumer can draw the model's lineage. Sent to a JSON-lines file or POSTed to a URL.
 */
import { appendFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import type { Job } from '../domain/training/state.js'

export type RunState = 'START' | 'COMPLETE' | 'FAIL'
export const LINEAGE_NAMESPACE = 'model-ledger'
const PRODUCER = 'https://github.com/model-ledger/model-ledger/trainer'
const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent'

export interface LineageSink {
  emit(state: RunState, job: Job, extra: { readonly checkpoint?: string; readonly reason?: string }): Promise<void>
}

/** OpenLineage wants a UUID run id: derive one from the job id so every event of a job agrees. */
export function runIdOf(jobId: string): string {
  const h = createHash('sha256').update(`openlineage-run:${jobId}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** The dataset version, the base checkpoint (`checkpoint:<root>`) and the preference dataset version (DPO) a job trains on. */
function inputsOf(job: Job): Record<string, unknown>[] {
  const inputs: Record<string, unknown>[] = [{ namespace: LINEAGE_NAMESPACE, name: `datanet/${job.mandateId}/v${job.datasetVersion}`, facets: {} }]
  const base = job.baseModel === null ? null : /^checkpoint:([0-9a-f]{64})$/.exec(job.baseModel)?.[1]
  if (base !== undefined && base !== null) inputs.push({ namespace: LINEAGE_NAMESPACE, name: `checkpoint/${base}`, facets: {} })
  const preferences = job.hyperparameters.preferenceVersion
  if (typeof preferences === 'number') inputs.push({ namespace: LINEAGE_NAMESPACE, name: `preferences/${job.mandateId}/v${preferences}`, facets: {} })
  return inputs
}

export function runEvent(state: RunState, job: Job, extra: { readonly checkpoint?: string; readonly reason?: string }, at: Date): Record<string, unknown> {
  const output = extra.checkpoint === undefined ? [] : [{ namespace: LINEAGE_NAMESPACE, name: `checkpoint/${extra.checkpoint}` }]
  const facets = extra.reason === undefined ? {} : { errorMessage: { _producer: PRODUCER, _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/ErrorMessageRunFacet.json', message: extra.reason, programmingLanguage: 'TypeScript' } }
  return {
    eventType: state,
    eventTime: at.toISOString(),
    producer: PRODUCER,
    schemaURL: SCHEMA,
    run: { runId: runIdOf(job.id), facets },
    job: { namespace: LINEAGE_NAMESPACE, name: `training/${job.id}` },
    inputs: inputsOf(job),
    outputs: output,
  }
}

export function lineageSink(target: string | undefined): LineageSink {
  if (target === undefined) return { emit: async () => undefined }
  const send = /^https?:\/\//.test(target)
    ? async (body: string) => {
        await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      }
    : (body: string) => appendFile(target, `${body}\n`)
  return {
    async emit(state, job, extra) {
      // Lineage is a courtesy to other tools: an unreachable endpoint must not fail a training job.
      await send(JSON.stringify(runEvent(state, job, extra, new Date()))).catch(() => undefined)
    },
  }
}
