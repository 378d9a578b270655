/**
 * Every proof check the console makes, in one place, on the project's own pure code: inclusion
 * and consistency proofs (domain/ledger/proof.ts, RFC 9162 with positions from index and size)
 * and the checkpoint as a C2SP signed note. Each takes the pinned key and returns the reason a
 * check fails, or undefined when it holds. When the proof format changes, this file adapts.
 */
import { canonicalize } from '../../../domain/canonical/jcs.js'
import { fromHex, toHex } from '../../../domain/crypto/hex.js'
import { bytesEqual } from '../../../domain/crypto/hex.js'
import { referenceCrypto } from '../../../domain/crypto/reference.js'
import type { JsonValue } from '../../../domain/json.js'
import { anchorData, checkpointText, noteKeyHash, type AnchorData } from '../../../domain/ledger/anchor.js'
import { checkEnvelopeSeal, EnvelopeC, type Envelope } from '../../../domain/ledger/envelope.js'
import { checkNoteSignatures } from '../../../domain/ledger/line-check.js'
import { checkConsistencyProof, checkInclusionProof } from '../../../domain/ledger/proof.js'

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

function base64Bytes(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

const encoder = new TextEncoder()

/**
 * A C2SP signed note (tlog-checkpoint): the text up to the blank line, then signature lines
 * `— <name> base64(key hash ‖ signature)`. It holds when one line names the note's origin, its
 * key hash is the pinned key's, and its Ed25519 signature over the text verifies.
 */
export function checkNote(note: string, key: string): { ok: true; facts: NoteFacts } | { ok: false; reason: string } {
  const split = note.indexOf('\n\n')
  if (split < 0) return { ok: false, reason: 'the note has no blank line before its signatures' }
  const text = note.slice(0, split + 1)
  const [origin = '', size = '', rootText = ''] = text.split('\n')
  const rootBytes = base64Bytes(rootText)
  if (!/^[1-9]\d{0,15}$/.test(size) || rootBytes?.length !== 32) return { ok: false, reason: 'the note text is not origin, tree size and root' }
  const facts = { origin, treeSize: Number(size), root: toHex(rootBytes) }
  if (text !== checkpointText(facts.origin, facts.treeSize, facts.root)) return { ok: false, reason: 'the note carries lines this console does not know' }
  const wantHash = noteKeyHash(origin, fromHex(key), crypto.sha256)
  for (const line of note.slice(split + 2).split('\n')) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line)
    const bytes = match === null ? undefined : base64Bytes(match[2] ?? '')
    if (match?.[1] !== origin || bytes?.length !== 68 || !bytesEqual(bytes.subarray(0, 4), wantHash)) continue
    if (crypto.ed25519.verify(fromHex(key), encoder.encode(text), bytes.subarray(4))) return { ok: true, facts }
    return { ok: false, reason: 'the signature line for the pinned key does not verify' }
  }
  return { ok: false, reason: 'no signature line by the pinned key' }
}

/** Whether a verified note states what a checkpoint event says. */
export function noteMatches(facts: NoteFacts, data: AnchorData): string | undefined {
  if (facts.origin !== data.origin || facts.treeSize !== data.treeSize || facts.root !== data.root) return `the note says size ${facts.treeSize}, root ${facts.root.slice(0, 12)}…; the checkpoint event says size ${data.treeSize}, root ${data.root.slice(0, 12)}…`
  return undefined
}
