/**
 * Every proof check the console makes, in one place, on the project's own pure code: inclusion
 * and consistency proofs (domain/ledger/proof.ts, RFC 9162 with positions from index and size)
 * and the checkpoint as a C2SP signed note (domain/tlog/). Each takes the pinned key and returns the reason a
 * check fails, or undefined when it holds. When the proof format changes, this file adapts.
 */
import { canonicalize } from '../../../domain/canonical/jcs.js'
import { fromHex, toHex } from '../../../domain/crypto/hex.js'
import { referenceCrypto } from '../../../domain/crypto/reference.js'
import type { JsonValue } from '../../../domain/json.js'
import { anchorData, type AnchorData } from '../../../domain/ledger/anchor.js'
import { checkEnvelopeSeal, EnvelopeC, type Envelope } from '../../../domain/ledger/envelope.js'
import { checkNoteSignatures } from '../../../domain/ledger/line-check.js'
import { checkConsistencyProof, checkInclusionProof } from '../../../domain/ledger/proof.js'
import { openCheckpoint } from '../../../domain/tlog/checkpoint.js'
import { ed25519NoteVerifier } from '../../../domain/tlog/note.js'

/** The noble libraries, as domain/crypto/reference.ts wraps them: the same code the CLI's reference path runs. */
export const crypto = referenceCrypto

/** An event as the server sent it: its shape, its hash, its signature by the pinned key. */
export function sealFault(value: unknown, key: string): string | undefined {
  if (!EnvelopeC.is(value)) return 'the event is not a well-formed envelope'
  if (value.signer !== key) return `signed by ${value.signer}, not the pinned ledger key`
  const seal = checkEnvelopeSeal(value, crypto)
  return seal.ok ? undefined : seal.reason
}

/** A checkpoint event: sealed by the pinned key, and its C2SP note signatures valid. */
export function checkpointFault(value: unknown, key: string): string | undefined {
  const seal = sealFault(value, key)
  if (seal !== undefined) return seal
  const data = anchorData(value as Envelope)
  if (data === undefined) return 'not a checkpoint event'
  return checkNoteSignatures(data, key, crypto)
}

/** An inclusion proof under the pinned key, for the event the page shows (byte for byte). */
export function inclusionFault(proof: unknown, key: string, event?: Envelope): string | undefined {
  const check = checkInclusionProof(proof, key, crypto)
  if (!check.ok) return check.reason
  const proven = (proof as { event: Envelope }).event
  if (event !== undefined && canonicalize(proven as unknown as JsonValue) !== canonicalize(event as unknown as JsonValue)) return 'the proof proves another event than the one shown'
  return undefined
}

export function consistencyFault(proof: unknown, key: string): string | undefined {
  const check = checkConsistencyProof(proof, key, crypto)
  return check.ok ? undefined : check.reason
}

export interface NoteFacts {
  readonly origin: string
  readonly treeSize: number
  readonly root: string
}

/**
 * A C2SP checkpoint note (signed-note, tlog-checkpoint: domain/tlog/checkpoint.ts): it holds when
 * a signature line under the note's origin, with the pinned key's key ID, verifies over its text.
 */
export function checkNote(note: string, key: string): { ok: true; facts: NoteFacts } | { ok: false; reason: string } {
  const origin = note.slice(0, Math.max(0, note.indexOf('\n')))
  const opened = openCheckpoint(note, [ed25519NoteVerifier(origin, fromHex(key), crypto)], { origin })
  if (!opened.ok) return { ok: false, reason: `${opened.code}: ${opened.reason}` }
  return { ok: true, facts: { origin: opened.value.origin, treeSize: opened.value.size, root: toHex(opened.value.root) } }
}

/** Whether a verified note states what a checkpoint event says. */
export function noteMatches(facts: NoteFacts, data: AnchorData): string | undefined {
  if (facts.origin !== data.origin || facts.treeSize !== data.treeSize || facts.root !== data.root) return `the note says size ${facts.treeSize}, root ${facts.root.slice(0, 12)}…; the checkpoint event says size ${data.treeSize}, root ${data.root.slice(0, 12)}…`
  return undefined
}
