/**
 * The witness's HTTP interface (c2sp.org/tlog-witness), on node:http:
 *
 *   POST /add-checkpoint           200 cosignature lines (text/plain; charset=utf-8)
 *                                  409 the cosigned size, `<size>\n` (text/x.tlog.size)
 *                                  400 / 403 / 404 / 422 as the spec assigns them
 *   GET  /<sha256(origin) hex>/checkpoint   the latest cosigned checkpoint of that log, or 404
 *
 * The spec fixes the bodies of 200 and 409; every other refusal is an RFC 9457 problem document
 * whose `type` is `/problems/witness/<code>` (docs/witness.md lists the codes).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MAX_NOTE_BYTES } from '../../domain/tlog/note.js'
import { formatSizeBody, SIZE_CONTENT_TYPE } from '../../domain/tlog/witness.js'
import type { AddCheckpointOutcome, Witness } from '../../infrastructure/witness/witness.js'

/** The old line and 63 proof lines fit easily beside the largest note. */
export const DEFAULT_BODY_LIMIT = MAX_NOTE_BYTES + 8 * 1024

export const WITNESS_PROBLEMS = {
  'malformed-request': 'The request body is not an add-checkpoint request',
  'malformed-checkpoint': 'The checkpoint is not a well-formed signed checkpoint',
  'old-size-too-large': 'The old size is larger than the checkpoint size',
  'bad-signature': 'A signature by the log’s key does not verify',
  'no-known-signature': 'The checkpoint carries no signature by a key this witness trusts for the log',
  'unknown-origin': 'This witness does not witness that log',
  'bad-empty-root': 'A checkpoint of size 0 must have the empty tree’s root',
  'proof-not-empty': 'From old size 0 the consistency proof must be empty',
  inconsistent: 'The checkpoint is not consistent with the one this witness cosigned',
  'too-large': 'The request body is too large',
  'not-found': 'No such resource',
  'method-not-allowed': 'Method not allowed',
  internal: 'Internal error',
} as const

export type WitnessProblem = keyof typeof WITNESS_PROBLEMS

export interface WitnessServerOptions {
  readonly witness: Witness
  readonly host?: string
  readonly port?: number
  readonly bodyLimit?: number
  /** Called once per add-checkpoint request, after the answer is decided. */
  readonly onSubmission?: (outcome: AddCheckpointOutcome) => void
  readonly onError?: (error: unknown) => void
}

export interface RunningWitness {
  readonly url: string
  close(): Promise<void>
}

function sendProblem(res: ServerResponse, status: number, code: WitnessProblem, detail: string, instance: string): void {
  const body = JSON.stringify({ type: `/problems/witness/${code}`, title: WITNESS_PROBLEMS[code], status, detail, instance, code })
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

function sendText(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers })
  res.end(body)
}

/** The whole body, or undefined once it passes `limit` (the rest is drained, not stored). */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) return undefined
  const chunks: Buffer[] = []
  let length = 0
  let over = false
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length
    if (length > limit) over = true
    if (!over) chunks.push(chunk)
  }
  return over ? undefined : new Uint8Array(Buffer.concat(chunks, length))
}

function answer(res: ServerResponse, outcome: AddCheckpointOutcome): void {
  if (outcome.ok) return sendText(res, 200, 'text/plain; charset=utf-8', outcome.body)
  if (outcome.status === 409) return sendText(res, 409, SIZE_CONTENT_TYPE, formatSizeBody(outcome.size))
  sendProblem(res, outcome.status, outcome.code, outcome.reason, '/add-checkpoint')
}

const CHECKPOINT_PATH = /^\/([0-9a-f]{64})\/checkpoint$/

async function handle(req: IncomingMessage, res: ServerResponse, options: WitnessServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  if (path === '/add-checkpoint') {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST')
      return sendProblem(res, 405, 'method-not-allowed', 'add-checkpoint takes POST', path)
    }
    const body = await readBody(req, options.bodyLimit ?? DEFAULT_BODY_LIMIT)
    if (body === undefined) {
      res.setHeader('connection', 'close')
      return sendProblem(res, 413, 'too-large', `a request body is at most ${options.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes`, path)
    }
    const outcome = options.witness.addCheckpoint(body)
    options.onSubmission?.(outcome)
    return answer(res, outcome)
  }
  const match = CHECKPOINT_PATH.exec(path)
  if (match !== null) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return sendProblem(res, 405, 'method-not-allowed', 'a checkpoint is read with GET', path)
    }
    const note = options.witness.checkpoint(match[1] as string)
    if (note === undefined) return sendProblem(res, 404, 'not-found', 'this witness has cosigned no checkpoint for that origin', path)
    return sendText(res, 200, 'text/plain; charset=utf-8', note, { 'cache-control': 'no-cache' })
  }
  sendProblem(res, 404, 'not-found', `no resource at ${path}`, path)
}

export async function startWitnessServer(options: WitnessServerOptions): Promise<RunningWitness> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      options.onError?.(error)
      if (!res.headersSent) sendProblem(res, 500, 'internal', 'the witness failed to answer', req.url ?? '/')
      else res.destroy()
    })
  })
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)))
        server.closeIdleConnections()
      }),
  }
}
