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
  const sealFault = checkSeal('event', proof.event, trustedKey, crypto)
  if (sealFault !== undefined) return { ok: false, reason: sealFault }
  const checkpoint = checkCheckpoint(proof.checkpoint, trustedKey, crypto)
  if (typeof checkpoint === 'string') return { ok: false, reason: checkpoint }
  const { sequence } = proof.event
  if (proof.leafIndex !== sequence - 1) return { ok: false, reason: `leafIndex ${proof.leafIndex} is not the event's sequence minus one (${sequence - 1})` }
  if (proof.treeSize !== checkpoint.treeSize) return { ok: false, reason: `treeSize ${proof.treeSize} is not the checkpoint's ${checkpoint.treeSize}` }
  const fault = checkEventInclusion(proof.event, checkpoint, proof.hashes, crypto)
  if (fault !== undefined) return { ok: false, reason: fault }
  return { ok: true, kind: 'inclusion', sequence, checkpointSequence: proof.checkpoint.sequence, treeSize: checkpoint.treeSize }
}

/**
 * Checks that `event` is entry sequence-1 of the checkpoint's tree, given the RFC 9162 path
 * `hashes` (hex). It checks the event's hash is in the tree, not that the hash fits the event:
 * check the event's seal for that.
 */
export function checkEventInclusion(event: Envelope, checkpoint: AnchorData, hashes: readonly string[], crypto: Pick<CryptoSuite, 'sha256'>): string | undefined {
  if (event.sequence > checkpoint.treeSize) return `the checkpoint's tree holds ${checkpoint.treeSize} events, not sequence ${event.sequence}`
  const result = checkInclusion(crypto.sha256, event.sequence - 1, checkpoint.treeSize, leafHash(fromHex(event.hash), crypto.sha256), hashes.map(fromHex), fromHex(checkpoint.root))
  return result.ok ? undefined : `the inclusion proof fails (${result.code}): ${result.reason}`
}

export function checkConsistencyProof(value: unknown, trustedKey: string, crypto: CryptoSuite): ProofCheck {
  const decoded = decodeWith(ConsistencyProofC, value)
  if (!decoded.ok) return { ok: false, reason: `malformed proof: ${decoded.error}` }
  const proof = decoded.value
  const older = checkCheckpoint(proof.old, trustedKey, crypto, 'old checkpoint')
  if (typeof older === 'string') return { ok: false, reason: older }
  const newer = checkCheckpoint(proof.new, trustedKey, crypto, 'new checkpoint')
  if (typeof newer === 'string') return { ok: false, reason: newer }
  if (older.origin !== newer.origin) return { ok: false, reason: `the checkpoints have different origins (${older.origin}, ${newer.origin})` }
  const result = checkConsistency(crypto.sha256, older.treeSize, newer.treeSize, proof.hashes.map(fromHex), fromHex(older.root), fromHex(newer.root))
  if (!result.ok) return { ok: false, reason: `the consistency proof fails (${result.code}): ${result.reason}` }
  return { ok: true, kind: 'consistency', oldSize: older.treeSize, newSize: newer.treeSize, oldSequence: proof.old.sequence, newSequence: proof.new.sequence }
}

/** Why an envelope is not sealed (hashed and signed) by the trusted key, or undefined when it is. */
export function checkSeal(name: string, envelope: Envelope, trustedKey: string, crypto: CryptoSuite): string | undefined {
  if (envelope.signer !== trustedKey) return `the ${name} is signed by ${envelope.signer}, not the trusted ledger key`
  const seal = checkEnvelopeSeal(envelope, crypto)
  return seal.ok ? undefined : `the ${name}: ${seal.reason}`
}

/**
 * A checkpoint event's data, once the event is sealed by the trusted key (hash and signature),
 * commits to the events before it, and carries a note signature by that key; or why not.
 */
export function checkCheckpoint(envelope: Envelope, trustedKey: string, crypto: CryptoSuite, name = 'checkpoint'): AnchorData | string {
  const sealFault = checkSeal(name, envelope, trustedKey, crypto)
  if (sealFault !== undefined) return sealFault
  const data = anchorData(envelope)
  if (!isAnchor(envelope) || data === undefined) return `the ${name} is not a checkpoint event`
  if (data.treeSize !== envelope.sequence - 1) return `the ${name}: a checkpoint at sequence ${envelope.sequence} must commit to ${envelope.sequence - 1} events, not ${data.treeSize}`
  const noteFault = checkNoteSignatures(data, trustedKey, crypto)
  return noteFault === undefined ? data : `the ${name}: ${noteFault}`
}
