/**
 * Lineage reports: the graph for a target plus, for every sequence it rests on, the event and its
 * inclusion proof. `verifyLineageReport` (verify.ts) checks a report offline with the ledger key alone.
 */
import type { InclusionProof } from '../../domain/ledger/proof.js'
import { ProofUnavailable, Proofs, type ProofSource } from '../../infrastructure/proofs/build-proof.js'
import type { StorageBackend } from '../../infrastructure/store/backend.js'
import { buildLineage, resolveTarget, type LineageTarget } from './graph.js'
import { emptyIndex, indexEnvelope, type LineageIndex } from './index.js'
import { evidenceOf, REPORT_FORMAT, type Evidence, type LineageReport } from './verify.js'

export { REPORT_FORMAT } from './verify.js'

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

export { evidenceOf, verifyLineageReport, type Evidence, type LineageReport, type ReportCheck } from './verify.js'
