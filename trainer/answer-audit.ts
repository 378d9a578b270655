/**
 * Auditing a receipt's per-answer attribution. The weights in a `UsageRecorded` receipt are the
 * operator's attestation: the ledger checks that the named contributions are members of the served
 * dataset version, not the span matching (it never holds the answer text). The weights are a pure
 * function of the answer text, the version's items and the span length (domain/lm/spans.ts), so
 * whoever holds the answer (the consumer it was served to) can recompute them from the ledger's
 * data directory alone: the receipt from the log, the version's items from the blob store,
 * verified against their sealed root (trainer/dataset.ts), exactly as the gateway indexes them.
 * `model-ledger audit-answer` prints the result; any difference is an over- or under-claim.
 *
 * A receipt with an `answerHash` is bound to one text: the SHA-256 of the answer's UTF-8 bytes as
 * the gateway returned them. An answer that does not hash to it is refused before anything is
 * recomputed, so the audited text is the served text, whoever presents it. A receipt without
 * one (recorded before it existed, or by a gateway that does not fill it) is audited against
 * whatever text is presented, and the audit says it was not bound.
 */
import { createHash } from 'node:crypto'
import { economy, type EconomyState } from '../domain/economy/index.js'
import type { PricedReceipt } from '../domain/deployment/values.js'
import { attributeAnswer, buildSpanIndex, DEFAULT_SPAN_BYTES, type SpanWeight } from '../domain/lm/spans.js'
import type { BlobStore } from '../infrastructure/blobs/blob-store.js'
import type { StorageBackend } from '../infrastructure/store/backend.js'
import { materialize } from './dataset.js'

/** The receipt, its deployment or its dataset cannot be found or read, or the answer is not the one the receipt is for (as opposed to weights that differ). */
export class AnswerAuditError extends Error {
  override readonly name = 'AnswerAuditError'
}

export interface AttributionDifference {
  readonly contribution: string
  /** The weight the receipt records (0: not named). */
  readonly recorded: number
  /** The weight the answer text gives it (0: the answer shares no span of `spanBytes` with it). */
  readonly recomputed: number
}

export interface AnswerAudit {
  readonly deploymentId: string
  readonly requestId: string
  /** The checkpoint the batch was recorded against, and the job that trained it. */
  readonly checkpoint: string
  readonly jobId: string
  readonly spanBytes: number
  /** The receipt's attribution ([] when it records none: its fee split by the job-level attribution). */
  readonly recorded: readonly SpanWeight[]
  readonly recomputed: readonly SpanWeight[]
  /** Every contribution whose recorded weight is not the recomputed one, by id ascending. */
  readonly differences: readonly AttributionDifference[]
  /** The receipt's answerHash, or null when it records none. */
  readonly answerHash: string | null
  /** Whether the audited text is the one the receipt is for: it hashes to the receipt's answerHash (false when the receipt records none). */
  readonly bound: boolean
  readonly ok: boolean
}

/** The receipt of `requestId` in a `UsageRecorded` event of the deployment, with the checkpoint it was recorded against. */
export async function findReceipt(backend: StorageBackend, deploymentId: string, requestId: string): Promise<{ readonly checkpoint: string; readonly receipt: PricedReceipt } | undefined> {
  for (let from = 1; ; ) {
    const page = await backend.readRange(from, 1000)
    if (page.length === 0) return undefined
    for (const e of page) {
      if (e.type !== 'UsageRecorded') continue
      const event = economy.parseEvent(e.type, e.data)
      if (event?.type !== 'UsageRecorded' || event.data.deploymentId !== deploymentId) continue
      const receipt = event.data.receipts.find((r) => r.requestId === requestId)
      if (receipt !== undefined) return { checkpoint: event.data.checkpoint, receipt }
    }
    from = (page[page.length - 1] as { sequence: number }).sequence + 1
  }
}

/** Recomputes the attribution of `answer` over the served version and compares it with the receipt's. */
export async function auditAnswer(
  backend: StorageBackend,
  state: EconomyState,
  blobs: Pick<BlobStore, 'stream'>,
  claim: { readonly deploymentId: string; readonly requestId: string; readonly answer: string | Uint8Array; readonly spanBytes?: number },
): Promise<AnswerAudit> {
  const { deploymentId, requestId } = claim
  // Hashed as given: bytes as read from a file, a string as its UTF-8 encoding (what the gateway hashes).
  const bytes = typeof claim.answer === 'string' ? Buffer.from(claim.answer, 'utf8') : claim.answer
  const answer = typeof claim.answer === 'string' ? claim.answer : new TextDecoder('utf-8').decode(claim.answer)
  const spanBytes = claim.spanBytes ?? DEFAULT_SPAN_BYTES
  const deployment = state.deployment.deployments.get(deploymentId)
  if (deployment === undefined) throw new AnswerAuditError(`no deployment ${deploymentId} in the log`)
  const found = await findReceipt(backend, deploymentId, requestId)
  if (found === undefined) throw new AnswerAuditError(`no receipt for request ${requestId} of deployment ${deploymentId} is recorded`)
  const served = [...deployment.history].reverse().find((s) => s.checkpoint === found.checkpoint)
  const job = served === undefined ? undefined : state.training.jobs.get(served.jobId)
  if (served === undefined || job === undefined) throw new AnswerAuditError(`checkpoint ${found.checkpoint} was never served by deployment ${deploymentId}`)
  const answerHash = found.receipt.answerHash ?? null
  if (answerHash !== null) {
    const actual = createHash('sha256').update(bytes).digest('hex')
    if (actual !== answerHash) throw new AnswerAuditError(`the answer does not hash to the receipt's answerHash: it hashes to ${actual}, receipt ${requestId} is for ${answerHash}`)
  }
  let items
  try {
    items = (await materialize(job, state, blobs)).map((e) => ({ contributionId: e.contributionId, texts: [e.text, e.label] }))
  } catch (error) {
    throw new AnswerAuditError(`the dataset version of job ${job.id} cannot be read back from the blob store: ${(error as Error).message}`)
  }
  const recorded = (found.receipt.attribution ?? []).map((w) => ({ contribution: w.contribution, weight: w.weight }))
  const recomputed = attributeAnswer(buildSpanIndex(items, spanBytes), answer)
  const was = new Map(recorded.map((w) => [w.contribution, w.weight]))
  const is = new Map(recomputed.map((w) => [w.contribution, w.weight]))
  const differences = [...new Set([...was.keys(), ...is.keys()])]
    .sort()
    .map((contribution) => ({ contribution, recorded: was.get(contribution) ?? 0, recomputed: is.get(contribution) ?? 0 }))
    .filter((d) => d.recorded !== d.recomputed)
  return { deploymentId, requestId, checkpoint: found.checkpoint, jobId: job.id, spanBytes, recorded, recomputed, differences, answerHash, bound: answerHash !== null, ok: differences.length === 0 }
}
