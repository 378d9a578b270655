/**
 * RFC 9457 problem details. Every error the API returns is one of these kinds; the `type` URI of a
 * kind never changes meaning once published (docs/http-api.md lists them), so clients branch on
 * `type` (and on `code` for domain refusals), never on `title` or `detail`.
 */
import type { ServerResponse } from 'node:http'
import type { Response } from 'express'

export const PROBLEM_KINDS = {
  malformed: { status: 400, title: 'The request is malformed' },
  'bad-signature': { status: 401, title: 'The signature does not verify' },
  unauthorized: { status: 401, title: 'No valid API key' },
  'access-revoked': { status: 403, title: 'The access grant is revoked' },
  'access-expired': { status: 403, title: 'The access grant has expired' },
  'grant-not-accepted': { status: 403, title: 'The consumer has not accepted the access grant' },
  'role-missing': { status: 403, title: 'The actor lacks the role this needs' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'not-acceptable': { status: 406, title: 'Not acceptable' },
  conflict: { status: 409, title: 'The request conflicts with the ledger' },
  'nonce-replayed': { status: 409, title: 'This actor already used this nonce for another command' },
  'deployment-retired': { status: 410, title: 'The deployment is retired' },
  'deployment-suspended': { status: 423, title: 'The deployment is suspended by governance' },
  'consent-withdrawn': { status: 451, title: 'The model was trained on data whose consent was withdrawn, and its retrain deadline has passed' },
  'hash-mismatch': { status: 422, title: 'The content does not hash to its name' },
  'too-large': { status: 413, title: 'The body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'domain-rule': { status: 422, title: 'A ledger rule refuses the command' },
  'wrong-ledger': { status: 422, title: 'The command is signed for another ledger' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'quota-exhausted': { status: 429, title: 'The grant’s token quota is used up' },
  'escrow-exhausted': { status: 429, title: 'The consumer’s usage escrow cannot pay for this request' },
  'spend-cap-exhausted': { status: 429, title: 'The grant’s accepted spending cap cannot pay for this request' },
  internal: { status: 500, title: 'Internal error' },
  'blob-corrupt': { status: 500, title: 'The stored blob no longer matches its hash' },
  'not-implemented': { status: 501, title: 'Not implemented' },
  'bad-gateway': { status: 502, title: 'The model backend failed' },
  unavailable: { status: 503, title: 'The service is not available' },
  'gateway-timeout': { status: 504, title: 'The model backend did not answer in time' },
  'insufficient-storage': { status: 507, title: 'The server cannot store more: its storage is full' },
} as const

export type ProblemKind = keyof typeof PROBLEM_KINDS

/** A relative URI: resolved against the server it names the problem page served at that path. */
export function problemType(kind: ProblemKind): string {
  return `/problems/${kind}`
}

export interface ProblemExtras {
  /** The domain's stable refusal code (domain-rule, role-missing). */
  readonly code?: string
  readonly details?: Readonly<Record<string, string | number | boolean | null>>
  /** Seconds a client should wait; every 429 and 503 has one (RETRY_AFTER_S when not given). */
  readonly retryAfter?: number
  /** The request member at fault (the gateway's OpenAI `error.param`). */
  readonly param?: string
}

/**
 * Retry-After (seconds) for the 429s and 503s whose thrower gives none: 1 s where a moment changes
 * the answer (a rate limit, a reservation released); 60 s where someone must act first (a deposit,
 * a new grant); 5 s while the service is unavailable.
 */
export const RETRY_AFTER_S: Partial<Record<ProblemKind, number>> = {
  'too-many-requests': 1,
  'quota-exhausted': 60,
  'escrow-exhausted': 60,
  'spend-cap-exhausted': 60,
  unavailable: 5,
}

/** The Retry-After a problem's response carries, if any: every 429 and 503 has one. */
export function retryAfterOf(problem: HttpProblem): number | undefined {
  const seconds = problem.extras.retryAfter ?? RETRY_AFTER_S[problem.kind] ?? (problem.status === 429 || problem.status === 503 ? 1 : undefined)
  return seconds === undefined ? undefined : Math.max(1, Math.ceil(seconds))
}

/** Thrown by handlers; the error middleware turns it into the response. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem'
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extras: ProblemExtras = {},
  ) {
    super(detail)
  }
  get status(): number {
    return PROBLEM_KINDS[this.kind].status
  }
}

export function isProblem(error: unknown): error is HttpProblem {
  return error instanceof HttpProblem
}

export interface ProblemBody {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly instance: string
  readonly requestId: string
  readonly code?: string
  readonly details?: Readonly<Record<string, string | number | boolean | null>>
}

export function problemBody(problem: HttpProblem, instance: string, requestId: string): ProblemBody {
  const { code, details } = problem.extras
  return {
    type: problemType(problem.kind),
    title: PROBLEM_KINDS[problem.kind].title,
    status: problem.status,
    detail: problem.detail,
    instance,
    requestId,
    ...(code === undefined ? {} : { code }),
    ...(details === undefined ? {} : { details }),
  }
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  const requestId = String(res.getHeader('x-request-id') ?? '')
  const retryAfter = retryAfterOf(problem)
  if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter))
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problemBody(problem, res.req.originalUrl, requestId)))
}

/**
 * `sendProblem` on a bare node:http response (the edges, which run without express); `extra`:
 * members added to the problem document (the gateway adds OpenAI's `error`).
 */
export function writeProblem(res: ServerResponse, problem: HttpProblem, instance: string, requestId: string, extra?: Readonly<Record<string, unknown>>): void {
  const retryAfter = retryAfterOf(problem)
  if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter))
  const text = JSON.stringify({ ...problemBody(problem, instance, requestId), ...extra })
  res.statusCode = problem.status
  res.setHeader('content-type', 'application/problem+json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(text))
  res.end(text)
}
