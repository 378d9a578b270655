/**
 * Inclusion proofs: an event, the anchor whose Merkle root covers it, and the merkletreejs path
 * from the event's leaf to that root. Checking one needs the ledger's public key and nothing else.
 */
import * as t from 'io-ts'
import { closed, decodeWith, integer, Hex32 } from '../codec.js'
import type { CryptoSuite } from '../ports/crypto.js'
import { anchorData, isAnchor } from './anchor.js'
import { checkEnvelopeSeal, EnvelopeC, type Envelope } from './envelope.js'
import { verifyInclusionPath, type ProofStep } from './merkle.js'

export const PROOF_FORMAT = 'model-ledger-inclusion-proof'

export const InclusionProofC = closed(
  {
    format: t.literal(PROOF_FORMAT),
    version: t.literal(1),
    ledgerPublicKey: Hex32,
    event: EnvelopeC,
    anchor: EnvelopeC,
    leafIndex: integer('leafIndex', 0),
    treeSize: integer('treeSize', 1),
    path: t.array(closed({ position: t.union([t.literal('left'), t.literal('right')]), data: Hex32 })),
  },
  'InclusionProof',
)
export type InclusionProof = t.TypeOf<typeof InclusionProofC>

export type ProofCheck = { ok: true; sequence: number; anchorSequence: number } | { ok: false; reason: string }

/** Checks a proof against the key the verifier trusts (never against the key the proof names). */
export function checkInclusionProof(value: unknown, trustedKey: string, crypto: CryptoSuite): ProofCheck {
  const decoded = decodeWith(InclusionProofC, value)
  if (!decoded.ok) return { ok: false, reason: `malformed proof: ${decoded.error}` }
  const proof = decoded.value
  const sealFault = checkSeals(proof.event, proof.anchor, trustedKey, crypto)
  if (sealFault !== undefined) return { ok: false, reason: sealFault }
  const anchor = anchorData(proof.anchor)
  if (!isAnchor(proof.anchor) || anchor === undefined) return { ok: false, reason: 'the anchor is not an anchor event' }
  const { sequence } = proof.event
  if (sequence < anchor.fromSequence || sequence > anchor.toSequence) {
    return { ok: false, reason: `the anchor covers ${anchor.fromSequence}..${anchor.toSequence}, not ${sequence}` }
  }
  if (proof.treeSize !== anchor.toSequence - anchor.fromSequence + 1 || proof.leafIndex !== sequence - anchor.fromSequence) {
    return { ok: false, reason: 'leafIndex or treeSize does not match the anchor range' }
  }
  if (!verifyInclusionPath(proof.path as ProofStep[], proof.event.hash, anchor.root, crypto.sha256)) {
    return { ok: false, reason: 'the Merkle path does not lead to the anchor root' }
  }
  return { ok: true, sequence, anchorSequence: proof.anchor.sequence }
}

function checkSeals(event: Envelope, anchor: Envelope, trustedKey: string, crypto: CryptoSuite): string | undefined {
  for (const [name, envelope] of [['event', event], ['anchor', anchor]] as const) {
    if (envelope.signer !== trustedKey) return `the ${name} is signed by ${envelope.signer}, not the trusted ledger key`
    const seal = checkEnvelopeSeal(envelope, crypto)
    if (!seal.ok) return `the ${name}: ${seal.reason}`
  }
  return undefined
}
