/**
 * The generic command handler: verify a signed command, bring the vertical's state up to the log's
 * head, decide, and append the decided events with the expected version of every stream written.
 *
 * Everything `decide` sees is determined by the log: the state is a fold of recorded events, the
 * context holds the command's hash, the ledger key and the time the events will be recorded at
 * (the same timestamp is passed to the store as `recordedAt`). So an auditor who replays the log
 * to just before a command's events and re-decides it gets those events back.
 *
 * Decisions are serialized per handler (one writer, as DESIGN.md asks): signatures are checked
 * before the queue, in parallel; inside it, only catch-up, decide and append. Another writer on
 * the same streams (a second process) is caught by the expected versions; the handler then catches
 * up and decides again, a bounded number of times.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { decodeWith } from '../domain/codec.js'
import { domainError, type DomainError, type Vertical } from '../domain/decider.js'
import type { JsonValue } from '../domain/json.js'
import { SignedCommandC, type SignedCommand } from '../domain/ledger/command.js'
import { isLedgerError } from '../domain/ledger/errors.js'
import type { Clock } from '../domain/ports/clock.js'
import type { CryptoSuite } from '../domain/ports/crypto.js'
import { Expected, type EventStore, type StreamWrite } from '../domain/ports/event-store.js'
import { systemClock } from './clock.js'
import { nativeCrypto } from './crypto/native.js'
import { verifySigned } from './verified-commands.js'
import { inSpan, TRACER } from './tracing.js'
import { trace } from '@opentelemetry/api'

export type { Vertical }

/** Refusals that come from the handler rather than the rules. */
export type HandlerErrorCode = 'malformed' | 'bad-signature' | 'conflict' | 'wrong-ledger' | 'nonce-replayed'

export interface Accepted {
  readonly ok: true
  readonly commandHash: string
  /** True when this signed command was already in the log: nothing new was appended. */
  readonly duplicate: boolean
  readonly firstSequence: number
  readonly lastSequence: number
  readonly recordedAt: string
}

export interface Refused<Code extends string> {
  readonly ok: false
  readonly error: DomainError<Code | HandlerErrorCode>
}

export type HandleResult<Code extends string> = Accepted | Refused<Code>

export interface CommandHandlerOptions<C, E, S, Code extends string> {
  readonly store: EventStore
  readonly vertical: Vertical<C, E, S, Code>
  readonly crypto?: CryptoSuite
  readonly clock?: Clock
  /** How many times to decide when another writer keeps winning the race (default 5). */
  readonly maxAttempts?: number
}

export interface CommandHandler<S, Code extends string> {
  handle(signed: unknown): Promise<HandleResult<Code>>
  /** The state folded from the whole log, caught up to the head. */
  state(): Promise<S>
}

const RETRYABLE = ['wrong-expected-version', 'recorded-at-regression'] as const

function refused<Code extends string>(code: Code | HandlerErrorCode, message: string): Refused<Code> {
  return { ok: false, error: domainError(code, message) }
}

/** One write per stream, in the order the streams first appear; refuses interleaving, which would reorder events. */
export function groupWrites(encoded: readonly { stream: string; type: string; data: JsonValue }[], versions: ReadonlyMap<string, number>): StreamWrite[] {
  const writes: { stream: string; events: { type: string; data: JsonValue }[] }[] = []
  for (const { stream, type, data } of encoded) {
    const last = writes[writes.length - 1]
    if (last !== undefined && last.stream === stream) {
      last.events.push({ type, data })
      continue
    }
    if (writes.some((write) => write.stream === stream)) throw new Error(`a decider interleaved events of stream ${stream}`)
    writes.push({ stream, events: [{ type, data }] })
  }
  return writes.map((write) => ({ ...write, expected: Expected.exact(versions.get(write.stream) ?? 0) }))
}

export function createCommandHandler<C, E, S, Code extends string>(options: CommandHandlerOptions<C, E, S, Code>): CommandHandler<S, Code> {
  const { store, vertical } = options
  const crypto = options.crypto ?? nativeCrypto
  const clock = options.clock ?? systemClock
  const maxAttempts = options.maxAttempts ?? 5

  let state = vertical.decider.initialState
  let position = 0
  let headRecordedAt: string | null = null
  const versions = new Map<string, number>()
  let tail: Promise<unknown> = Promise.resolve()

  /** Folds every envelope after the last one seen; other verticals' events only move the position. */
  async function catchUp(): Promise<void> {
    for await (const envelope of store.readAll(position + 1)) {
      position = envelope.sequence
      headRecordedAt = envelope.recordedAt
      const event = vertical.parseEvent(envelope.type, envelope.data)
      if (event === undefined) continue
      versions.set(envelope.stream, envelope.streamVersion)
      state = vertical.decider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
    }
  }

  /** Now, or the head's time if the clock is behind it: the ledger's time never runs backwards. */
  function decisionTime(): string {
    const now = new Date(clock.now()).toISOString()
    return headRecordedAt !== null && headRecordedAt > now ? headRecordedAt : now
  }

  function serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work)
    tail = run.catch(() => undefined)
    return run
  }

  /**
   * The first result of a command already in the log, from the store's command index: a resend is
   * answered with it and never decided again (deciding again might now fail, after a spend). The
   * handler keeps no memory per command, so its memory does not grow with the log.
   */
  async function duplicateOf(commandHash: string): Promise<Accepted | undefined> {
    const result = await store.commandResult(commandHash)
    if (result === undefined) return undefined
    return { ok: true, commandHash, duplicate: true, firstSequence: result.firstSequence, lastSequence: result.lastSequence, recordedAt: result.recordedAt }
  }

  async function attempt(signed: SignedCommand, commandHash: string): Promise<HandleResult<Code> | 'retry'> {
    await catchUp()
    const prior = await duplicateOf(commandHash)
    if (prior !== undefined) return prior
    const parsed = vertical.parseCommand(signed.command)
    if (isLeft(parsed)) return { ok: false, error: parsed.left }
    const recordedAt = decisionTime()
    const decided = decideTraced(() => vertical.decider.decide(parsed.right, state, { recordedAt, commandHash, ledgerKey: store.ledgerPublicKey, issuedAt: signed.command.issuedAt }))
    if (isLeft(decided)) return { ok: false, error: decided.left }
    if (decided.right.length === 0) throw new Error(`${vertical.name}: an accepted command must record at least one event`)
    const writes = groupWrites(decided.right.map(vertical.encodeEvent), versions)
    try {
      const result = await inSpan('ledger.append', { 'ledger.events': decided.right.length }, () => store.append({ writes, command: signed, recordedAt }))
      await catchUp()
      const { firstSequence, lastSequence } = result
      return { ok: true, commandHash, duplicate: result.duplicate, firstSequence, lastSequence, recordedAt: result.recordedAt }
    } catch (error) {
      if (RETRYABLE.some((code) => isLedgerError(error, code))) return 'retry'
      // The store keeps (actor, nonce) unique: another command of this actor already used the nonce.
      if (isLedgerError(error, 'nonce-replayed')) return refused<Code>('nonce-replayed', error.message)
      throw error
    }
  }

  return {
    handle: (input) => inSpan('ledger.command', { 'ledger.vertical': vertical.name }, async (span) => {
      const result = await handle(input)
      span.setAttributes(result.ok ? { 'ledger.command.outcome': result.duplicate ? 'duplicate' : 'accepted', 'ledger.command.hash': result.commandHash, 'ledger.sequence.first': result.firstSequence, 'ledger.sequence.last': result.lastSequence } : { 'ledger.command.outcome': 'refused', 'ledger.command.refusal': result.error.code })
      return result
    }),
    state: () => serialize(async () => {
      await catchUp()
      return state
    }),
  }

  async function handle(input: unknown): Promise<HandleResult<Code>> {
    const decoded = decodeWith(SignedCommandC, input)
    if (!decoded.ok) return refused<Code>('malformed', `malformed signed command: ${decoded.error}`)
    const signed = decoded.value
    trace.getActiveSpan()?.setAttributes({ 'ledger.command.type': signed.command.type, 'ledger.actor': signed.command.actor })
    const commandHash = verifySigned(signed, crypto)
    if (commandHash === undefined) return refused<Code>('bad-signature', 'the command signature does not verify under its actor key')
    if (signed.command.ledger !== store.ledgerPublicKey) {
      return refused<Code>('wrong-ledger', `the command names ledger ${signed.command.ledger}, not this ledger (${store.ledgerPublicKey})`)
    }
    return serialize(async () => {
      for (let i = 0; i < maxAttempts; i++) {
        const outcome = await attempt(signed, commandHash)
        if (outcome !== 'retry') return outcome
      }
      return refused<Code>('conflict', `other writers changed the streams ${maxAttempts} times in a row; try again`)
    })
  }
}

/** The decision as a span of its own (synchronous and pure: the span only times it). */
function decideTraced<T>(decide: () => T): T {
  return trace.getTracer(TRACER).startActiveSpan('ledger.decide', (span) => {
    try {
      return decide()
    } finally {
      span.end()
    }
  })
}
