/**
 * The order-dependent half of verification, fed one line's facts at a time: gapless sequences,
 * the hash chain, stream versions, non-decreasing time, commands before the events they cause
 * and never twice, each (actor, nonce) once, anchors over exactly the events since the previous
 * anchor, and the anchors an auditor already trusts. Memory is constant but for one version per
 * stream and 64 bytes a command (its hash and its nonce key's hash, 128 bits each, in open tables).
 */
import { fromHex } from '../crypto/hex.js'
import { ZERO_HASH } from './envelope.js'
import { HashSet128 } from './hash-set.js'
import type { EventFacts, LineFacts } from './line-check.js'
import { StreamingRoot, type Sha256 } from './merkle.js'

export interface TrustedAnchor {
  readonly sequence: number
  readonly hash: string
}

export interface ChainFailure {
  /** The first sequence that does not hold, or null when the fault is in a line without one. */
  readonly sequence: number | null
  readonly line: number
  readonly reason: string
}

export interface ChainSummary {
  readonly events: number
  readonly commands: number
  readonly anchors: number
  readonly streams: number
  readonly head: { readonly sequence: number; readonly hash: string }
  readonly lastAnchor: { readonly sequence: number; readonly hash: string }
  /** Events after the last anchor: signed and chained, but not yet under any anchor. */
  readonly unanchored: number
}

/**
 * Where an earlier verification stopped, to check only the events after it: an anchor event that
 * was verified (so nothing after it is under a later anchor yet). Stream versions and command
 * replays are then checked within the tail only (a stream first met in the tail starts from the
 * version found); the full check from sequence 1 checks them over the whole log.
 */
export interface ResumePoint {
  readonly sequence: number
  readonly hash: string
  readonly recordedAt: string
}

interface PendingCommand {
  readonly hash: string
  readonly actor: string
  readonly signature: string
  used: boolean
}

export class ChainChecker {
  private head = { sequence: 0, hash: ZERO_HASH }
  private lastRecordedAt = ''
  private lastAnchor = { sequence: 0, hash: ZERO_HASH }
  private readonly versions = new Map<string, number>()
  private readonly seenCommands = new HashSet128()
  private readonly seenNonces = new HashSet128()
  private current: PendingCommand | undefined
  private readonly root: StreamingRoot
  private anchors = 0
  private lines = 0
  private failure: ChainFailure | undefined
  private readonly trusted: Map<number, string>
  private readonly resumed: boolean

  constructor(sha256: Sha256, trustedAnchors: readonly TrustedAnchor[] = [], resume?: ResumePoint) {
    this.root = new StreamingRoot(sha256)
    this.trusted = new Map(trustedAnchors.map((anchor) => [anchor.sequence, anchor.hash]))
    this.resumed = resume !== undefined
    if (resume !== undefined) {
      this.head = { sequence: resume.sequence, hash: resume.hash }
      this.lastAnchor = { sequence: resume.sequence, hash: resume.hash }
      this.lastRecordedAt = resume.recordedAt
    }
  }

  get linesChecked(): number {
    return this.lines
  }

  get verifiedEvents(): number {
    return this.head.sequence
  }

  /** Feeds the next line's facts; returns the first failure, which sticks. */
  accept(facts: LineFacts): ChainFailure | undefined {
    if (this.failure !== undefined) return this.failure
    this.lines++
    const reason = this.check(facts)
    if (reason !== undefined) {
      // A fault in a line without a sequence (a command) is reported at the sequence it precedes.
      const sequence = facts.kind === 'event' || facts.kind === 'bad' ? facts.sequence : null
      this.failure = { sequence: sequence ?? this.head.sequence + 1, line: this.lines, reason }
    }
    return this.failure
  }

  /** Ends the log: the failures that only the end reveals, and the summary. */
  finish(): { failure: ChainFailure | undefined; summary: ChainSummary } {
    if (this.failure === undefined && this.current !== undefined && !this.current.used) {
      this.failure = { sequence: this.head.sequence + 1, line: this.lines, reason: `command ${this.current.hash} caused no event` }
    }
    if (this.failure === undefined) {
      const beyond = [...this.trusted.keys()].filter((sequence) => sequence > this.head.sequence)
      if (beyond.length > 0) {
        this.failure = {
          sequence: this.head.sequence + 1,
          line: this.lines,
          reason: `the log ends at sequence ${this.head.sequence}, before the trusted anchor at ${Math.min(...beyond)}: it was truncated`,
        }
      }
    }
    return {
      failure: this.failure,
      summary: {
        events: this.head.sequence,
        commands: this.seenCommands.size,
        anchors: this.anchors,
        streams: this.versions.size,
        head: { ...this.head },
        lastAnchor: { ...this.lastAnchor },
        unanchored: this.root.size,
      },
    }
  }

  private check(facts: LineFacts): string | undefined {
    switch (facts.kind) {
      case 'bad':
        return facts.reason
      case 'header':
        return 'a header may only be the first line'
      case 'command':
        return this.checkCommand(facts)
      case 'event':
        return this.checkEvent(facts)
    }
  }

  private checkCommand(facts: { hash: string; actor: string; signature: string; nonceHash: string; nonce: string }): string | undefined {
    if (this.current !== undefined && !this.current.used) return `command ${this.current.hash} caused no event`
    if (!this.seenCommands.add(facts.hash)) return `command ${facts.hash} appears twice: a replayed command`
    if (!this.seenNonces.add(facts.nonceHash)) return `command ${facts.hash} reuses nonce ${JSON.stringify(facts.nonce)} of actor ${facts.actor}: a replayed nonce`
    this.current = { hash: facts.hash, actor: facts.actor, signature: facts.signature, used: false }
    return undefined
  }

  private checkEvent(e: EventFacts): string | undefined {
    if (e.sequence !== this.head.sequence + 1) return `expected sequence ${this.head.sequence + 1}, found ${e.sequence}`
    if (e.prevHash !== this.head.hash) return `prevHash does not link to sequence ${this.head.sequence}`
    const known = this.versions.get(e.stream)
    const version = known === undefined && this.resumed ? e.streamVersion : (known ?? 0) + 1
    if (e.streamVersion !== version) return `stream ${e.stream} expected version ${version}, found ${e.streamVersion}`
    if (e.recordedAt < this.lastRecordedAt) return `recordedAt ${e.recordedAt} is earlier than the previous event's ${this.lastRecordedAt}`
    const causeFault = this.checkCause(e)
    if (causeFault !== undefined) return causeFault
    const trusted = this.trusted.get(e.sequence)
    if (trusted !== undefined && trusted !== e.hash) return `differs from the trusted anchor held for sequence ${e.sequence}: the log was rewritten`
    if (e.anchor !== null) {
      const anchorFault = this.checkAnchor(e)
      if (anchorFault !== undefined) return anchorFault
    } else {
      this.root.push(fromHex(e.hash))
    }
    this.versions.set(e.stream, version)
    this.head = { sequence: e.sequence, hash: e.hash }
    this.lastRecordedAt = e.recordedAt
    return undefined
  }

  private checkCause(e: EventFacts): string | undefined {
    const command = this.current
    if (e.commandHash === null) {
      if (command !== undefined && !command.used) return `command ${command.hash} caused no event`
      this.current = undefined
      return undefined
    }
    if (command === undefined || command.hash !== e.commandHash) return `cites command ${e.commandHash}, which does not come just before it`
    if (command.actor !== e.causeActor || command.signature !== e.causeSignature) return 'its cause does not match the command it cites'
    command.used = true
    return undefined
  }

  private checkAnchor(e: EventFacts): string | undefined {
    const anchor = e.anchor
    if (anchor === null) return undefined
    if (anchor.prevAnchorSequence !== this.lastAnchor.sequence || anchor.prevAnchorHash !== this.lastAnchor.hash) {
      return `anchor does not link to the previous anchor at sequence ${this.lastAnchor.sequence}`
    }
    if (anchor.fromSequence !== this.lastAnchor.sequence + 1 || anchor.toSequence !== e.sequence - 1) {
      return `anchor covers ${anchor.fromSequence}..${anchor.toSequence}; it must cover ${this.lastAnchor.sequence + 1}..${e.sequence - 1}`
    }
    if (this.root.size === 0) return 'anchor over no events'
    if (this.root.root() !== anchor.root) return 'anchor root does not match the events it covers'
    this.root.reset()
    this.lastAnchor = { sequence: e.sequence, hash: e.hash }
    this.anchors++
    return undefined
  }
}
