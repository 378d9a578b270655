/**
 * Verifier keys (c2sp.org/signed-note, "Verifier keys") for the two signature types this ledger
 * uses: 0x01 Ed25519 note signatures (the log's) and 0x04 Ed25519 cosignatures (witnesses'). The
 * key ID in the text must be the one the name and key give, so a typo cannot silently make a key
 * that matches nothing.
 */
import { isAcceptablePublicKey } from '../crypto/reference.js'
import type { CryptoSuite } from '../ports/crypto.js'
import { cosignatureVerifier } from './cosignature.js'
import { ALGORITHM, decodeVkey, ed25519NoteVerifier, encodeVkey, hexKeyId, type NoteResult, type NoteVerifier } from './note.js'

export function verifierFromVkey(vkey: string, crypto: CryptoSuite): NoteResult<NoteVerifier> {
  const decoded = decodeVkey(vkey)
  if (!decoded.ok) return decoded
  const { name, keyId, algorithm, publicKey } = decoded.value
  if (algorithm !== ALGORITHM.ed25519 && algorithm !== ALGORITHM.cosignatureV1) {
    return { ok: false, code: 'bad-vkey', reason: `signature type 0x${algorithm.toString(16).padStart(2, '0')} is not supported (0x01 Ed25519, 0x04 Ed25519 cosignature)` }
  }
  if (!isAcceptablePublicKey(publicKey)) return { ok: false, code: 'bad-vkey', reason: 'the key is not an acceptable 32-byte Ed25519 public key' }
  const verifier = algorithm === ALGORITHM.ed25519 ? ed25519NoteVerifier(name, publicKey, crypto) : cosignatureVerifier(name, publicKey, crypto)
  if (verifier.keyId !== keyId) return { ok: false, code: 'bad-vkey', reason: `the key ID ${hexKeyId(keyId)} is not the one name and key give (${hexKeyId(verifier.keyId)})` }
  return { ok: true, value: verifier }
}

export function vkeyOf(verifier: NoteVerifier): string {
  return encodeVkey(verifier)
}
