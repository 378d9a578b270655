/**
 * Lineage reports: the graph for a target plus, for every sequence it rests on, the event and its
 * inclusion proof. `verifyLineageReport` checks a report offline with the ledger key alone.
 */
import { canonicalize } from '../../domain/canonical/jcs.js'
import type { JsonValue } from '../../domain/json.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { checkInclusionProof, type InclusionProof } from '../../domain/ledger/proof.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { ProofUnavailable, Proofs, type ProofSource } from '../../infrastructure/proofs/build-proof.js'
import type { StorageBackend } from '../../infrastructure/store/backend.js'
import { buildLineage, resolveTarget, type LineageGraph, type LineageTarget } from './graph.js'
import { emptyIndex, indexEnvelope, type LineageIndex } from './index.js'

export const REPORT_FORMAT = 'model-ledger-lineage-report'

export interface Evidence {
  readonly sequence: number
  readonly event: Envelope
  /** Null while the event is not yet under an anchor. */
  readonly proof: InclusionProof | null
}

export interface LineageReport {
  readonly format: typeof REPORT_FORMAT
  readonly version: 1
  readonly ledgerPublicKey: string
  readonly head: number
  readonly graph: LineageGraph
  readonly evidence: readonly Evidence[]
}

/** A target, or an id to resolve against the log (a deployment, training job, checkpoint root or mandate). */
export type LineageQuery = LineageTarget | { readonly kind: 'id'; readonly id: string }

export async function indexStore(backend: Pick<StorageBackend, 'readRange'>): Promise<{ index: LineageIndex; head: number }> {
  const index = emptyIndex()
  let head = 0
  for (let from = 1; ; from += 1000) {
    const page = await backend.readRange(from, 1000)
    for (const envelope of page) indexEnvelope(index, envelope)
    head = page[page.length - 1]?.sequence ?? head
    if (page.length < 1000) return { index, head }
  }
}

export function evidenceOf(graph: LineageGraph): number[] {
  return [...new Set(graph.nodes.flatMap((node) => node.evidence))].sort((a, b) => a - b)
}

export async function buildLineageReport(backend: ProofSource & Pick<StorageBackend, 'ledgerKey'>, query: LineageQuery): Promise<LineageReport> {
  const { index, head } = await indexStore(backend)
  const proofs = new Proofs(backend)
  const graph = buildLineage(index, query.kind === 'id' ? resolveTarget(index, query.id) : query)
  const evidence: Evidence[] = []
  for (const sequence of evidenceOf(graph)) {
    const [event] = await backend.readRange(sequence, 1)
    if (event === undefined) throw new Error(`the store lost sequence ${sequence}`)
    let proof: InclusionProof | null = null
    try {
      proof = await proofs.inclusion(sequence)
    } catch (error) {
      if (!(error instanceof ProofUnavailable)) throw error
    }
    evidence.push({ sequence, event, proof })
  }
  return { format: REPORT_FORMAT, version: 1, ledgerPublicKey: (await backend.ledgerKey()) ?? '', head, graph, evidence }
}

export type ReportCheck = { ok: true; items: number } | { ok: false; problems: string[] }

/**
 * Checks a report under the trusted key: every evidence event is proven to be in the log under an
 * anchor signed by that key, and the graph rebuilt from those events alone is the graph the report
 * states. (It proves that what the report says is in the log; not that the log holds nothing
 * more: for that, verify the whole log.)
 */
export function verifyLineageReport(report: LineageReport, trustedKey: string, crypto: CryptoSuite): ReportCheck {
  const problems: string[] = []
  if (report.format !== REPORT_FORMAT || report.version !== 1) return { ok: false, problems: ['not a lineage report of a known version'] }
  const index = emptyIndex()
  const seen = new Set<number>()
  for (const item of [...report.evidence].sort((a, b) => a.sequence - b.sequence)) {
    if (item.proof === null) problems.push(`sequence ${item.sequence} has no inclusion proof (not yet anchored)`)
    else {
      const check = checkInclusionProof(item.proof, trustedKey, crypto)
      if (!check.ok) problems.push(`sequence ${item.sequence}: ${check.reason}`)
      else if (canonicalize(item.proof.event as unknown as JsonValue) !== canonicalize(item.event as unknown as JsonValue) || item.event.sequence !== item.sequence) {
        problems.push(`sequence ${item.sequence}: the event is not the one its proof proves`)
      }
    }
    seen.add(item.sequence)
    try {
      indexEnvelope(index, item.event)
    } catch (error) {
      problems.push(`sequence ${item.sequence}: ${(error as Error).message}`)
    }
  }
  const needed = evidenceOf(report.graph).filter((sequence) => !seen.has(sequence))
  if (needed.length > 0) problems.push(`the graph cites sequences without evidence: ${needed.slice(0, 5).join(', ')}`)
  let rebuilt: LineageGraph | undefined
  try {
    rebuilt = buildLineage(index, report.graph.target)
  } catch (error) {
    problems.push(`the evidence does not support the target: ${(error as Error).message}`)
  }
  if (rebuilt !== undefined && canonicalize(rebuilt as unknown as JsonValue) !== canonicalize(report.graph as unknown as JsonValue)) {
    problems.push('the graph the report states is not the graph its evidence gives')
  }
  return problems.length === 0 ? { ok: true, items: report.evidence.length } : { ok: false, problems }
}
