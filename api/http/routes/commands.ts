/**
 * POST /v1/commands: a signed command in, the sequences of the events it caused out. The HTTP
 * side (reading and parsing the body, headers, problems) is api/http/command-edge.ts.
 *
 * Order of checks, cheapest refusal first: shape (400), signature (401, checked here, in parallel
 * across requests on the verify pool's threads, before any queue), the actor's rate (429), then the vertical's handler, which
 * checks the ledger id (422 wrong-ledger), serializes the decision and the append; the store keeps
 * each (actor, nonce) unique (409 nonce-replayed). Nothing before the handler writes.
 */
import { decodeWith } from '../../../domain/codec.js'
import type { DomainError } from '../../../domain/decider.js'
import { SignedCommandC, type SignedCommand } from '../../../domain/ledger/command.js'
import { verifySignedOff } from '../../../infrastructure/verified-commands.js'
import type { VerifyPool } from '../../../infrastructure/crypto/verify-pool.js'
import type { CryptoSuite } from '../../../domain/ports/crypto.js'
import type { Accepted } from '../../../infrastructure/command-handler.js'
import type { Metrics } from '../metrics.js'
import { HttpProblem } from '../problem.js'
import type { RateLimiter } from '../rate-limit.js'
import { routeOf, type CommandRoute } from '../verticals.js'

export interface CommandDeps {
  readonly routes: readonly CommandRoute[]
  readonly crypto: CryptoSuite
  readonly actorLimit: RateLimiter
  readonly metrics: Metrics
  /** Where signatures are verified off the event loop; on the event loop without one. */
  readonly verifyPool?: VerifyPool
}

/** Refusal codes that mean "this actor may not do that" rather than "the rules say no". */
const FORBIDDEN = new Set(['not-ledger-key', 'not-proposer', 'not-registered'])
const FORBIDDEN_PATTERN = /(^|-)(role|unauthori[sz]ed|forbidden)(-|$)/

function problemOf(error: DomainError<string>): HttpProblem {
  const extras = { code: error.code, details: error.details }
  switch (error.code) {
    case 'malformed':
    case 'malformed-command':
      return new HttpProblem('malformed', error.message, extras)
    case 'bad-signature':
      return new HttpProblem('bad-signature', error.message, extras)
    case 'conflict':
      return new HttpProblem('conflict', error.message, { ...extras, retryAfter: 1 })
    case 'nonce-replayed':
      return new HttpProblem('nonce-replayed', error.message, extras)
    case 'wrong-ledger':
      return new HttpProblem('wrong-ledger', error.message, extras)
    default:
      if (FORBIDDEN.has(error.code) || FORBIDDEN_PATTERN.test(error.code)) return new HttpProblem('role-missing', error.message, extras)
      return new HttpProblem('domain-rule', error.message, extras)
  }
}

export interface CommandAcceptedBody {
  readonly commandHash: string
  readonly duplicate: boolean
  readonly firstSequence: number
  readonly lastSequence: number
  readonly sequences: readonly number[]
  readonly recordedAt: string
}

function acceptedBody(accepted: Accepted): CommandAcceptedBody {
  const { commandHash, duplicate, firstSequence, lastSequence, recordedAt } = accepted
  const sequences = Array.from({ length: lastSequence - firstSequence + 1 }, (_, i) => firstSequence + i)
  return { commandHash, duplicate, firstSequence, lastSequence, sequences, recordedAt }
}

async function parseSigned(body: unknown, crypto: CryptoSuite, pool: VerifyPool | undefined): Promise<{ signed: SignedCommand; hash: string }> {
  const decoded = decodeWith(SignedCommandC, body)
  if (!decoded.ok) throw new HttpProblem('malformed', `not a signed command: ${decoded.error}`)
  const hash = await verifySignedOff(decoded.value, crypto, pool, SignedCommandC)
  if (hash === undefined) throw new HttpProblem('bad-signature', 'the signature does not verify under the command actor key over SHA-256 of the canonical command')
  return { signed: decoded.value, hash }
}

/** What POST /v1/commands answers for an accepted command. */
export interface CommandAnswer {
  readonly status: 200 | 201
  readonly location: string
  readonly body: CommandAcceptedBody
}

/**
 * The route's work on a parsed body: decode, verify, rate-limit the actor, hand the command to its
 * vertical. Refusals are thrown as problems; nothing is written before the handler.
 */
export async function acceptCommand(deps: CommandDeps, body: unknown): Promise<CommandAnswer> {
  const { signed } = await parseSigned(body, deps.crypto, deps.verifyPool)
  const { actor, type } = signed.command
  const wait = deps.actorLimit.take(actor)
  if (wait > 0) throw new HttpProblem('too-many-requests', 'this actor sends commands faster than allowed', { retryAfter: wait })
  const route = routeOf(deps.routes, type)
  if (route === undefined) throw new HttpProblem('domain-rule', `no vertical handles the command type ${type}`, { code: 'unknown-command', details: { type } })
  const result = await deps.metrics.timeDecision(route.name, () => route.handle(signed))
  if (!result.ok) {
    deps.metrics.refused(route.name, result.error.code)
    throw problemOf(result.error)
  }
  if (!result.duplicate) deps.metrics.appended(route.name, result.lastSequence - result.firstSequence + 1)
  return { status: result.duplicate ? 200 : 201, location: `/v1/commands/${result.commandHash}`, body: acceptedBody(result) }
}
