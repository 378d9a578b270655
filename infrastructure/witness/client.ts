/**
 * The log's side of tlog-witness: `submitCheckpoint` posts a checkpoint with its consistency proof
 * to a witness's add-checkpoint endpoint and reports what came back. A 409 is not an error but
 * the witness telling the log the size it last cosigned: the caller builds a proof from there and
 * submits again. With `verifier` (the witness's vkey, parsed), the returned lines must hold a
 * valid cosignature of the submitted checkpoint by that witness, or the result is `bad-response`.
 */
import type { NoteVerifier } from '../../domain/tlog/note.js'
import { openNote, parseNote } from '../../domain/tlog/note.js'
import { formatAddCheckpoint, parseSizeBody, SIZE_CONTENT_TYPE } from '../../domain/tlog/witness.js'

export type SubmitResult =
  /** Accepted: the cosignature lines (each `— <name> <base64>`, without newline), the body as sent. */
  | { readonly ok: true; readonly cosignatures: readonly string[]; readonly body: string }
  /** 409: the witness has cosigned `size` for this log; retry with a proof from there. */
  | { readonly ok: false; readonly kind: 'conflict'; readonly size: number }
  /** Any other answer: the status, and the problem's `type` and `detail` (or the body) when there is one. */
  | { readonly ok: false; readonly kind: 'refused'; readonly status: number; readonly type?: string; readonly detail: string }
  /** A 200 or 409 whose body is not what the protocol says, or cosignatures that do not verify. */
  | { readonly ok: false; readonly kind: 'bad-response'; readonly status: number; readonly detail: string }
  | { readonly ok: false; readonly kind: 'unreachable'; readonly detail: string }

export interface SubmitOptions {
  /** The witness's cosignature verifier: its returned lines must include a valid cosignature. */
  readonly verifier?: NoteVerifier
  readonly timeoutMs?: number
  readonly fetch?: typeof fetch
}

const DEFAULT_TIMEOUT_MS = 10_000

/** `url` is the witness's submission prefix: the request goes to `<url>/add-checkpoint`. */
export async function submitCheckpoint(url: string, oldSize: number, proof: readonly Uint8Array[], note: string, options: SubmitOptions = {}): Promise<SubmitResult> {
  const body = formatAddCheckpoint(oldSize, proof, note)
  let response: Response
  let text: string
  try {
    response = await (options.fetch ?? fetch)(`${url.replace(/\/+$/, '')}/add-checkpoint`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    })
    text = await response.text()
  } catch (error) {
    return { ok: false, kind: 'unreachable', detail: error instanceof Error ? error.message : String(error) }
  }
  if (response.status === 409) {
    const size = response.headers.get('content-type')?.split(';')[0]?.trim() === SIZE_CONTENT_TYPE ? parseSizeBody(text) : undefined
    if (size === undefined) return { ok: false, kind: 'bad-response', status: 409, detail: `a 409 must carry the witness's size as ${SIZE_CONTENT_TYPE}` }
    return { ok: false, kind: 'conflict', size }
  }
  if (response.status !== 200) return { ok: false, kind: 'refused', status: response.status, ...problemOf(text) }
  return cosignaturesOf(text, note, options.verifier)
}

function problemOf(text: string): { type?: string; detail: string } {
  try {
    const problem = JSON.parse(text) as { type?: unknown; detail?: unknown }
    if (typeof problem.type === 'string' && typeof problem.detail === 'string') return { type: problem.type, detail: problem.detail }
  } catch {
    // not a problem document
  }
  return { detail: text.slice(0, 500) }
}

/** The 200 body is signature lines only; appended to the checkpoint they must parse as a note. */
function cosignaturesOf(body: string, note: string, verifier: NoteVerifier | undefined): SubmitResult {
  const bad = (detail: string): SubmitResult => ({ ok: false, kind: 'bad-response', status: 200, detail })
  if (body === '' || !body.endsWith('\n')) return bad('the response is not signature lines')
  const combined = `${note}${body}`
  const before = parseNote(note)
  const after = parseNote(combined)
  if (!after.ok) return bad(`the response lines do not form a note with the checkpoint: ${after.reason}`)
  const lines = body.slice(0, -1).split('\n')
  // Only signature lines: the checkpoint's text must stay what was submitted.
  if (!before.ok || after.value.text !== before.value.text || after.value.signatures.length !== before.value.signatures.length + lines.length) {
    return bad('the response is not signature lines only')
  }
  if (verifier !== undefined) {
    const opened = openNote(combined, [verifier])
    if (!opened.ok) return bad(`no valid cosignature from ${verifier.name}: ${opened.reason}`)
  }
  return { ok: true, cosignatures: lines, body }
}
