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
import { domainError, type DomainError, type Vertical } from '../domain/decider.js'
import type { JsonValue } from '../domain/json.js'
import type { SignedCommand } from '../domain/ledger/command.js'
import type { Envelope } from '../domain/ledger/envelope.js'
import { isLedgerError } from '../domain/ledger/errors.js'
import type { Clock } from '../domain/ports/clock.js'
import type { CryptoSuite } from '../domain/ports/crypto.js'
import { Expected, type AppendRequest, type AppendResult, type EventStore, type StreamWrite } from '../domain/ports/event-store.js'
import { systemClock } from './clock.js'
import { nativeCrypto } from './crypto/native.js'
import { checkSigned } from './verified-commands.js'
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
  /**
   * Start from this fold (a checked snapshot, infrastructure/snapshot/) instead of the empty log:
   * the handler then reads only the envelopes after `position`. A promise (a snapshot still
   * loading) is waited for by the first catch-up, so every decision and read waits for it; one
   * that resolves to undefined or rejects means the empty log.
   */
  readonly start?: DurableFold<S> | Promise<DurableFold<S> | undefined>
}

/**
 * The fold of the committed log up to `position` (never a speculative decision): what a snapshot
 * records and a handler can start from. `streamVersions`: the version of every stream the
 * vertical's events were written to, in the order first seen.
 */
export interface DurableFold<S> {
  readonly state: S
  readonly position: number
  readonly headRecordedAt: string | null
  readonly streamVersions: ReadonlyMap<string, number>
}

export interface CommandHandler<S, Code extends string> {
  handle(signed: unknown): Promise<HandleResult<Code>>
  /** The state folded from the whole log, caught up to the head. */
  state(): Promise<S>
  /** The durable fold as it stands now, without reading the log (its stream versions are a copy). */
  durable(): DurableFold<S>
  /** Catches up with the committed log, then the durable fold. */
  caughtUp(): Promise<DurableFold<S>>
}

const RETRYABLE = ['wrong-expected-version', 'recorded-at-regression'] as const
/** How many times one command may be decided again because a command it was decided on top of failed. */
const MAX_REQUEUES = 1000

function refused<Code extends string>(code: Code | HandlerErrorCode, message: string): Refused<Code> {
  return { ok: false, error: domainError(code, message) }
}

/** One write per stream, in the order the streams first appear; refuses interleaving, which would reorder events. */
export function groupWrites(encoded: readonly { stream: string; type: string; data: JsonValue }[], versions: Pick<ReadonlyMap<string, number>, 'get'>): StreamWrite[] {
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

/**
 * Sets a stream's version, keeping the name already in the map, else the copy `intern` gives (the
 * store's, so the process holds each name once: EventStore.streamName).
 */
function setVersion(versions: Map<string, number>, stream: string, version: number, intern?: (stream: string) => string | undefined): void {
  versions.set(versions.has(stream) ? stream : (intern?.(stream) ?? stream), version)
}

/**
 * One committed envelope folded into the vertical's state: its event evolves the state and moves
 * its stream's version in `versions`; another vertical's envelope (an anchor, say) changes
 * neither. The handler's catch-up, and every replay a snapshot is checked against, fold this way.
 */
export function foldEnvelope<C, E, S, Code extends string>(vertical: Vertical<C, E, S, Code>, state: S, versions: Map<string, number>, envelope: Envelope, intern?: (stream: string) => string | undefined): S {
  const event = vertical.parseEvent(envelope.type, envelope.data)
  if (event === undefined) return state
  setVersion(versions, envelope.stream, envelope.streamVersion, intern)
  return vertical.decider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
}

/** The handler's view of the log: the fold, the position it reached, the head's time. */
interface Folded<S> {
  readonly state: S
  readonly position: number
  readonly headRecordedAt: string | null
}

/** A decided command whose append is queued or committing: later decisions already build on it. */
interface Pending<S> {
  readonly generation: number
  readonly request: AppendRequest
  /** The sequence its first event is predicted to land at. */
  readonly first: number
  /** The fold with its events, at the predicted sequences. */
  readonly after: Folded<S>
}

export function createCommandHandler<C, E, S, Code extends string>(options: CommandHandlerOptions<C, E, S, Code>): CommandHandler<S, Code> {
  const { store, vertical } = options
  const crypto = options.crypto ?? nativeCrypto
  const clock = options.clock ?? systemClock
  const maxAttempts = options.maxAttempts ?? 5

  // What the log holds (committed only): what `state()` answers and what a failed batch falls back to.
  const given = options.start
  const start = given instanceof Promise ? undefined : given
  let durable: Folded<S> = start === undefined ? { state: vertical.decider.initialState, position: 0, headRecordedAt: null } : { state: start.state, position: start.position, headRecordedAt: start.headRecordedAt }
  const intern = store.streamName === undefined ? undefined : (stream: string) => store.streamName?.(stream)
  const durableVersions = new Map<string, number>()
  for (const [stream, version] of start?.streamVersions ?? []) setVersion(durableVersions, stream, version, intern)
  // Decisions see `durable` plus every pending append of the current generation, in order.
  let generation = 0
  let current: Pending<S>[] = []
  let speculative: Folded<S> = durable
  const speculativeVersions = new Map<string, number>()
  // Commands decided and not yet settled, by hash: a resend waits for the first one's result.
  const inFlight = new Map<string, Promise<unknown>>()
  let lane: Promise<unknown> = Promise.resolve()
  // A start still loading: the first catch-up (and so every decision) waits for it to be adopted.
  let catching: Promise<unknown> =
    given instanceof Promise
      ? given.then(
          (fold) => {
            if (fold === undefined || durable.position !== 0) return
            durable = { state: fold.state, position: fold.position, headRecordedAt: fold.headRecordedAt }
            for (const [stream, version] of fold.streamVersions) setVersion(durableVersions, stream, version, intern)
            speculative = durable
          },
          () => undefined,
        )
      : Promise.resolve()

  /**
   * Folds every committed envelope after `durable`; other verticals' events only move the position.
   * One at a time; each step re-reads `durable`, which a settling append may have moved meanwhile.
   */
  function catchUp(): Promise<void> {
    const run = catching.then(async () => {
      for await (const envelope of store.readAll(durable.position + 1)) {
        if (envelope.sequence !== durable.position + 1) {
          if (envelope.sequence <= durable.position) continue
          throw new Error(`${vertical.name}: the log skipped from ${durable.position} to ${envelope.sequence}`)
        }
        durable = { state: foldEnvelope(vertical, durable.state, durableVersions, envelope, intern), position: envelope.sequence, headRecordedAt: envelope.recordedAt }
      }
    })
    catching = run.catch(() => undefined)
    return run
  }

  /** Drops every speculative decision: later ones are decided against the durable log again. */
  function rollBack(): void {
    generation++
    current = []
    speculative = durable
    speculativeVersions.clear()
  }

  const versionOf = (stream: string): number => speculativeVersions.get(stream) ?? durableVersions.get(stream) ?? 0

  /** Now, or the head's time if the clock is behind it: the ledger's time never runs backwards. */
  function decisionTime(): string {
    const now = new Date(clock.now()).toISOString()
    const head = speculative.headRecordedAt
    return head !== null && head > now ? head : now
  }

  /** Decisions run one at a time in this lane; appends are not awaited in it. */
  function inLane<T>(work: () => Promise<T>): Promise<T> {
    const run = lane.then(work, work)
    lane = run.catch(() => undefined)
    return run
  }

  /**
   * The first result of a command already in the log, from the store's command index: a resend
   * whose decision now fails (after a spend, past its window) is answered with it, not refused. The
   * handler keeps no memory per committed command, so its memory does not grow with the log.
   */
  async function duplicateOf(commandHash: string): Promise<Accepted | undefined> {
    const result = await store.commandResult(commandHash)
    if (result === undefined) return undefined
    return { ok: true, commandHash, duplicate: true, firstSequence: result.firstSequence, lastSequence: result.lastSequence, recordedAt: result.recordedAt }
  }

  type Submitted = { kind: 'final'; result: HandleResult<Code> } | { kind: 'wait'; on: Promise<unknown> } | { kind: 'pending'; append: Promise<AppendResult>; done: Promise<void> }

  /**
   * A refusal, unless the command is already in the log: then its first result. Asked only when
   * a decision refuses, so the command index is not read for every command: a resend that is
   * decided again and accepted is answered by the sequencer, which finds the command in the index
   * before anything else and answers its first result, appending nothing.
   */
  async function refusedUnlessLogged(refusal: HandleResult<Code>, commandHash: string): Promise<Submitted> {
    return { kind: 'final', result: (await duplicateOf(commandHash)) ?? refusal }
  }

  /** In the lane: decides against the speculative state and queues the append without awaiting it. */
  async function submit(signed: SignedCommand, commandHash: string): Promise<Submitted> {
    const first = inFlight.get(commandHash)
    if (first !== undefined) return { kind: 'wait', on: first }
    if (current.length === 0) {
      // Nothing pending: start from the log's head, as a handler that does not pipeline would.
      await catchUp()
      if (current.length === 0) {
        speculative = durable
        speculativeVersions.clear()
      }
    }
    const parsed = vertical.parseCommand(signed.command)
    if (isLeft(parsed)) return refusedUnlessLogged({ ok: false, error: parsed.left }, commandHash)
    const recordedAt = decisionTime()
    const base = speculative
    const decided = decideTraced(() => vertical.decider.decide(parsed.right, base.state, { recordedAt, commandHash, ledgerKey: store.ledgerPublicKey, issuedAt: signed.command.issuedAt }))
    if (isLeft(decided)) return refusedUnlessLogged({ ok: false, error: decided.left }, commandHash)
    if (decided.right.length === 0) throw new Error(`${vertical.name}: an accepted command must record at least one event`)
    const encoded = decided.right.map(vertical.encodeEvent)
    const writes = groupWrites(encoded, { get: versionOf })
    const firstSequence = base.position + 1
    let state = base.state
    decided.right.forEach((event, i) => (state = vertical.decider.evolve(state, { event, sequence: firstSequence + i, recordedAt })))
    const previous = current[current.length - 1]
    const request: AppendRequest = {
      writes,
      command: signed,
      recordedAt,
      ...(previous === undefined ? {} : { after: { request: previous.request, sequence: firstSequence } }),
    }
    const pending: Pending<S> = { generation, request, first: firstSequence, after: { state, position: base.position + decided.right.length, headRecordedAt: recordedAt } }
    const append = inSpan('ledger.append', { 'ledger.events': decided.right.length, 'ledger.pipelined': previous !== undefined }, () => store.append(request))
    current.push(pending)
    speculative = pending.after
    for (const write of writes) speculativeVersions.set(write.stream, versionOf(write.stream) + write.events.length)
    const done = append.then(
      (result) => settled(pending, { ok: true, result }),
      (error: unknown) => settled(pending, { ok: false, error }),
    )
    inFlight.set(commandHash, done)
    void done.finally(() => {
      if (inFlight.get(commandHash) === done) inFlight.delete(commandHash)
    })
    return { kind: 'pending', append, done }
  }

  /**
   * After the append settled (appends settle in the order they were queued): an append that
   * committed where it was predicted becomes the durable state as it is; anything else (refused,
   * failed, committed elsewhere or as a duplicate) rolls back every later speculative decision.
   */
  function settled(pending: Pending<S>, outcome: { ok: true; result: AppendResult } | { ok: false; error: unknown }): void {
    const index = current.indexOf(pending)
    if (index >= 0) current.splice(0, index + 1)
    const asPredicted = outcome.ok && !outcome.result.duplicate && outcome.result.firstSequence === pending.first
    if (asPredicted && durable.position === pending.first - 1) {
      durable = pending.after
      for (const [stream, version] of Object.entries(outcome.result.streamVersions)) setVersion(durableVersions, stream, version, intern)
    }
    // A pending append of an earlier generation was already given up with its predecessor.
    if (!asPredicted && pending.generation === generation) rollBack()
    if (current.length === 0 && pending.generation === generation) {
      speculative = durable
      speculativeVersions.clear()
    }
  }

  async function attempt(signed: SignedCommand, commandHash: string): Promise<HandleResult<Code> | 'retry' | 'requeue'> {
    const submitted = await inLane(() => submit(signed, commandHash))
    if (submitted.kind === 'final') return submitted.result
    if (submitted.kind === 'wait') {
      await submitted.on.catch(() => undefined)
      return 'requeue'
    }
    const { append, done } = submitted
    try {
      const result = await append
      await done
      const { firstSequence, lastSequence } = result
      return { ok: true, commandHash, duplicate: result.duplicate, firstSequence, lastSequence, recordedAt: result.recordedAt }
    } catch (error) {
      await done
      // Refused because an append it was decided on top of did not land just before it.
      if (isLedgerError(error, 'wrong-expected-version') && error.details.pipeline === true) return 'requeue'
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
    state: async () => {
      await catchUp()
      return durable.state
    },
    durable: () => ({ ...durable, streamVersions: new Map(durableVersions) }),
    caughtUp: async () => {
      await catchUp()
      return { ...durable, streamVersions: new Map(durableVersions) }
    },
  }

  async function handle(input: unknown): Promise<HandleResult<Code>> {
    const check = checkSigned(input, crypto)
    if (check.signed !== undefined) trace.getActiveSpan()?.setAttributes({ 'ledger.command.type': check.signed.command.type, 'ledger.actor': check.signed.command.actor })
    if (!check.ok) return refused<Code>(check.code, check.message)
    const { signed, hash: commandHash } = check
    if (signed.command.ledger !== store.ledgerPublicKey) {
      return refused<Code>('wrong-ledger', `the command names ledger ${signed.command.ledger}, not this ledger (${store.ledgerPublicKey})`)
    }
    // Conflicts with other writers count against maxAttempts; being rolled back with a failed
    // predecessor does not (it is bounded apart, so a handler never loops for ever).
    let conflicts = 0
    for (let requeues = 0; requeues < MAX_REQUEUES; ) {
      const outcome = await attempt(signed, commandHash)
      if (outcome === 'requeue') requeues++
      else if (outcome === 'retry') {
        if (++conflicts >= maxAttempts) break
      } else return outcome
    }
    return refused<Code>('conflict', `other writers changed the streams ${maxAttempts} times in a row; try again`)
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
