/**
 * The trainer's OpenLineage events carry their facets (job type, source code location, owners,
 * run parameters, engine, the input's version with its Merkle root and licences, the output
 * checkpoint's root) and validate against the official 2-0-2 schema and each facet's schema; a
 * facet that breaks its schema, or one whose schema is unknown, is caught. trainer.e2e.test.ts
 * validates the events of real runs the same way.
 */
import { describe, expect, it } from 'vitest'
import type { Job } from '../../domain/training/state.js'
import { manifestHash, manifestOf } from '../../trainer/manifest.js'
import { runEvent, SOURCE, type RunFacts } from '../../trainer/lineage.js'
import { openLineageValidator } from './openlineage.js'

const hex = (c: string) => c.repeat(64)
const job: Job = {
  id: hex('1'), mandateId: hex('2'), requester: hex('3'), datasetVersion: 2, datasetRoot: hex('4'), baseModel: null, executor: 'reference', hyperparameters: { epochs: 8, lr: 0.5 }, seed: 7,
  status: 'completed', trainer: hex('5'), claims: 1, trainers: [hex('5')], progressReports: 0, manifestHash: null, leaseMs: 60_000, leaseUntil: 0,
  checkpoints: [{ step: 8, root: hex('6'), sequence: 40, files: [] }], evaluation: null, evaluations: [], attributed: false, attribution: null, lastStep: 8, attestations: new Map(),
}
const manifest = manifestOf(job, 'reference@1')
const facts: RunFacts = { manifest, manifestHash: manifestHash(manifest), items: 30, licences: { 'CC-BY-4.0': 20, 'CC0-1.0': 10 } }
const at = new Date(Date.UTC(2026, 0, 1))

describe('OpenLineage run events', () => {
  const validate = openLineageValidator()

  it('validate, facets and all, for START, COMPLETE and FAIL', () => {
    for (const event of [runEvent('START', job, { facts }, at), runEvent('COMPLETE', job, { checkpoint: hex('6'), facts }, at), runEvent('FAIL', job, { reason: 'dataset refused', facts }, at)]) {
      expect(validate(event)).toEqual([])
    }
  })

  it('say what Marquez shows: job type, source, owners, the manifest, the data version with root and licences, the checkpoint', () => {
    const event = runEvent('COMPLETE', job, { checkpoint: hex('6'), facts }, at) as {
      producer: string
      job: { facets: Record<string, Record<string, unknown>> }
      run: { facets: Record<string, Record<string, unknown>> }
      inputs: { name: string; facets: Record<string, Record<string, unknown>> }[]
      outputs: { name: string; facets: Record<string, Record<string, unknown>> }[]
    }
    expect(event.job.facets.jobType).toMatchObject({ processingType: 'BATCH', integration: 'MODEL_LEDGER', jobType: 'TRAINING' })
    expect(event.job.facets.sourceCodeLocation).toMatchObject({ type: 'git', version: SOURCE.version, repoUrl: `${SOURCE.repoUrl}.git` })
    expect(event.job.facets.ownership?.owners).toEqual([{ name: `ed25519:${hex('3')}`, type: 'REQUESTER' }, { name: `ed25519:${hex('5')}`, type: 'TRAINER' }])
    expect(event.run.facets.modelLedger_trainingManifest).toMatchObject({ manifestHash: facts.manifestHash, manifest: { datasetRoot: hex('4'), seed: 7, codeVersion: 'reference@1' } })
    expect(String(event.run.facets.modelLedger_trainingManifest?._schemaURL)).toMatch(/\/docs\/openlineage\/TrainingManifestRunFacet\.json#\/\$defs\/TrainingManifestRunFacet$/)
    const [input] = event.inputs
    expect(input?.facets.version).toMatchObject({ datasetVersion: '2' })
    expect(input?.facets.modelLedger_datasetVersion).toMatchObject({ merkleRoot: hex('4'), version: 2, items: 30, licences: [{ licence: 'CC-BY-4.0', items: 20 }, { licence: 'CC0-1.0', items: 10 }] })
    expect(event.outputs[0]?.facets.modelLedger_checkpoint).toMatchObject({ root: hex('6'), jobId: hex('1'), step: 8 })
    expect(event.producer).toBe(`${SOURCE.repoUrl}/tree/v${SOURCE.version}/trainer`)
    expect(SOURCE.version).toBe('0.1.0')
  })

  it('catches a facet that breaks its schema, an unknown facet schema and a broken event', () => {
    const event = runEvent('COMPLETE', job, { checkpoint: hex('6'), facts }, at) as { job: { facets: Record<string, Record<string, unknown>> }; run: { facets: Record<string, unknown>; runId?: string }; inputs: { facets: Record<string, Record<string, unknown>> }[] }
    const broken = structuredClone(event)
    delete broken.job.facets.jobType?.integration
    expect(validate(broken).join('\n')).toMatch(/job\.jobType.*integration/)
    const rootless = structuredClone(event)
    delete rootless.inputs[0]?.facets.modelLedger_datasetVersion?.merkleRoot
    expect(validate(rootless).join('\n')).toMatch(/modelLedger_datasetVersion.*merkleRoot/)
    const unknown = structuredClone(event)
    unknown.run.facets.mystery = { _producer: 'https://example.org', _schemaURL: 'https://example.org/Mystery.json#/$defs/Mystery' }
    expect(validate(unknown).join('\n')).toMatch(/no schema https:\/\/example.org/)
    const noRun = structuredClone(event)
    noRun.run.runId = 'not-a-uuid'
    expect(validate(noRun).join('\n')).toMatch(/runId/)
  })
})
