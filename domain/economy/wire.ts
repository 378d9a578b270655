/** Between the ledger's JSON and the economy types: every command and event passes these codecs. */
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { alignmentStreamOf, type AlignmentEvent } from '../alignment/codecs.js'
import { DATA_EVENT_CODECS, type DataEvent } from '../datanets/events.js'
import { decodeWith, reportErrors } from '../codec.js'
import { dataStreamOf } from '../datanets/ids.js'
import { domainError } from '../decider.js'
import { encodeEvent as encodeGovernanceEvent, parseCommand as parseGovernanceCommand, parseEvent as parseGovernanceEvent } from '../governance/wire.js'
import type { JsonValue } from '../json.js'
import type { Command } from '../ledger/command.js'
import { rewardsStream } from '../rewards/codecs.js'
import { GovernanceRequestC } from '../governance/commands.js'
import { trainingStream } from '../training/codecs.js'
import { deploymentStreamOf, isDeploymentEvent } from '../deployment/codecs.js'
import { isTrainingEvent } from '../training/evolve.js'
import { appealStreamOf, isAppealEvent } from '../appeals/codecs.js'
import { trustStreamOf } from '../trust/codecs.js'
import { consentStreamOf, isConsentEvent } from '../consent/codecs.js'
import type { EconomyError } from './errors.js'
import {
  ECONOMY_COMMAND_CODECS,
  ECONOMY_EVENT_TYPES,
  EconomyOwnEventC,
  isGovernanceEvent,
  type EconomyCommand,
  type EconomyEvent,
  type EconomyOwnEvent,
} from './events.js'

export function parseCommand(command: Command): Either<EconomyError, EconomyCommand> {
  const codec = ECONOMY_COMMAND_CODECS.find((candidate) => candidate.name === command.type)
  if (codec === undefined) return parseGovernanceCommand(command)
  const decoder: t.Decoder<unknown, Omit<EconomyCommand, 'actor'>> = codec
  const decoded = decoder.decode({ type: command.type, payload: command.payload })
  if (isLeft(decoded)) return left(domainError('malformed-command', reportErrors(decoded.left, 3), { type: command.type }))
  return right({ ...decoded.right, actor: command.actor } as EconomyCommand)
}

/** The event an envelope holds; undefined for other verticals' types. Throws on a corrupt event of this vertical. */
export function parseEvent(type: string, data: JsonValue): EconomyEvent | undefined {
  if (!ECONOMY_EVENT_TYPES.has(type)) return parseGovernanceEvent(type, data)
  const decoded = decodeWith(EconomyOwnEventC, { type, data })
  if (!decoded.ok) throw new TypeError(`a recorded ${type} event does not decode: ${decoded.error}`)
  return decoded.value
}

const DATA_TYPES: ReadonlySet<string> = new Set(DATA_EVENT_CODECS.map((c) => c.name))

function streamOf(event: EconomyOwnEvent): string {
  if (event.type === 'RewardEpochClosed') return rewardsStream(event.data.mandateId)
  if (event.type === 'ValidatorTrustUpdated') return trustStreamOf(event)
  if (isConsentEvent(event)) return consentStreamOf(event)
  if (DATA_TYPES.has(event.type)) return dataStreamOf(event as DataEvent)
  if (isTrainingEvent(event)) return trainingStream(event.data.jobId)
  if (isDeploymentEvent(event)) return deploymentStreamOf(event)
  if (isAppealEvent(event)) return appealStreamOf(event)
  return alignmentStreamOf(event as AlignmentEvent)
}

export function encodeEvent(event: EconomyEvent): { stream: string; type: string; data: JsonValue } {
  if (isGovernanceEvent(event)) return encodeGovernanceEvent(event)
  const encoded = EconomyOwnEventC.encode(event) as { type: string; data: JsonValue }
  return { stream: streamOf(event), type: encoded.type, data: encoded.data }
}

/**
 * A command's type and typed payload (bigints and all) as the JSON a signed command carries: what
 * clients sign. Refuses a type that is neither an economy nor a governance command.
 */
export function encodeRequest(request: Omit<EconomyCommand, 'actor'>): { type: string; payload: JsonValue } {
  const codecs: readonly { name: string; encode: (value: never) => unknown }[] = [...ECONOMY_COMMAND_CODECS, ...GovernanceRequestC.types]
  const codec = codecs.find((candidate) => candidate.name === request.type)
  if (codec === undefined) throw new TypeError(`${request.type} is not a command of this ledger`)
  return codec.encode(request as never) as { type: string; payload: JsonValue }
}
