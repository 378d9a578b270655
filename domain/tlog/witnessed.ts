/**
 * A checkpoint an auditor holds from outside the log: a C2SP note signed by the ledger key and
 * cosigned by witnesses. It is trusted only with the ledger's signature and at least `minimum`
 * valid cosignatures by distinct witnesses the auditor named; then the log must have that root at
 * that size, or it is a fork of what those witnesses saw.
 */
import { fromHex, toHex } from '../crypto/hex.js'
import type { CryptoSuite } from '../ports/crypto.js'
import { openCheckpoint } from './checkpoint.js'
import { ALGORITHM, ed25519NoteVerifier, parseNote, type NoteVerifier } from './note.js'
import { verifierFromVkey } from './vkey.js'

export type WitnessedCheckpoint =
  | { readonly ok: true; readonly origin: string; readonly size: number; readonly root: string; readonly witnesses: readonly string[] }
  | { readonly ok: false; readonly reason: string }

export function openWitnessedCheckpoint(note: string, ledgerKey: string, witnessVkeys: readonly string[], minimum: number, crypto: CryptoSuite): WitnessedCheckpoint {
  const parsed = parseNote(note)
  if (!parsed.ok) return { ok: false, reason: `not a signed note: ${parsed.reason}` }
  const origin = parsed.value.text.split('\n')[0] ?? ''
  let ledger: NoteVerifier
  try {
    ledger = ed25519NoteVerifier(origin, fromHex(ledgerKey), crypto)
  } catch {
    return { ok: false, reason: `the origin line ${JSON.stringify(origin.slice(0, 60))} is not a key name` }
  }
  const witnesses: NoteVerifier[] = []
  for (const vkey of witnessVkeys) {
    const verifier = verifierFromVkey(vkey, crypto)
    if (!verifier.ok) return { ok: false, reason: `witness key ${vkey}: ${verifier.reason}` }
    if (verifier.value.algorithm !== ALGORITHM.cosignatureV1) return { ok: false, reason: `witness key ${vkey} is not a cosignature/v1 key (type 0x04)` }
    witnesses.push(verifier.value)
  }
  const opened = openCheckpoint(note, [ledger, ...witnesses], { origin })
  if (!opened.ok) return { ok: false, reason: opened.reason }
  const verified = opened.value.note.verified
  if (!verified.some((s) => s.name === ledger.name && s.keyId === ledger.keyId)) return { ok: false, reason: `the checkpoint is not signed by the ledger key ${ledgerKey}` }
  const cosigners = [...new Set(verified.filter((s) => witnesses.some((w) => w.name === s.name && w.keyId === s.keyId)).map((s) => s.name))]
  if (cosigners.length < minimum) {
    return { ok: false, reason: `the checkpoint of size ${opened.value.size} carries ${cosigners.length} valid cosignature(s) by the witnesses given, fewer than ${minimum}` }
  }
  return { ok: true, origin, size: opened.value.size, root: toHex(opened.value.root), witnesses: cosigners }
}
