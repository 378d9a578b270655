/**
 * Proofs an auditor checks with the ledger's public key alone: that an event is in the tree a
 * checkpoint signed (inclusion, RFC 9162 §2.1.3), and that a later checkpoint's tree extends an
 * earlier one's (consistency, §2.1.4). Positions come from the leaf index and the tree sizes, and
 * the leaf index is the event's sequence minus one, so a proof cannot be moved to another event.
 *
 * After a key rotation the checkpoint is signed by a key the auditor does not hold. The proof then
 * carries every rotation before its (newest) checkpoint, each with its own inclusion proof against
 * that checkpoint: the auditor follows them from the genesis key (each signed by the outgoing key,
 * each with the incoming key's statement, each in the very tree the checkpoint signs) to the key
 * that signed the checkpoint, and holds every envelope in the proof to the key in force at its
 * sequence. Such a proof is version 3 (inclusion) or 2 (consistency), with `rotations`; a proof with
 * no rotation under its checkpoint keeps version 2 or 1, without the member.
 */
import * as t from 'io-ts'
import { closed, decodeWith, Hex32, integer } from '../codec.js'
import { fromHex } from '../crypto/hex.js'
import type { CryptoSuite } from '../ports/crypto.js'
import { leafHash } from '../tlog/hash.js'
import { checkConsistency, checkInclusion } from '../tlog/proof.js'
import { anchorData, isAnchor, type AnchorData } from './anchor.js'
import { checkEnvelopeSeal, EnvelopeC, type Envelope } from './envelope.js'
import { checkRotation, isRotation, KeyChain } from './key-rotation.js'
import { checkNoteSignatures } from './line-check.js'
import { ROTATION_TYPE } from './names.js'

export const PROOF_FORMAT = 'model-ledger-inclusion-proof'
export const CONSISTENCY_FORMAT = 'model-ledger-consistency-proof'

/** A key rotation and the RFC 9162 inclusion proof of its leaf (index sequence - 1) in the proof's checkpoint tree. */
export const ProvenRotationC = closed({ event: EnvelopeC, hashes: t.array(Hex32) }, 'ProvenRotation')
export type ProvenRotation = t.TypeOf<typeof ProvenRotationC>

const inclusionProps = {
  format: t.literal(PROOF_FORMAT),
  /** The ledger's id (its genesis key); the checker uses the key it trusts, never this one. */
  ledgerPublicKey: Hex32,
  event: EnvelopeC,
  checkpoint: EnvelopeC,
  leafIndex: integer('leafIndex', 0),
  treeSize: integer('treeSize', 1),
  hashes: t.array(Hex32),
}

/** Version 2: no rotation lies under the checkpoint (the genesis key signed everything in it). */
const InclusionProofV2C = closed({ ...inclusionProps, version: t.literal(2) }, 'InclusionProofV2')
/** Version 3: the rotations under the checkpoint, each proven in its tree. */
const InclusionProofV3C = closed({ ...inclusionProps, version: t.literal(3), rotations: t.array(ProvenRotationC) }, 'InclusionProofV3')
export const InclusionProofC = t.union([InclusionProofV2C, InclusionProofV3C], 'InclusionProof')
export type InclusionProof = t.TypeOf<typeof InclusionProofC>

const consistencyProps = {
  format: t.literal(CONSISTENCY_FORMAT),
  ledgerPublicKey: Hex32,
  old: EnvelopeC,
  new: EnvelopeC,
  hashes: t.array(Hex32),
}

const ConsistencyProofV1C = closed({ ...consistencyProps, version: t.literal(1) }, 'ConsistencyProofV1')
const ConsistencyProofV2C = closed({ ...consistencyProps, version: t.literal(2), rotations: t.array(ProvenRotationC) }, 'ConsistencyProofV2')
export const ConsistencyProofC = t.union([ConsistencyProofV1C, ConsistencyProofV2C], 'ConsistencyProof')
export type ConsistencyProof = t.TypeOf<typeof ConsistencyProofC>

/** The rotations a proof carries: none in the versions without the member. */
export function rotationsOf(proof: InclusionProof | ConsistencyProof): readonly ProvenRotation[] {
  return 'rotations' in proof ? proof.rotations : []
}

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
  const checkpoint = checkpointOf(proof.checkpoint, crypto)
  if (typeof checkpoint === 'string') return { ok: false, reason: checkpoint }
  const keys = followRotations(rotationsOf(proof), checkpoint, trustedKey, crypto)
  if (typeof keys === 'string') return { ok: false, reason: keys }
  const sealFault = sealUnder('event', proof.event, keys, crypto) ?? sealUnder('checkpoint', proof.checkpoint, keys, crypto)
  if (sealFault !== undefined) return { ok: false, reason: sealFault }
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
  const older = checkpointOf(proof.old, crypto, 'old checkpoint')
  if (typeof older === 'string') return { ok: false, reason: older }
  const newer = checkpointOf(proof.new, crypto, 'new checkpoint')
  if (typeof newer === 'string') return { ok: false, reason: newer }
  const keys = followRotations(rotationsOf(proof), newer, trustedKey, crypto)
  if (typeof keys === 'string') return { ok: false, reason: keys }
  const sealFault = sealUnder('old checkpoint', proof.old, keys, crypto) ?? sealUnder('new checkpoint', proof.new, keys, crypto)
  if (sealFault !== undefined) return { ok: false, reason: sealFault }
  if (older.origin !== newer.origin) return { ok: false, reason: `the checkpoints have different origins (${older.origin}, ${newer.origin})` }
  const result = checkConsistency(crypto.sha256, older.treeSize, newer.treeSize, proof.hashes.map(fromHex), fromHex(older.root), fromHex(newer.root))
  if (!result.ok) return { ok: false, reason: `the consistency proof fails (${result.code}): ${result.reason}` }
  return { ok: true, kind: 'consistency', oldSize: older.treeSize, newSize: newer.treeSize, oldSequence: proof.old.sequence, newSequence: proof.new.sequence }
}

/** Why an envelope is not sealed (hashed and signed) by the trusted key, or undefined when it is. */
export function checkSeal(name: string, envelope: Envelope, trustedKey: string, crypto: CryptoSuite): string | undefined {
  return sealUnder(name, envelope, new KeyChain({ publicKey: trustedKey, since: 1 }), crypto)
}

/** An envelope's hash and signature, by the key in force at its sequence. */
function sealUnder(name: string, envelope: Envelope, keys: KeyChain, crypto: CryptoSuite): string | undefined {
  const expected = keys.at(envelope.sequence)
  if (envelope.signer !== expected) {
    return keys.all.length === 1 ? `the ${name} is signed by ${envelope.signer}, not the trusted ledger key` : `the ${name} is signed by ${envelope.signer}, not by ${expected ?? 'any key'}, the ledger key in force at sequence ${envelope.sequence}`
  }
  const seal = checkEnvelopeSeal(envelope, crypto)
  return seal.ok ? undefined : `the ${name}: ${seal.reason}`
}

/**
 * A checkpoint event signed by the trusted key or by a key it rotated to: the rotations (each
 * proven in the checkpoint's own tree) are followed from the trusted key, and the checkpoint must
 * be sealed by the key in force at its sequence. Returns its data and the chain of keys (to hold
 * other envelopes under the checkpoint to the key in force at their sequences), or why not.
 */
export function checkCheckpointUnder(envelope: Envelope, rotations: readonly ProvenRotation[], trustedKey: string, crypto: CryptoSuite, name = 'checkpoint'): { data: AnchorData; keys: KeyChain } | string {
  // Its own hash and signature first: an altered checkpoint is named as such, whichever key signed it.
  const seal = checkEnvelopeSeal(envelope, crypto)
  if (!seal.ok) return `the ${name}: ${seal.reason}`
  const data = checkpointOf(envelope, crypto, name)
  if (typeof data === 'string') return data
  const keys = followRotations(rotations, data, trustedKey, crypto)
  if (typeof keys === 'string') return keys
  const fault = sealUnder(name, envelope, keys, crypto)
  return fault ?? { data, keys }
}

/** Why an envelope is not sealed by the key a chain has in force at its sequence, or undefined. */
export function checkSealUnder(name: string, envelope: Envelope, keys: KeyChain, crypto: CryptoSuite): string | undefined {
  return sealUnder(name, envelope, keys, crypto)
}

/**
 * A checkpoint event's data, once the event is sealed by the trusted key (hash and signature),
 * commits to the events before it, and carries a note signature by that key; or why not. (No
 * rotation is followed: a checkpoint a rotated key signed needs the rotations, as proofs carry.)
 */
export function checkCheckpoint(envelope: Envelope, trustedKey: string, crypto: CryptoSuite, name = 'checkpoint'): AnchorData | string {
  return checkSeal(name, envelope, trustedKey, crypto) ?? checkpointOf(envelope, crypto, name)
}

/** A checkpoint event's data, with its note signatures (valid, one of them its own signer's) checked; or why not. */
function checkpointOf(envelope: Envelope, crypto: CryptoSuite, name = 'checkpoint'): AnchorData | string {
  const data = anchorData(envelope)
  if (!isAnchor(envelope) || data === undefined) return `the ${name} is not a checkpoint event`
  if (data.treeSize !== envelope.sequence - 1) return `the ${name}: a checkpoint at sequence ${envelope.sequence} must commit to ${envelope.sequence - 1} events, not ${data.treeSize}`
  const noteFault = checkNoteSignatures(data, envelope.signer, crypto)
  return noteFault === undefined ? data : `the ${name}: ${noteFault}`
}

/**
 * Follows the proof's rotations from the trusted key: each must be a rotation the outgoing key in
 * force signed, with the incoming key's statement, in the checkpoint's tree; the checkpoint must
 * then be signed by the last key reached. Returns the chain, or why it does not hold.
 */
function followRotations(rotations: readonly ProvenRotation[], checkpoint: AnchorData, trustedKey: string, crypto: CryptoSuite): KeyChain | string {
  const keys = new KeyChain({ publicKey: trustedKey, since: 1 })
  for (const { event, hashes } of rotations) {
    const at = `the key rotation at sequence ${event.sequence}`
    if (!isRotation(event)) return `${at} is not a ${ROTATION_TYPE} event`
    if (event.sequence > checkpoint.treeSize) return `${at} is not under the checkpoint of tree size ${checkpoint.treeSize}`
    const sealFault = sealUnder('key rotation', event, keys, crypto)
    if (sealFault !== undefined) return sealFault
    const data = checkRotation(event, trustedKey, crypto)
    if (typeof data === 'string') return `${at}: ${data}`
    const chainFault = keys.check(event.sequence, data)
    if (chainFault !== undefined) return `${at}: ${chainFault}`
    const included = checkInclusion(crypto.sha256, event.sequence - 1, checkpoint.treeSize, leafHash(fromHex(event.hash), crypto.sha256), hashes.map(fromHex), fromHex(checkpoint.root))
    if (!included.ok) return `${at} is not in the checkpoint's tree (${included.code}): ${included.reason}`
    keys.follow(event.sequence, data)
  }
  return keys
}
