/**
 * The rules of a C2SP tlog-witness `add-checkpoint` call, without I/O: parsing the request body,
 * and judging a submission against the logs the witness trusts and the latest checkpoint it
 * cosigned for the origin. The caller stores the accepted checkpoint atomically (compare and swap
 * on the size judged against) before it returns a cosignature.
 *
 * Request body: `old <size>\n`, zero to 63 lines of base64 hashes (the consistency proof), a blank
 * line, then the checkpoint note.
 */
import { decodeBase64, encodeBase64 } from './base64.js'
import { parseCheckpoint, parseDecimalSize, type Checkpoint } from './checkpoint.js'
import { emptyRoot, equalHashes, HASH_SIZE, type Sha256 } from './hash.js'
import { openNote, parseNote, type NoteSignature, type NoteVerifier } from './note.js'
import { checkConsistency } from './proof.js'

export const MAX_PROOF_LINES = 63

export interface AddCheckpointRequest {
  readonly oldSize: number
  readonly proof: readonly Uint8Array[]
  /** The checkpoint note, bytes as received. */
  readonly note: Uint8Array
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string }

const NEWLINE = 0x0a
const ascii = new TextDecoder('ascii')

export function parseAddCheckpoint(body: Uint8Array): ParseResult<AddCheckpointRequest> {
  let at = 0
  const nextLine = (): string | undefined => {
    const end = body.indexOf(NEWLINE, at)
    if (end < 0) return undefined
    const line = ascii.decode(body.subarray(at, end))
    at = end + 1
    return line
  }
  const oldLine = nextLine()
  if (oldLine === undefined || !oldLine.startsWith('old ')) return { ok: false, reason: 'the body must begin with the line "old <size>"' }
  const oldSize = parseDecimalSize(oldLine.slice(4))
  if (oldSize === undefined) return { ok: false, reason: 'the old size is not a decimal safe integer without leading zeros' }
  const proof: Uint8Array[] = []
  for (;;) {
    const line = nextLine()
    if (line === undefined) return { ok: false, reason: 'no blank line before the checkpoint' }
    if (line === '') break
    if (proof.length === MAX_PROOF_LINES) return { ok: false, reason: `more than ${MAX_PROOF_LINES} consistency proof lines` }
    const hash = decodeBase64(line)
    if (hash === undefined || hash.length !== HASH_SIZE) return { ok: false, reason: `consistency proof line ${proof.length + 1} is not base64 of a 32-byte hash` }
    proof.push(hash)
  }
  return { ok: true, value: { oldSize, proof, note: body.subarray(at) } }
}

export function formatAddCheckpoint(oldSize: number, proof: readonly Uint8Array[], note: string): string {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw new RangeError(`an old size is a non-negative safe integer, not ${oldSize}`)
  if (proof.length > MAX_PROOF_LINES) throw new RangeError(`a consistency proof has at most ${MAX_PROOF_LINES} hashes`)
  return `old ${oldSize}\n${proof.map((hash) => `${encodeBase64(hash)}\n`).join('')}\n${note}`
}

/** What the witness has cosigned for one origin: the size and root of its latest checkpoint. */
export interface CosignedHead {
  readonly size: number
  readonly root: Uint8Array
}

/** The HTTP statuses the spec assigns; `code` is this witness's stable name for the refusal. */
export type Refusal =
  | { readonly status: 400; readonly code: 'malformed-request' | 'malformed-checkpoint' | 'old-size-too-large'; readonly reason: string }
  | { readonly status: 403; readonly code: 'bad-signature' | 'no-known-signature'; readonly reason: string }
  | { readonly status: 404; readonly code: 'unknown-origin'; readonly reason: string }
  | { readonly status: 409; readonly code: 'old-size-mismatch'; readonly reason: string; readonly size: number }
  | { readonly status: 422; readonly code: 'bad-empty-root' | 'proof-not-empty' | 'inconsistent'; readonly reason: string }

export interface Accepted {
  readonly checkpoint: Checkpoint
  /** The checkpoint's note text (what is cosigned). */
  readonly text: string
  /** The log's signatures that verified, kept to serve beside the cosignature. */
  readonly logSignatures: readonly NoteSignature[]
}

/** A refusal names the origin once the checkpoint parsed, so the caller can keep evidence. */
export type Judgement = { readonly ok: true; readonly value: Accepted } | ({ readonly ok: false; readonly origin?: string } & Refusal)

export interface WitnessView {
  /** The verifiers of the log with this origin; undefined when the witness does not know it. */
  verifiersOf(origin: string): readonly NoteVerifier[] | undefined
  /** The latest cosigned head for the origin; undefined when none (which counts as size 0). */
  latest(origin: string): CosignedHead | undefined
}

function refuse(refusal: Refusal, origin?: string): Judgement {
  return origin === undefined ? { ok: false, ...refusal } : { ok: false, origin, ...refusal }
}

/**
 * Judges a submission in the spec's order: form (400), origin known (404), the log's signature
 * (403), old size ≤ size (400), old size = the latest cosigned size (409, with that size), then the
 * tree itself (422): an empty tree's root, no proof from size 0, the consistency proof (equal sizes
 * need equal roots).
 */
export function judgeAddCheckpoint(request: AddCheckpointRequest, view: WitnessView, sha256: Sha256): Judgement {
  const parsed = parseNote(request.note)
  if (!parsed.ok) return refuse({ status: 400, code: 'malformed-checkpoint', reason: parsed.reason })
  const body = parseCheckpoint(parsed.value.text)
  if (!body.ok) return refuse({ status: 400, code: 'malformed-checkpoint', reason: body.reason })
  const checkpoint = body.value
  const verifiers = view.verifiersOf(checkpoint.origin)
  if (verifiers === undefined) return refuse({ status: 404, code: 'unknown-origin', reason: `this witness does not know the log ${JSON.stringify(checkpoint.origin)}` }, checkpoint.origin)
  const opened = openNote(parsed.value, verifiers)
  if (!opened.ok) {
    const code = opened.code === 'bad-signature' ? 'bad-signature' : 'no-known-signature'
    return refuse({ status: 403, code, reason: opened.reason }, checkpoint.origin)
  }
  if (request.oldSize > checkpoint.size) {
    return refuse({ status: 400, code: 'old-size-too-large', reason: `old size ${request.oldSize} is larger than the checkpoint's size ${checkpoint.size}` }, checkpoint.origin)
  }
  const latest = view.latest(checkpoint.origin)
  const latestSize = latest?.size ?? 0
  if (request.oldSize !== latestSize) {
    return refuse({ status: 409, code: 'old-size-mismatch', reason: `the latest checkpoint cosigned for this log has size ${latestSize}`, size: latestSize }, checkpoint.origin)
  }
  if (checkpoint.size === 0 && !equalHashes(checkpoint.root, emptyRoot(sha256))) {
    return refuse({ status: 422, code: 'bad-empty-root', reason: 'a checkpoint of size 0 must carry the empty tree\'s root, SHA-256 of nothing' }, checkpoint.origin)
  }
  if (request.oldSize === 0) {
    if (request.proof.length !== 0) return refuse({ status: 422, code: 'proof-not-empty', reason: 'from old size 0 the consistency proof must be empty' }, checkpoint.origin)
  } else {
    const check = checkConsistency(sha256, request.oldSize, checkpoint.size, request.proof, (latest as CosignedHead).root, checkpoint.root)
    if (!check.ok) return refuse({ status: 422, code: 'inconsistent', reason: `not consistent with the cosigned checkpoint of size ${request.oldSize}: ${check.reason}` }, checkpoint.origin)
  }
  return { ok: true, value: { checkpoint, text: parsed.value.text, logSignatures: opened.value.verified } }
}

/** The 409 body: the latest cosigned size, in decimal, and a newline (Content-Type text/x.tlog.size). */
export const SIZE_CONTENT_TYPE = 'text/x.tlog.size'

export function formatSizeBody(size: number): string {
  return `${size}\n`
}

export function parseSizeBody(body: string): number | undefined {
  if (!body.endsWith('\n')) return undefined
  return parseDecimalSize(body.slice(0, -1))
}

