/**
 * DIR/demo-summary.json: the full ids the demo made, read back from its log (the lineage index),
 * so the README's lineage, proof and API commands can be run against a demo ledger as they stand.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { emptyIndex, indexEnvelope, type LineageIndex } from '../../../projections/lineage/index.js'

export const SUMMARY_FILE = 'demo-summary.json'

export interface DemoSummary {
  readonly ledgerPublicKey: string
  readonly head: number
  readonly mandateId: string | null
  readonly datanetId: string | null
  readonly datasetVersion: { readonly datanetId: string; readonly version: number; readonly root: string } | null
  readonly contentHash: string | null
  readonly jobId: string | null
  readonly checkpoint: string | null
  readonly deploymentId: string | null
  readonly bundle: string
}

async function indexOf(backend: StorageBackend): Promise<{ index: LineageIndex; head: number }> {
  const index = emptyIndex()
  let head = 0
  for (let from = 1; ; from += 1000) {
    const page = await backend.readRange(from, 1000)
    for (const envelope of page) indexEnvelope(index, envelope)
    head = page.at(-1)?.sequence ?? head
    if (page.length < 1000) return { index, head }
  }
}

const last = <T>(values: Iterable<T>): T | undefined => [...values].at(-1)

export async function writeDemoSummary(dir: string, backend: StorageBackend, ledgerPublicKey: string, bundle: string): Promise<DemoSummary> {
  const { index, head } = await indexOf(backend)
  const version = last(index.versions.values())
  const job = last([...index.jobs.values()].filter((j) => j.completed !== undefined))
  const summary: DemoSummary = {
    ledgerPublicKey,
    head,
    mandateId: last(index.mandates.keys()) ?? null,
    datanetId: last(index.datanets.keys()) ?? null,
    datasetVersion: version === undefined ? null : { datanetId: version.datanetId, version: version.version, root: version.root },
    contentHash: last(index.contributions.values())?.contentHash ?? null,
    jobId: job?.id ?? null,
    checkpoint: job?.completed?.finalCheckpoint ?? null,
    deploymentId: last(index.deployments.keys()) ?? null,
    bundle,
  }
  await writeFile(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`)
  return summary
}
