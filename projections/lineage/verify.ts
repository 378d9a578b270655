/**
 * Checking a lineage report offline with the ledger key alone. Pure (no store, no Node API), so
 * the CLI's verify-report and the browser console run the same code.
 */
import { canonicalize } from '../../domain/canonical/jcs.js'
import type { JsonValue } from '../../domain/json.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { checkInclusionProof, type InclusionProof } from '../../domain/ledger/proof.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { buildLineage, type LineageGraph } from './graph.js'
import { emptyIndex, indexEnvelope } from './index.js'

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

/** The sequences a graph rests on, in order: every node's evidence. */
export function evidenceOf(graph: LineageGraph): number[] {
  return [...new Set(graph.nodes.flatMap((node) => node.evidence))].sort((a, b) => a - b)
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
