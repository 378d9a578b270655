/**
 * DIR/demo-summary.json: the full ids the demo made, read back from its log (the lineage index),
 * so the README's lineage, proof and API commands can be run against a demo ledger as they stand;
 * and the governance it exercised: the parameter changed by an executable proposal (from which
 * sequence on) and the appeal upheld (where its slash was reversed).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { economy } from '../../../domain/economy/index.js'
import type { JsonValue } from '../../../domain/json.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { emptyIndex, indexEnvelope, type LineageIndex } from '../../../projections/lineage/index.js'
import type { LmSummary } from './lm-stage.js'

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
  readonly parameterChange: ParameterChangeSummary | null
  readonly appeal: AppealSummary | null
  /** `demo --lm`: the language-model loop's mandate, jobs, round, deployments and served answers; null without --lm. */
  readonly lm: LmSummary | null
  readonly bundle: string
}

/** A ParameterChanged: the proposal that executed it, the value before and after, and the sequence it applies from. */
export interface ParameterChangeSummary {
  readonly proposalId: string
  readonly name: string
  readonly from: JsonValue
  readonly to: JsonValue
  readonly appliesFrom: number
}

/** A SlashAppealed and its resolution: amounts in base units, sequences of the log. */
export interface AppealSummary {
  readonly appealId: string
  readonly account: string
  readonly slashSequence: number
  readonly amount: string
  readonly bond: string
  readonly appealedAt: number
  readonly proposalId: string | null
  readonly upheld: boolean | null
  readonly slashReversedAt: number | null
}

/** The last parameter change and the last appeal in the log, with what became of it. */
class GovernanceIndex {
  parameterChange: ParameterChangeSummary | null = null
  appeal: AppealSummary | null = null

  add(envelope: Envelope): void {
    if (envelope.type !== 'ParameterChanged' && envelope.type !== 'SlashAppealed' && envelope.type !== 'AppealResolved' && envelope.type !== 'SlashReversed') return
    const event = economy.parseEvent(envelope.type, envelope.data)
    const sequence = envelope.sequence
    if (event?.type === 'ParameterChanged') this.parameterChange = { proposalId: event.data.proposalId, name: event.data.name, from: event.data.from, to: event.data.to, appliesFrom: sequence }
    if (event?.type === 'SlashAppealed') {
      const { appealId, account, slashSequence, amount, bond } = event.data
      this.appeal = { appealId, account, slashSequence, amount: amount.toString(), bond: bond.toString(), appealedAt: sequence, proposalId: null, upheld: null, slashReversedAt: null }
    }
    if (event?.type === 'AppealResolved' && this.appeal?.appealId === event.data.appealId) this.appeal = { ...this.appeal, proposalId: event.data.proposalId, upheld: event.data.upheld }
    if (event?.type === 'SlashReversed' && this.appeal?.appealId === event.data.appealId) this.appeal = { ...this.appeal, slashReversedAt: sequence }
  }
}

async function indexOf(backend: StorageBackend): Promise<{ index: LineageIndex; governance: GovernanceIndex; head: number }> {
  const index = emptyIndex()
  const governance = new GovernanceIndex()
  let head = 0
  for (let from = 1; ; from += 1000) {
    const page = await backend.readRange(from, 1000)
    for (const envelope of page) {
      indexEnvelope(index, envelope)
      governance.add(envelope)
    }
    head = page.at(-1)?.sequence ?? head
    if (page.length < 1000) return { index, governance, head }
  }
}

const last = <T>(values: Iterable<T>): T | undefined => [...values].at(-1)

export async function writeDemoSummary(dir: string, backend: StorageBackend, ledgerPublicKey: string, bundle: string, lm: LmSummary | null = null): Promise<DemoSummary> {
  const { index, governance, head } = await indexOf(backend)
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
    parameterChange: governance.parameterChange,
    appeal: governance.appeal,
    lm,
    bundle,
  }
  await writeFile(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`)
  return summary
}
