/**
 * Start-up integrity: before a service appends to a log or serves it, the log is verified
 * (canonical form, hashes, chain, sequences, anchors, signatures under the ledger key) with the
 * streaming verifier. DIR/verified.json remembers the last anchor verified ("verified up to
 * sequence S with hash H", and the ledger key); a restart checks that S's stored hash is still H
 * and verifies only the events after S. The marker always names an anchor, so the tail starts
 * on a command boundary with no Merkle state to carry over.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkEnvelopeSeal, ZERO_HASH } from '../../domain/ledger/envelope.js'
import { anchorData } from '../../domain/ledger/anchor.js'
import type { ResumePoint } from '../../domain/ledger/chain-check.js'
import { nativeCrypto } from '../crypto/native.js'
import { storeLines } from '../bundle/lines.js'
import { replaceFile } from '../keys/atomic-write.js'
import type { StorageBackend } from '../store/backend.js'
import { verifyLines } from './verifier.js'

export interface VerifiedMarker {
  readonly ledgerPublicKey: string
  readonly sequence: number
  readonly hash: string
  readonly verifiedAt: string
}

export interface StartupCheck {
  /** The first sequence checked (1 for a whole log) and the head checked up to. */
  readonly from: number
  readonly head: number
  readonly events: number
  readonly ms: number
  readonly marker: VerifiedMarker | null
}

export class IntegrityError extends Error {
  override readonly name = 'IntegrityError'
  constructor(
    readonly sequence: number | null,
    readonly reason: string,
  ) {
    super(`the log does not verify at ${sequence === null ? 'its start' : `sequence ${sequence}`}: ${reason}; refusing to start (model-ledger verify --data DIR for details)`)
  }
}

export function markerPath(root: string): string {
  return join(root, 'verified.json')
}

function readMarker(root: string, key: string): VerifiedMarker | null {
  const path = markerPath(root)
  if (!existsSync(path)) return null
  try {
    const marker = JSON.parse(readFileSync(path, 'utf8')) as Partial<VerifiedMarker>
    const valid = marker.ledgerPublicKey === key && Number.isSafeInteger(marker.sequence) && (marker.sequence ?? 0) > 0 && typeof marker.hash === 'string'
    return valid ? (marker as VerifiedMarker) : null
  } catch {
    return null // unreadable: verify everything, and write a good one
  }
}

/** Verifies the tail after the marker (or the whole log), then moves the marker to the last anchor verified. */
export async function verifyOnStart(backend: StorageBackend, root: string, options: { workers?: number } = {}): Promise<StartupCheck> {
  const started = performance.now()
  const key = await backend.ledgerKey()
  const head = await backend.head()
  if (key === undefined) {
    // A store no writer has opened yet (a new PostgreSQL schema, say) holds nothing to verify.
    if (head.sequence === 0) return { from: 1, head: 0, events: 0, ms: Math.round(performance.now() - started), marker: null }
    throw new IntegrityError(null, 'the store holds events but no ledger key')
  }
  const marker = readMarker(root, key)
  let resume: ResumePoint | undefined
  if (marker !== null) {
    if (marker.sequence > head.sequence) throw new IntegrityError(head.sequence + 1, `the log ends at sequence ${head.sequence}, before sequence ${marker.sequence} verified on ${marker.verifiedAt}: it was truncated`)
    const [at] = await backend.readRange(marker.sequence, 1)
    if (at === undefined || at.hash !== marker.hash) throw new IntegrityError(marker.sequence, `its stored hash ${at?.hash ?? '(none)'} is not ${marker.hash}, verified on ${marker.verifiedAt}: it was rewritten`)
    const seal = checkEnvelopeSeal(at, nativeCrypto)
    if (!seal.ok || at.signer !== key) throw new IntegrityError(marker.sequence, `its bytes no longer match its hash and signature: it was rewritten`)
    const checkpoint = anchorData(at)
    if (checkpoint === undefined) throw new IntegrityError(marker.sequence, 'the verified marker names an event that is not a checkpoint of this format')
    resume = { sequence: at.sequence, hash: at.hash, recordedAt: at.recordedAt, checkpoint }
  }
  const from = (resume?.sequence ?? 0) + 1
  const report = await verifyLines(storeLines(backend, from), { trustedKey: key, ...(resume === undefined ? {} : { resume }), ...(options.workers === undefined ? {} : { workers: options.workers }) })
  if (!report.ok || report.summary === null) throw new IntegrityError(report.failure?.sequence ?? null, report.failure?.reason ?? 'unknown fault')
  const last = report.summary.lastAnchor
  let written = marker
  if (last.sequence > 0 && last.hash !== ZERO_HASH && last.sequence !== marker?.sequence) {
    written = { ledgerPublicKey: key, sequence: last.sequence, hash: last.hash, verifiedAt: new Date().toISOString() }
    await replaceFile(markerPath(root), `${JSON.stringify(written)}\n`)
  }
  return { from, head: report.summary.head.sequence, events: Math.max(0, report.summary.head.sequence - from + 1), ms: Math.round(performance.now() - started), marker: written }
}
