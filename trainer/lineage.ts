/**
 * OpenLineage run events (spec 2-0-2): START when a job is claimed, COMPLETE or FAIL at its end,
 * with the dataset version as input and the final checkpoint as output, so Marquez or any
 * OpenLineage consumer can draw the model's lineage. Sent to a JSON-lines file or POSTed to a URL.
 *
 * Facets (docs/trainer.md lists them): the job's type, source code location and owners; the run's
 * parameters (the training manifest, whose hash the claim recorded) and processing engine; the
 * input's version with its Merkle root and licences; the output checkpoint's root. Standard facets
 * follow the OpenLineage facet schemas; the `modelLedger_*` facets are this project's, each with a
 * `_schemaURL` naming its JSON schema in docs/openlineage/.
 */
import { appendFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { packageInfo } from '../infrastructure/package-info.js'
import type { EconomyState } from '../domain/economy/state.js'
import { versionKey, type Job } from '../domain/training/state.js'
import type { Manifest } from './manifest.js'

export type RunState = 'START' | 'COMPLETE' | 'FAIL'
export const LINEAGE_NAMESPACE = 'model-ledger'
const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent'
const FACETS = 'https://openlineage.io/spec/facets'

/** Where the code comes from: package.json's repository and version (one source for the producer URI and the facets). */
export interface SourceInfo {
  readonly repoUrl: string
  readonly version: string
}

function packageSource(): SourceInfo {
  const info = packageInfo()
  return info?.repoUrl === undefined ? { repoUrl: 'https://github.com/model-ledger/model-ledger', version: '0.0.0' } : { repoUrl: info.repoUrl, version: info.version }
}

export const SOURCE: SourceInfo = packageSource()

/** What the trainer knows of a run beyond the job: its manifest, and the licences of the data it reads. */
export interface RunFacts {
  readonly manifest: Manifest
  readonly manifestHash: string
  readonly items: number
  /** Licence → how many items of the dataset version carry it. */
  readonly licences: Readonly<Record<string, number>>
}

export interface LineageExtra {
  readonly checkpoint?: string
  readonly reason?: string
  readonly facts?: RunFacts
}

export interface LineageSink {
  emit(state: RunState, job: Job, extra: LineageExtra): Promise<void>
}

/** The licences of the job's dataset version, counted over its items, from the folded log. */
export function runFacts(job: Job, state: EconomyState, manifest: Manifest, manifestHash: string): RunFacts {
  const version = state.training.versions.get(versionKey(job.mandateId, job.datasetVersion))
  const licences: Record<string, number> = {}
  for (const id of version?.contributions ?? []) {
    const licence = state.data.contributions.get(id)?.licence
    if (licence !== undefined) licences[licence] = (licences[licence] ?? 0) + 1
  }
  return { manifest, manifestHash, items: version?.contributions.length ?? 0, licences }
}

/** OpenLineage wants a UUID run id: derive one from the job id so every event of a job agrees. */
export function runIdOf(jobId: string): string {
  const h = createHash('sha256').update(`openlineage-run:${jobId}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** The URL of one of this project's facet schemas (docs/openlineage/NAME.json, whose `$id` it is, plus the facet's definition). */
export const customSchemaUrl = (source: SourceInfo, name: string): string => `${source.repoUrl}/blob/main/docs/openlineage/${name}.json#/$defs/${name}`

export function runEvent(state: RunState, job: Job, extra: LineageExtra, at: Date, source: SourceInfo = SOURCE): Record<string, unknown> {
  const producer = `${source.repoUrl}/tree/v${source.version}/trainer`
  const base = (schemaURL: string) => ({ _producer: producer, _schemaURL: schemaURL })
  const standard = (file: string) => base(`${FACETS}/${file}.json#/$defs/${file.slice(file.indexOf('/') + 1)}`)
  const custom = (name: string) => base(customSchemaUrl(source, name))
  const { facts } = extra
  const owners = [{ name: `ed25519:${job.requester}`, type: 'REQUESTER' }, ...(job.trainer === null ? [] : [{ name: `ed25519:${job.trainer}`, type: 'TRAINER' }])]
  const runFacets: Record<string, unknown> = {
    processing_engine: { ...standard('1-1-1/ProcessingEngineRunFacet'), name: 'model-ledger', version: source.version, openlineageAdapterVersion: source.version },
    ...(facts === undefined ? {} : { modelLedger_trainingManifest: { ...custom('TrainingManifestRunFacet'), manifestHash: facts.manifestHash, manifest: facts.manifest } }),
    ...(extra.reason === undefined ? {} : { errorMessage: { ...standard('1-0-1/ErrorMessageRunFacet'), message: extra.reason, programmingLanguage: 'TypeScript' } }),
  }
  const input = {
    namespace: LINEAGE_NAMESPACE,
    name: `datanet/${job.mandateId}/v${job.datasetVersion}`,
    facets: {
      version: { ...standard('1-0-1/DatasetVersionDatasetFacet'), datasetVersion: String(job.datasetVersion) },
      modelLedger_datasetVersion: {
        ...custom('DatasetVersionMerkleFacet'),
        mandateId: job.mandateId,
        version: job.datasetVersion,
        merkleRoot: job.datasetRoot,
        ...(facts === undefined ? {} : { items: facts.items, licences: Object.entries(facts.licences).map(([licence, items]) => ({ licence, items })) }),
      },
    },
  }
  // A fine-tune also reads its base checkpoint (`checkpoint:<root>`), and a DPO job its preference dataset version.
  const extraInputs: Record<string, unknown>[] = []
  const baseRoot = job.baseModel === null ? undefined : /^checkpoint:([0-9a-f]{64})$/.exec(job.baseModel)?.[1]
  if (baseRoot !== undefined) extraInputs.push({ namespace: LINEAGE_NAMESPACE, name: `checkpoint/${baseRoot}`, facets: { version: { ...standard('1-0-1/DatasetVersionDatasetFacet'), datasetVersion: baseRoot } } })
  const preferences = job.hyperparameters.preferenceVersion
  if (typeof preferences === 'number') extraInputs.push({ namespace: LINEAGE_NAMESPACE, name: `preferences/${job.mandateId}/v${preferences}`, facets: { version: { ...standard('1-0-1/DatasetVersionDatasetFacet'), datasetVersion: String(preferences) } } })
  const outputs =
    extra.checkpoint === undefined
      ? []
      : [
          {
            namespace: LINEAGE_NAMESPACE,
            name: `checkpoint/${extra.checkpoint}`,
            facets: {
              version: { ...standard('1-0-1/DatasetVersionDatasetFacet'), datasetVersion: extra.checkpoint },
              modelLedger_checkpoint: { ...custom('CheckpointDatasetFacet'), root: extra.checkpoint, jobId: job.id, step: job.checkpoints.find((c) => c.root === extra.checkpoint)?.step ?? null },
            },
          },
        ]
  return {
    eventType: state,
    eventTime: at.toISOString(),
    producer,
    schemaURL: SCHEMA,
    run: { runId: runIdOf(job.id), facets: runFacets },
    job: {
      namespace: LINEAGE_NAMESPACE,
      name: `training/${job.id}`,
      facets: {
        jobType: { ...standard('2-0-4/JobTypeJobFacet'), processingType: 'BATCH', integration: 'MODEL_LEDGER', jobType: 'TRAINING' },
        sourceCodeLocation: { ...standard('1-1-0/SourceCodeLocationJobFacet'), type: 'git', url: `${source.repoUrl}/tree/v${source.version}/trainer`, repoUrl: `${source.repoUrl}.git`, path: 'trainer', version: source.version, tag: `v${source.version}` },
        ownership: { ...standard('1-0-1/OwnershipJobFacet'), owners },
      },
    },
    inputs: [input, ...extraInputs],
    outputs,
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
