/**
 * Proof that a checkpoint was trained without an item: its job commits to a dataset root; the
 * report's streams hold the DatasetVersionSealed event of that version (its ordered members and
 * root) and each member's ContributionSubmitted (its content hash). Recomputing the RFC 6962 root
 * over the members' content hashes, in order, must give the job's root; then the members are
 * exactly the training data, and the item's hash is not among them. Run it on a report that
 * `verifyLineageReport` accepted, so every event it reads is the ledger's, signed and anchored.
 */
import { fromHex } from '../../domain/crypto/hex.js'
import type { JsonValue } from '../../domain/json.js'
import { merkleRoot } from '../../domain/ledger/merkle.js'
import type { LineageReport } from './report.js'
import { reportEvents } from './report-format.js'

export type Absence =
  | { readonly ok: true; readonly jobId: string; readonly datasetVersion: number; readonly root: string; readonly members: number }
  | { readonly ok: false; readonly reason: string }

const fail = (reason: string): Absence => ({ ok: false, reason })

function dataOf(report: LineageReport, type: string, matches: (data: Record<string, JsonValue>) => boolean): Record<string, JsonValue> | undefined {
  for (const event of reportEvents(report)) {
    const data = event.data as Record<string, JsonValue>
    if (event.type === type && matches(data)) return data
  }
  return undefined
}

/** Whether the checkpoint (or job) the report traces was trained on data without `contentHash`, by its dataset root. */
export function absenceOf(report: LineageReport, checkpointOrJob: string, contentHash: string): Absence {
  const checkpoint = report.graph.nodes.find((n) => n.kind === 'checkpoint' && n.facts.root === checkpointOrJob)
  const jobId = typeof checkpoint?.facts.jobId === 'string' ? checkpoint.facts.jobId : checkpointOrJob
  if (!report.graph.nodes.some((n) => n.id === `job:${jobId}`)) return fail(`the report traces no training job of ${checkpointOrJob}`)
  const requested = dataOf(report, 'TrainingRequested', (d) => d.jobId === jobId)
  if (requested === undefined) return fail(`the evidence lacks job ${jobId}'s TrainingRequested`)
  const { mandateId, datasetVersion, datasetRoot } = requested as { mandateId: string; datasetVersion: number; datasetRoot: string }
  const sealed = dataOf(report, 'DatasetVersionSealed', (d) => d.datanetId === mandateId && d.version === datasetVersion)
  if (sealed === undefined) return fail(`the evidence lacks dataset version ${datasetVersion}`)
  const members = sealed.contributions as string[]
  const hashes: string[] = []
  for (const id of members) {
    const submitted = dataOf(report, 'ContributionSubmitted', (d) => d.contributionId === id)
    if (submitted === undefined) return fail(`the evidence lacks member ${id}`)
    hashes.push(submitted.contentHash as string)
  }
  const root = merkleRoot(hashes.map(fromHex))
  if (root !== sealed.root || root !== datasetRoot) return fail(`the members' root ${root} is not the version's ${String(sealed.root)} and the job's ${datasetRoot}`)
  if (hashes.includes(contentHash)) return fail(`dataset version ${datasetVersion} holds ${contentHash}`)
  return { ok: true, jobId, datasetVersion, root, members: members.length }
}
