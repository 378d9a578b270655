/**
 * C2SP signed notes (c2sp.org/signed-note): a text ending in a newline, a blank line, then one or
 * more lines `— <key name> base64(4-byte key ID ‖ signature)`. Parsing is strict (UTF-8, no control
 * character but the newline, canonical base64, a bounded number of signatures); opening a note
 * verifies every signature from a known key (name and key ID both match), keeps the others
 * unverified, and refuses the note when a known key's signature fails or none verifies.
 *
 * Algorithm-specific parts (Ed25519 here, cosignatures in cosignature.ts) meet this file only as a
 * NoteVerifier or NoteSigner, so the note format knows nothing of what a signature covers beyond
 * "the text".
 */
import { concatBytes } from '../crypto/bytes.js'
import type { CryptoSuite, Signer } from '../ports/crypto.js'
import type { Sha256 } from './hash.js'
import { decodeBase64, encodeBase64 } from './base64.js'

/** Signature type bytes assigned by the spec that this code implements. */
export const ALGORITHM = { ed25519: 0x01, cosignatureV1: 0x04 } as const

/** The spec's floor is 16 signatures; post-quantum ones run to about 5 kB, so the byte bound is loose. */
export const MAX_SIGNATURES = 100
export const MAX_NOTE_BYTES = 1024 * 1024

export type NoteFault =
  | 'too-large'
  | 'not-utf8'
  | 'control-character'
  | 'no-signatures'
  | 'malformed-signature'
  | 'too-many-signatures'
  | 'bad-signature'
  | 'no-known-signature'
  | 'bad-vkey'

export type NoteResult<T> = { ok: true; value: T } | { ok: false; code: NoteFault; reason: string }

export interface NoteSignature {
  readonly name: string
  /** The 32-bit key ID, an unsigned integer. */
  readonly keyId: number
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array
  /** The line as it appeared, without its newline. */
  readonly line: string
}

export interface Note {
  /** The signed text, with its final newline and without the blank line. */
  readonly text: string
  readonly signatures: readonly NoteSignature[]
}

export interface NoteVerifier {
  readonly name: string
  readonly keyId: number
  readonly algorithm: number
  readonly publicKey: Uint8Array
  verify(text: Uint8Array, signature: Uint8Array): boolean
}

export interface NoteSigner {
  readonly name: string
  readonly keyId: number
  sign(text: Uint8Array): Uint8Array
}

export interface OpenedNote {
  readonly note: Note
  readonly verified: readonly NoteSignature[]
  /** Signatures from keys the caller did not name: ignored, but kept (a witness passes them on). */
  readonly unverified: readonly NoteSignature[]
}

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const UNICODE_SPACE = /\p{White_Space}/u
const SIGNATURE_LINE = /^\u2014 ([^ ]+) ([^ ]+)$/

/** The offset of the first control character other than the newline, or -1. */
function controlAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 && code !== 0x0a) return i
  }
  return -1
}

function fail<T>(code: NoteFault, reason: string): NoteResult<T> {
  return { ok: false, code, reason }
}

/** A key name: non-empty, no Unicode space, no plus, no control character. */
export function isKeyName(name: string): boolean {
  return name.length > 0 && !UNICODE_SPACE.test(name) && !name.includes('+') && controlAt(name) < 0 && !LONE_SURROGATE.test(name)
}

/** Text a note can carry: ends in a newline, valid UTF-8, no control character but the newline. */
export function isNoteText(text: string): boolean {
  return text.endsWith('\n') && controlAt(text) < 0 && !LONE_SURROGATE.test(text)
}

/** key ID = SHA-256(name ‖ 0x0A ‖ algorithm ‖ public key)[:4], big-endian. */
export function keyIdOf(name: string, algorithm: number, publicKey: Uint8Array, sha256: Sha256): number {
  const digest = sha256(concatBytes([utf8.encode(name), Uint8Array.of(0x0a, algorithm), publicKey]))
  return readUint32(digest, 0)
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0
}

export function uint32Bytes(value: number): Uint8Array {
  return Uint8Array.of((value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255)
}

function parseSignatureLine(line: string, index: number): NoteResult<NoteSignature> {
  const match = SIGNATURE_LINE.exec(line)
  const [, name, encoded] = match ?? []
  if (name === undefined || encoded === undefined) return fail('malformed-signature', `signature line ${index + 1} is not "— <name> <base64>"`)
  if (!isKeyName(name)) return fail('malformed-signature', `signature line ${index + 1}: the key name has a space or a plus`)
  const bytes = decodeBase64(encoded)
  if (bytes === undefined) return fail('malformed-signature', `signature line ${index + 1}: the signature is not canonical base64`)
  if (bytes.length < 5) return fail('malformed-signature', `signature line ${index + 1}: a signature is a 4-byte key ID and at least one byte`)
  return { ok: true, value: { name, keyId: readUint32(bytes, 0), signature: bytes.subarray(4), line } }
}

/** Parses a signed note, bytes as received or a string; checks its form, not its signatures. */
export function parseNote(input: Uint8Array | string): NoteResult<Note> {
  const size = typeof input === 'string' ? utf8.encode(input).length : input.length
  if (size > MAX_NOTE_BYTES) return fail('too-large', `a note is at most ${MAX_NOTE_BYTES} bytes, not ${size}`)
  let note: string
  if (typeof input === 'string') {
    if (LONE_SURROGATE.test(input)) return fail('not-utf8', 'the note is not valid UTF-8')
    note = input
  } else {
    try {
      note = strictUtf8.decode(input)
    } catch {
      return fail('not-utf8', 'the note is not valid UTF-8')
    }
  }
  const control = controlAt(note)
  if (control >= 0) return fail('control-character', `control character U+${note.charCodeAt(control).toString(16).padStart(4, '0')} at offset ${control} (only the newline is allowed)`)
  // The text ends at the last blank line: the text may hold blank lines, signatures cannot.
  const split = note.lastIndexOf('\n\n')
  if (split < 0) return fail('no-signatures', 'no blank line separates the text from signatures')
  const block = note.slice(split + 2)
  if (block === '' || !block.endsWith('\n')) return fail('no-signatures', 'the signature lines must follow the blank line, each ending in a newline')
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_SIGNATURES) return fail('too-many-signatures', `a note carries at most ${MAX_SIGNATURES} signatures, not ${lines.length}`)
  const signatures: NoteSignature[] = []
  for (const [index, line] of lines.entries()) {
    const parsed = parseSignatureLine(line, index)
    if (!parsed.ok) return parsed
    signatures.push(parsed.value)
  }
  return { ok: true, value: { text: note.slice(0, split + 1), signatures } }
}

/** The note as text: the text, the blank line, one line per signature. */
export function formatNote(note: Note): string {
  return `${note.text}\n${note.signatures.map((signature) => `${signature.line}\n`).join('')}`
}

/**
 * Verifies a note under `verifiers`. A signature whose name and key ID both match a verifier must
 * verify (else `bad-signature`: the spec lets the whole note be refused, and a witness must); the
 * rest are kept as unverified; at least one must verify (else `no-known-signature`).
 */
export function openNote(input: Uint8Array | string | Note, verifiers: readonly NoteVerifier[]): NoteResult<OpenedNote> {
  let note: Note
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const parsed = parseNote(input)
    if (!parsed.ok) return parsed
    note = parsed.value
  } else {
    note = input
  }
  const text = utf8.encode(note.text)
  const verified: NoteSignature[] = []
  const unverified: NoteSignature[] = []
  for (const signature of note.signatures) {
    const known = verifiers.filter((verifier) => verifier.name === signature.name && verifier.keyId === signature.keyId)
    if (known.length === 0) {
      unverified.push(signature)
      continue
    }
    if (!known.some((verifier) => verifier.verify(text, signature.signature))) {
      return fail('bad-signature', `the signature of ${signature.name} (key ID ${hexKeyId(signature.keyId)}) does not verify`)
    }
    verified.push(signature)
  }
  if (verified.length === 0) return fail('no-known-signature', 'no signature from a known key')
  return { ok: true, value: { note, verified, unverified } }
}

/** The signature line `— <name> base64(key ID ‖ signature)` of `signer` over `text`, without its newline. */
export function signatureLine(signer: NoteSigner, text: string): string {
  if (!isNoteText(text)) throw new TypeError('a note text ends in a newline and holds no control character but the newline')
  const signature = signer.sign(utf8.encode(text))
  return `\u2014 ${signer.name} ${encodeBase64(concatBytes([uint32Bytes(signer.keyId), signature]))}`
}

/** A signed note: `text` signed by each of `signers`, in order. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (signers.length === 0) throw new TypeError('a note needs at least one signature')
  return `${text}\n${signers.map((signer) => `${signatureLine(signer, text)}\n`).join('')}`
}

export function hexKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0')
}

export function requireKeyName(name: string): void {
  if (!isKeyName(name)) throw new TypeError(`${JSON.stringify(name)} is not a key name (non-empty, no space, no plus)`)
}

/** Ed25519 note signatures (type 0x01) over the text, RFC 8032. */
export function ed25519NoteSigner(name: string, signer: Signer, crypto: CryptoSuite): NoteSigner {
  requireKeyName(name)
  return { name, keyId: keyIdOf(name, ALGORITHM.ed25519, signer.publicKey, crypto.sha256), sign: (text) => signer.sign(text) }
}

/** A verifier of `algorithm` for `publicKey` under `name`; `verify` gets a copy of the key. */
export function noteVerifier(name: string, algorithm: number, publicKey: Uint8Array, sha256: Sha256, verify: (key: Uint8Array, text: Uint8Array, signature: Uint8Array) => boolean): NoteVerifier {
  requireKeyName(name)
  const key = Uint8Array.from(publicKey)
  return { name, keyId: keyIdOf(name, algorithm, key, sha256), algorithm, publicKey: key, verify: (text, signature) => verify(key, text, signature) }
}

export function ed25519NoteVerifier(name: string, publicKey: Uint8Array, crypto: CryptoSuite): NoteVerifier {
  return noteVerifier(name, ALGORITHM.ed25519, publicKey, crypto.sha256, (key, text, signature) => crypto.ed25519.verify(key, text, signature))
}

export interface DecodedVkey {
  readonly name: string
  readonly keyId: number
  readonly algorithm: number
  /** The key material after the algorithm byte. */
  readonly publicKey: Uint8Array
}

/** `<name>+<8 lower-case hex key ID>+base64(algorithm ‖ key)`: the syntax only, any algorithm. */
export function decodeVkey(vkey: string): NoteResult<DecodedVkey> {
  // The name and the key ID hold no plus; the base64 key may.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(vkey)
  if (match === null) return fail('bad-vkey', 'a verifier key is <name>+<hex key ID>+<base64 key>')
  const [, name = '', hex = '', encoded = ''] = match
  if (!isKeyName(name)) return fail('bad-vkey', 'the verifier key has no valid key name')
  if (!/^[0-9a-f]{8}$/.test(hex)) return fail('bad-vkey', 'the key ID of a verifier key is 8 lower-case hex digits')
  const material = decodeBase64(encoded)
  if (material === undefined || material.length < 2) return fail('bad-vkey', 'the key of a verifier key is base64 of a type byte and the key')
  return { ok: true, value: { name, keyId: Number.parseInt(hex, 16), algorithm: material[0] as number, publicKey: material.subarray(1) } }
}

export function encodeVkey(key: Pick<DecodedVkey, 'name' | 'keyId' | 'algorithm' | 'publicKey'>): string {
  return `${key.name}+${hexKeyId(key.keyId)}+${encodeBase64(concatBytes([Uint8Array.of(key.algorithm), key.publicKey]))}`
}
