/**
 * C2SP tlog-checkpoint: the note text `<origin>\n<size>\n<base64 root>\n[<extension line>\n…]` that a
 * log signs as its tree head. The size is decimal with no leading zero and must be a safe integer
 * (every size in this code base is a JavaScript number); the root is 32 bytes; extension lines,
 * when present, are non-empty. The ledger signs with its Ed25519 key under a key name equal to
 * its origin, by default `model-ledger/<first 16 hex digits of its public key>`.
 */
import { fromHex } from '../crypto/hex.js'
import type { CryptoSuite, Signer } from '../ports/crypto.js'
import { decodeBase64, encodeBase64 } from './base64.js'
import { HASH_SIZE } from './hash.js'
import { ed25519NoteSigner, ed25519NoteVerifier, encodeVkey, isNoteText, openNote, signNote, type NoteFault, type NoteVerifier, type OpenedNote } from './note.js'
import { verifierFromVkey } from './vkey.js'

export interface Checkpoint {
  readonly origin: string
  readonly size: number
  readonly root: Uint8Array
  readonly extensions: readonly string[]
}

export type CheckpointFault = NoteFault | 'malformed-checkpoint' | 'wrong-origin'

export type CheckpointResult<T> = { ok: true; value: T } | { ok: false; code: CheckpointFault; reason: string }

const DECIMAL = /^(?:0|[1-9][0-9]*)$/

function malformed<T>(reason: string): CheckpointResult<T> {
  return { ok: false, code: 'malformed-checkpoint', reason }
}

/** A size as the C2SP formats write it, or undefined: decimal, no leading zero, a safe integer. */
export function parseDecimalSize(text: string): number | undefined {
  if (!DECIMAL.test(text) || text.length > 16) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}

export function parseCheckpoint(text: string): CheckpointResult<Checkpoint> {
  if (!isNoteText(text)) return malformed('a checkpoint is lines of text each ending in a newline, with no control character')
  const lines = text.slice(0, -1).split('\n')
  const [origin, sizeLine, rootLine, ...extensions] = lines
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) return malformed('a checkpoint has at least three lines: origin, size, root')
  if (origin === '') return malformed('the origin line is empty')
  const size = parseDecimalSize(sizeLine)
  if (size === undefined) return malformed(`the size line ${JSON.stringify(sizeLine.slice(0, 40))} is not a decimal safe integer without leading zeros`)
  const root = decodeBase64(rootLine)
  if (root === undefined || root.length !== HASH_SIZE) return malformed('the root line is not base64 of 32 bytes')
  if (extensions.some((line) => line === '')) return malformed('an extension line is empty')
  return { ok: true, value: { origin, size, root, extensions } }
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, root, extensions } = checkpoint
  if (origin === '' || origin.includes('\n')) throw new TypeError('the origin is one non-empty line')
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`a tree size is a non-negative safe integer, not ${size}`)
  if (root.length !== HASH_SIZE) throw new RangeError(`a root is ${HASH_SIZE} bytes, not ${root.length}`)
  if (extensions.some((line) => line === '' || line.includes('\n'))) throw new TypeError('each extension line is one non-empty line')
  const text = [origin, String(size), encodeBase64(root), ...extensions].map((line) => `${line}\n`).join('')
  if (!isNoteText(text)) throw new TypeError('a checkpoint holds no control character')
  return text
}

/** The ledger's origin when none is configured: `model-ledger/` and the first 16 hex digits of its key. */
export function defaultOrigin(publicKeyHex: string): string {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex)) throw new TypeError('an Ed25519 public key is 64 lower-case hex digits')
  return `model-ledger/${publicKeyHex.slice(0, 16)}`
}

/** The signed checkpoint note for a tree head: the log's Ed25519 signature under its origin. */
export function signCheckpoint(origin: string, size: number, root: Uint8Array, signer: Signer, crypto: CryptoSuite, extensions: readonly string[] = []): string {
  return signNote(formatCheckpoint({ origin, size, root, extensions }), [ed25519NoteSigner(origin, signer, crypto)])
}

/** The log's verifier key: key name = origin, type 0x01, its Ed25519 public key (bytes or hex). */
export function logVkey(origin: string, publicKey: Uint8Array | string, crypto: CryptoSuite): string {
  const key = typeof publicKey === 'string' ? fromHex(publicKey) : publicKey
  return encodeVkey(ed25519NoteVerifier(origin, key, crypto))
}

export interface OpenedCheckpoint extends Checkpoint {
  readonly note: OpenedNote
}

/**
 * Verifies a checkpoint note under the log's verifiers and parses its text. The origin must be
 * `origin` when given; else it must be the key name of one of the verifiers that signed it (the
 * ledger signs under its origin, and so does every C2SP example).
 */
export function openCheckpoint(note: Uint8Array | string, verifiers: readonly NoteVerifier[], options: { readonly origin?: string } = {}): CheckpointResult<OpenedCheckpoint> {
  const opened = openNote(note, verifiers)
  if (!opened.ok) return opened
  const parsed = parseCheckpoint(opened.value.note.text)
  if (!parsed.ok) return parsed
  const origin = parsed.value.origin
  const expected = options.origin === undefined ? opened.value.verified.some((signature) => signature.name === origin) : options.origin === origin
  if (!expected) return { ok: false, code: 'wrong-origin', reason: `the checkpoint's origin ${JSON.stringify(origin)} is not the expected one` }
  return { ok: true, value: { ...parsed.value, note: opened.value } }
}

/** openCheckpoint with one verifier key given as text: what an auditor with the ledger's vkey runs. */
export function checkCheckpointNote(note: Uint8Array | string, vkey: string, crypto: CryptoSuite, options: { readonly origin?: string } = {}): CheckpointResult<OpenedCheckpoint> {
  const verifier = verifierFromVkey(vkey, crypto)
  if (!verifier.ok) return verifier
  return openCheckpoint(note, [verifier.value], options)
}
