/**
 * Between the ledger's JSON and the governance types: decode a signed command's body, decode a
 * stored envelope's event, encode a new event for the store. Untrusted input passes these codecs
 * and nothing else.
 */
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { decodeWith, reportErrors } from '../codec.js'
import type { JsonValue } from '../json.js'
import type { Command } from '../ledger/command.js'
import { domainError } from '../decider.js'
import { GOVERNANCE_COMMAND_TYPES, GovernanceRequestC, type GovernanceCommand, type GovernanceRequest } from './commands.js'
import type { GovernanceError } from './errors.js'
import { GOVERNANCE_EVENT_TYPES, GovernanceEventC, type GovernanceEvent } from './events.js'
import { streamOf } from './streams.js'

export function isGovernanceCommand(type: string): boolean {
  return GOVERNANCE_COMMAND_TYPES.has(type)
}

export function parseCommand(command: Command): Either<GovernanceError, GovernanceCommand> {
  // Decoding with the one codec the type names gives errors about that command, not about all of them.
  const codec = GovernanceRequestC.types.find((candidate) => candidate.name === command.type)
  if (codec === undefined) {
    return left(domainError('unknown-command', `${command.type} is not a governance command`, { type: command.type }))
  }
  const decoder: t.Decoder<unknown, GovernanceRequest> = codec
  const decoded = decoder.decode({ type: command.type, payload: command.payload })
  if (isLeft(decoded)) {
    const problems = reportErrors(decoded.left, 3)
    return left(domainError('malformed-command', problems, { type: command.type }))
  }
  return right({ ...decoded.right, actor: command.actor })
}

/** The event an envelope holds; undefined for other verticals' types. Throws on a corrupt governance event. */
export function parseEvent(type: string, data: JsonValue): GovernanceEvent | undefined {
  if (!GOVERNANCE_EVENT_TYPES.has(type)) return undefined
  const decoded = decodeWith(GovernanceEventC, { type, data })
  if (!decoded.ok) throw new TypeError(`a recorded ${type} event does not decode: ${decoded.error}`)
  return decoded.value
}

export interface EncodedEvent {
  readonly stream: string
  readonly type: string
  readonly data: JsonValue
}

export function encodeEvent(event: GovernanceEvent): EncodedEvent {
  const encoded = GovernanceEventC.encode(event) as { type: string; data: JsonValue }
  return { stream: streamOf(event), type: encoded.type, data: encoded.data }
}
