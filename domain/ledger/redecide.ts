/**
 * Full verification: re-decide every recorded command against the state replayed up to it, and
 * require the rules to give back exactly the recorded events. This is what makes derived facts
 * (vote weights, slashes, reward maps and their hashes) checkable offline, not only the signatures.
 *
 * Fed in log order: each signed command, then every event. The context is rebuilt from the log:
 * the time of the command's first event, the command's hash, the ledger key, the command's issuedAt.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { canonicalize } from '../canonical/jcs.js'
import type { Vertical } from '../decider.js'
import type { SignedCommand } from './command.js'
import type { Envelope } from './envelope.js'

export interface Redecider {
  command(signed: SignedCommand, commandHash: string): RedecideFault | undefined
  event(envelope: Envelope): RedecideFault | undefined
  finish(): RedecideFault | undefined
  /** How many commands were decided again. */
  readonly redecided: number
}

export interface RedecideFault {
  readonly sequence: number
  readonly reason: string
}

interface Pending {
  readonly signed: SignedCommand
  readonly hash: string
  readonly recorded: Envelope[]
}

export function createRedecider<C, E, S, Code extends string>(vertical: Vertical<C, E, S, Code>, ledgerKey: string): Redecider {
  let state = vertical.decider.initialState
  let pending: Pending | undefined
  let redecided = 0

  /** Folds one recorded event; an event of this vertical that does not decode is a fault. */
  const fold = (envelope: Envelope): RedecideFault | undefined => {
    let event: E | undefined
    try {
      event = vertical.parseEvent(envelope.type, envelope.data)
    } catch (error) {
      return { sequence: envelope.sequence, reason: (error as Error).message }
    }
    if (event !== undefined) state = vertical.decider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
    return undefined
  }

  const settle = (): RedecideFault | undefined => {
    const current = pending
    pending = undefined
    if (current === undefined) return undefined
    const first = current.recorded[0]
    if (first === undefined) return undefined
    const fault = compare(current, first)
    redecided++
    if (fault !== undefined) return fault
    for (const envelope of current.recorded) {
      const broken = fold(envelope)
      if (broken !== undefined) return broken
    }
    return undefined
  }

  const compare = (current: Pending, first: Envelope): RedecideFault | undefined => {
    const at = (reason: string) => ({ sequence: first.sequence, reason: `re-deciding ${current.signed.command.type}: ${reason}` })
    const parsed = vertical.parseCommand(current.signed.command)
    if (isLeft(parsed)) return at(`the rules do not accept the command (${parsed.left.code})`)
    const decided = vertical.decider.decide(parsed.right, state, { recordedAt: first.recordedAt, commandHash: current.hash, ledgerKey, issuedAt: current.signed.command.issuedAt })
    if (isLeft(decided)) return at(`the rules now refuse it (${decided.left.code}: ${decided.left.message})`)
    const expected = decided.right.map((event) => vertical.encodeEvent(event))
    if (expected.length !== current.recorded.length) return at(`the rules give ${expected.length} events, the log holds ${current.recorded.length}`)
    for (const [i, want] of expected.entries()) {
      const got = current.recorded[i] as Envelope
      if (want.stream !== got.stream || want.type !== got.type || canonicalize(want.data) !== canonicalize(got.data)) {
        const what = want.type === got.type && want.stream === got.stream ? `other data for ${got.type}` : `${want.type} on ${want.stream}, not the recorded ${got.type} on ${got.stream}`
        return { sequence: got.sequence, reason: `re-deciding ${current.signed.command.type} gives ${what}` }
      }
    }
    return undefined
  }

  return {
    command(signed, commandHash) {
      const fault = settle()
      pending = { signed, hash: commandHash, recorded: [] }
      return fault
    },
    event(envelope) {
      if (envelope.cause.kind === 'command' && envelope.cause.commandHash === pending?.hash) {
        pending.recorded.push(envelope)
        return undefined
      }
      return settle() ?? fold(envelope)
    },
    finish: settle,
    get redecided() {
      return redecided
    },
  }
}
