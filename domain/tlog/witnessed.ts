/**
 * A checkpoint an auditor holds from outside the log: a C2SP note signed by the ledger key and
 * cosigned by witnesses. It is trusted only with the ledger's signature and at least `minimum`
 * valid cosignatures by distinct witnesses the auditor named; then the log must have that root at
 * that size, or it is a fork of what those witnesses saw.
 *
 * After a key rotation the note is signed by a key the auditor does not hold: `openCosignedNote`
 * checks the form and the cosignatures, and returns `signedBy`, which says whether a given ledger
 * key signed the note. The verifier asks it for the key the log's chain of rotations (followed
 * from the trusted key) has in force at the checkpoint, so the signer is held to that key and no
 * other: not a retired key, not a key the note merely names.
 */
import { fromHex, toHex } from '../crypto/hex.js'
import type { CryptoSuite } from '../ports/crypto.js'
import { parseCheckpoint } from './checkpoint.js'
import { ALGORITHM, ed25519NoteVerifier, isKeyName, openNote, parseNote, type NoteVerifier } from './note.js'
import { verifierFromVkey } from './vkey.js'

export type WitnessedCheckpoint =
  | { readonly ok: true; readonly origin: string; readonly size: number; readonly root: string; readonly witnesses: readonly string[] }
  | { readonly ok: false; readonly reason: string }

export type CosignedNote =
  | {
      readonly ok: true
      readonly origin: string
      readonly size: number
      readonly root: string
      /** The witnesses (key names) whose valid cosignatures it carries, at least the minimum. */
      readonly witnesses: readonly string[]
      /** Whether the ledger key `key` (hex) signed the note under its origin. */
      signedBy(key: string): boolean
    }
  | { readonly ok: false; readonly reason: string }

/** The note's form and its cosignatures, by distinct witnesses among those named, at least `minimum`; the ledger's signature is left to `signedBy`. */
export function openCosignedNote(note: string, witnessVkeys: readonly string[], minimum: number, crypto: CryptoSuite): CosignedNote {
  const parsed = parseNote(note)
  if (!parsed.ok) return { ok: false, reason: `not a signed note: ${parsed.reason}` }
  const checkpoint = parseCheckpoint(parsed.value.text)
  if (!checkpoint.ok) return { ok: false, reason: checkpoint.reason }
  const { origin, size, root } = checkpoint.value
  if (!isKeyName(origin)) return { ok: false, reason: `the origin line ${JSON.stringify(origin.slice(0, 60))} is not a key name` }
  const witnesses: NoteVerifier[] = []
  for (const vkey of witnessVkeys) {
    const verifier = verifierFromVkey(vkey, crypto)
    if (!verifier.ok) return { ok: false, reason: `witness key ${vkey}: ${verifier.reason}` }
    if (verifier.value.algorithm !== ALGORITHM.cosignatureV1) return { ok: false, reason: `witness key ${vkey} is not a cosignature/v1 key (type 0x04)` }
    witnesses.push(verifier.value)
  }
  let cosigners: string[] = []
  if (witnesses.length > 0) {
    const opened = openNote(parsed.value, witnesses)
    // No cosignature by a named witness is not an error here (the minimum may be 0); a bad one is.
    if (!opened.ok && opened.code !== 'no-known-signature') return { ok: false, reason: opened.reason }
    if (opened.ok) cosigners = [...new Set(opened.value.verified.map((s) => s.name))]
  }
  if (cosigners.length < minimum) {
    return { ok: false, reason: `the checkpoint of size ${size} carries ${cosigners.length} valid cosignature(s) by the witnesses given, fewer than ${minimum}` }
  }
  const text = new TextEncoder().encode(parsed.value.text)
  const signedBy = (key: string): boolean => {
    let verifier: NoteVerifier
    try {
      verifier = ed25519NoteVerifier(origin, fromHex(key), crypto)
    } catch {
      return false
    }
    return parsed.value.signatures.some((s) => s.name === verifier.name && s.keyId === verifier.keyId && verifier.verify(text, s.signature))
  }
  return { ok: true, origin, size, root: toHex(root), witnesses: cosigners, signedBy }
}

/** A cosigned note signed by `ledgerKey` itself (no rotation to follow). */
export function openWitnessedCheckpoint(note: string, ledgerKey: string, witnessVkeys: readonly string[], minimum: number, crypto: CryptoSuite): WitnessedCheckpoint {
  const opened = openCosignedNote(note, witnessVkeys, minimum, crypto)
  if (!opened.ok) return opened
  if (!opened.signedBy(ledgerKey)) return { ok: false, reason: `the checkpoint is not signed by the ledger key ${ledgerKey}` }
  const { origin, size, root, witnesses } = opened
  return { ok: true, origin, size, root, witnesses }
}
