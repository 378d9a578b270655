/**
 * Proofs an auditor checks with the ledger's public key alone: that an event is in the tree a
 * checkpoint signed (inclusion, RFC 9162 §2.1.3), and that a later checkpoint's tree extends an
 * earlier one's (consistency, §2.1.4). Positions come from the leaf index and the tree sizes, and
 * the leaf index is the event's sequence minus one, so a proof cannot be moved to another event.
 */
import * as t from 'io-ts'
import { closed, decodeWith, Hex32, integer } from '../codec.js'
import { fromHex } from '../crypto/hex.js'
import type { CryptoSuite } from '../ports/crypto.js'
import { leafHash } from '../tlog/hash.js'
import { checkConsistency, checkInclusion } from '../tlog/proof.js'
import { anchorData, isAnchor, type AnchorData } from './anchor.js'
import { checkEnvelopeSeal, EnvelopeC, type Envelope } from './envelope.js'
import { checkNoteSignatures } from './line-check.js'

export const PROOF_FORMAT = 'model-ledger-inclusion-proof'
export const CONSISTENCY_FORMAT = 'model-ledger-consistency-proof'

export const InclusionProofC = closed(
  {
    format: t.literal(PROOF_FORMAT),
    version: t.literal(2),
    ledgerPublicKey: Hex32,
    event: EnvelopeC,
    checkpoint: EnvelopeC,
    leafIndex: integer('leafIndex', 0),
    treeSize: integer('treeSize', 1),
    hashes: t.array(Hex32),
  },
  'InclusionProof',
)
export type InclusionProof = t.TypeOf<typeof InclusionProofC>

export const ConsistencyProofC = closed(
  {
    format: t.literal(CONSISTENCY_FORMAT),
    version: t.literal(1),
    ledgerPublicKey: Hex32,
    old: EnvelopeC,
    new: EnvelopeC,
    hashes: t.array(Hex32),
  },
  'ConsistencyProof',
)
export type ConsistencyProof = t.TypeOf<typeof ConsistencyProofC>

export type ProofCheck =
  | { ok: true; kind: 'inclusion'; sequence: number; checkpointSequence: number; treeSize: number }
  | { ok: true; kind: 'consistency'; oldSize: number; newSize: number; oldSequence: number; newSequence: number }
  | { ok: false; reason: string }

/** Checks either kind of proof, by its `format`, against the key the verifier trusts (never the key the proof names). */
export function checkProof(value: unknown, trustedKey: string, crypto: CryptoSuite): ProofCheck {
  const format = typeof value === 'object' && value !== null ? (value as { format?: unknown }).format : undefined
  return format === CONSISTENCY_FORMAT ? checkConsistencyProof(value, trustedKey, crypto) : checkInclusionProof(value, trustedKey, crypto)
}

export function checkInclusionProof(value: unknown, trustedKey: string, crypto: CryptoSuite): ProofCheck {
  const decoded = decodeWith(InclusionProofC, value)
  if (!decoded.ok) return { ok: false, reason: `malformed proof: ${decoded.error}` }
  const proof = decoded.value
  const sealFault = checkSeal('event', proof.event, trustedKey, crypto) ?? checkSeal('checkpoint', proof.checkpoint, trustedKey, crypto)
  if (sealFault !== undefined) return { ok: false, reason: sealFault }
  const checkpoint = checkpointOf(proof.checkpoint, trustedKey, crypto)
  if (typeof checkpoint === 'string') return { ok: false, reason: checkpoint }
  const { sequence } = proof.event
  if (proof.leafIndex !== sequence - 1) return { ok: false, reason: `leafIndex ${proof.leafIndex} is not the event's sequence minus one (${sequence - 1})` }
  if (proof.treeSize !== checkpoint.treeSize) return { ok: false, reason: `treeSize ${proof.treeSize} is not the checkpoint's ${checkpoint.treeSize}` }
  if (sequence > checkpoint.treeSize) return { ok: false, reason: `the checkpoint's tree holds ${checkpoint.treeSize} events, not sequence ${sequence}` }
  const result = checkInclusion(crypto.sha256, proof.leafIndex, proof.treeSize, leafHash(fromHex(proof.event.hash), crypto.sha256), proof.hashes.map(fromHex), fromHex(checkpoint.root))
  if (!result.ok) return { ok: false, reason: `the inclusion proof fails (${result.code}): ${result.reason}` }
  return { ok: true, kind: 'inclusion', sequence, checkpointSequence: proof.checkpoint.sequence, treeSize: checkpoint.treeSize }
}

export function checkConsistencyProof(value: unknown, trustedKey: string, crypto: CryptoSuite): ProofCheck {
  const decoded = decodeWith(ConsistencyProofC, value)
  if (!decoded.ok) return { ok: false, reason: `malformed proof: ${decoded.error}` }
  const proof = decoded.value
  const sealFault = checkSeal('old checkpoint', proof.old, trustedKey, crypto) ?? checkSeal('new checkpoint', proof.new, trustedKey, crypto)
  if (sealFault !== undefined) return { ok: false, reason: sealFault }
  const older = checkpointOf(proof.old, trustedKey, crypto)
  if (typeof older === 'string') return { ok: false, reason: `the old checkpoint: ${older}` }
  const newer = checkpointOf(proof.new, trustedKey, crypto)
  if (typeof newer === 'string') return { ok: false, reason: `the new checkpoint: ${newer}` }
  if (older.origin !== newer.origin) return { ok: false, reason: `the checkpoints have different origins (${older.origin}, ${newer.origin})` }
  const result = checkConsistency(crypto.sha256, older.treeSize, newer.treeSize, proof.hashes.map(fromHex), fromHex(older.root), fromHex(newer.root))
  if (!result.ok) return { ok: false, reason: `the consistency proof fails (${result.code}): ${result.reason}` }
  return { ok: true, kind: 'consistency', oldSize: older.treeSize, newSize: newer.treeSize, oldSequence: proof.old.sequence, newSequence: proof.new.sequence }
}

function checkSeal(name: string, envelope: Envelope, trustedKey: string, crypto: CryptoSuite): string | undefined {
  if (envelope.signer !== trustedKey) return `the ${name} is signed by ${envelope.signer}, not the trusted ledger key`
  const seal = checkEnvelopeSeal(envelope, crypto)
  return seal.ok ? undefined : `the ${name}: ${seal.reason}`
}

/** A checkpoint event's data, with its note signatures checked; or why not. */
function checkpointOf(envelope: Envelope, trustedKey: string, crypto: CryptoSuite): AnchorData | string {
  const data = anchorData(envelope)
  if (!isAnchor(envelope) || data === undefined) return 'not a checkpoint event'
  if (data.treeSize !== envelope.sequence - 1) return `a checkpoint at sequence ${envelope.sequence} must commit to ${envelope.sequence - 1} events, not ${data.treeSize}`
  return checkNoteSignatures(data, trustedKey, crypto) ?? data
}
