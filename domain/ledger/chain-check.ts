/**
 * The order-dependent half of verification, fed one line's facts at a time: gapless sequences,
 * the hash chain, stream versions, non-decreasing time, commands before the events they cause
 * and never twice, each (actor, nonce) once, checkpoints that commit to exactly the RFC 9162 tree
 * of every event before them and to the stream-heads map at that point, one origin throughout,
 * the anchors an auditor already trusts, and the signing keys: from the trusted key, each event is
 * signed by the key in force, which changes only at a key rotation, right after which comes a
 * checkpoint whose note both keys signed. Memory is constant but for one stream head per
 * stream (its name, version, last sequence and two map hashes) and 27 to 53 bytes a command (its
 * nonce key's hash, 128 bits, and 32 bits of its hash, in an open table), plus the tree's O(log n)
 * right edge.
 */
import { fromHex } from '../crypto/hex.js'
import type { AnchorData } from './anchor.js'
import { ZERO_HASH } from './envelope.js'
import { HashMap128 } from './hash-set.js'
import { KeyChain, type KeyEra } from './key-rotation.js'
import type { EventFacts, LineFacts } from './line-check.js'
import { StreamingRoot, type Sha256 } from './merkle.js'
import { StreamHeads } from './stream-heads.js'

export interface TrustedAnchor {
  readonly sequence: number
  readonly hash: string
}

/**
 * A tree the auditor holds from outside the log: a checkpoint note (perhaps cosigned by witnesses)
 * saying the log's first `size` events have `root`. A log whose tree of that size has another root
 * is a fork of the history the note's signers saw.
 */
export interface TrustedTree {
  readonly size: number
  readonly root: string
  /** Who vouched for it, for the failure message (an origin, witness names). */
  readonly source: string
  /**
   * Whether a ledger key signed it. When given, the key the log has in force right after the
   * tree (at sequence size + 1, where its checkpoint is), followed from the trusted key through
   * the log's rotations, must have: a note signed by a rotated-to key counts once the log proves
   * the chain, and one signed by a retired key does not.
   */
  readonly signedBy?: (key: string) => boolean
}

export interface ChainFailure {
  /** The first sequence that does not hold, or null when the fault is in a line without one. */
  readonly sequence: number | null
  /** The line of the log it is in, counting the header as line 1. */
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
  /** The last checkpoint's tree size and root (size 0 when there is none). */
  readonly checkpoint: { readonly treeSize: number; readonly root: string; readonly origin: string | null }
  /** The signing keys in order, from the trusted one (or the resume point's); the last is in force. */
  readonly keys: readonly KeyEra[]
}

/**
 * Where an earlier verification stopped, to check only the events after it: a checkpoint event
 * that was verified, with its own data (the tree it commits to, whose right edge resumes the
 * tree). Stream versions, the stream-heads map and command replays are then checked within the
 * tail only (a stream first met in the tail starts from the version found); the full check from
 * sequence 1 checks them over the whole log.
 */
export interface ResumePoint {
  readonly sequence: number
  readonly hash: string
  readonly recordedAt: string
  readonly checkpoint: Pick<AnchorData, 'treeSize' | 'rightEdge' | 'origin' | 'root'>
  /** The checkpoint's signer: the key in force at the resume point. */
  readonly signer: string
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
  private readonly heads: StreamHeads
  /**
   * Every command seen, by its (actor, nonce): a command's hash covers its actor and nonce, so a
   * command recorded twice is also a nonce used twice; the first 32 bits of the command hash kept
   * with each nonce tell the two faults apart in the message.
   */
  private readonly seenCommands = new HashMap128()
  private current: PendingCommand | undefined
  private root: StreamingRoot
  private checkpoint: { treeSize: number; root: string; origin: string | null } = { treeSize: 0, root: ZERO_HASH, origin: null }
  private anchors = 0
  /** Lines read so far: the header, which the caller checks, is line 1. */
  private lines = 1
  private failure: ChainFailure | undefined
  private readonly trusted: Map<number, string>
  private readonly resumed: boolean
  private readonly keys: KeyChain
  /** A key rotation whose checkpoint has not come yet. */
  private handover: { readonly sequence: number; readonly previousKey: string } | undefined

  private readonly trustedTrees: Map<number, TrustedTree>

  /** `ledgerKey` is the key the auditor trusts: the one that signs from sequence 1. */
  constructor(sha256: Sha256, ledgerKey: string, trustedAnchors: readonly TrustedAnchor[] = [], resume?: ResumePoint, trustedTrees: readonly TrustedTree[] = []) {
    this.keys = new KeyChain(resume === undefined ? { publicKey: ledgerKey, since: 1 } : { publicKey: resume.signer, since: resume.sequence })
    this.trustedTrees = new Map(trustedTrees.map((tree) => [tree.size, tree]))
    this.root = new StreamingRoot(sha256)
    this.heads = new StreamHeads(sha256)
    this.trusted = new Map(trustedAnchors.map((anchor) => [anchor.sequence, anchor.hash]))
    this.resumed = resume !== undefined
    if (resume !== undefined) {
      const tree = StreamingRoot.resume(resume.checkpoint.treeSize, resume.checkpoint.rightEdge, sha256)
      if (tree === undefined || resume.checkpoint.treeSize !== resume.sequence - 1) throw new RangeError('the resume point is not a checkpoint over the events before it')
      tree.push(fromHex(resume.hash))
      this.root = tree
      this.head = { sequence: resume.sequence, hash: resume.hash }
      this.lastAnchor = { sequence: resume.sequence, hash: resume.hash }
      this.lastRecordedAt = resume.recordedAt
      this.checkpoint = { treeSize: resume.checkpoint.treeSize, root: resume.checkpoint.root, origin: resume.checkpoint.origin }
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
    if (this.failure === undefined && this.handover !== undefined) {
      this.failure = { sequence: this.head.sequence + 1, line: this.lines, reason: `the log ends after the key rotation at sequence ${this.handover.sequence}, without the checkpoint that must follow it` }
    }
    if (this.failure === undefined) {
      const short = [...this.trustedTrees.values()].find((tree) => tree.size > this.head.sequence)
      if (short?.signedBy !== undefined && !this.keys.all.some((era) => short.signedBy?.(era.publicKey) === true)) {
        this.failure = { sequence: this.head.sequence + 1, line: this.lines, reason: `the checkpoint note of size ${short.size} from ${short.source} is beyond the log's ${this.head.sequence} events and carries a signature by none of its keys (${this.keys.all.map((era) => era.publicKey).join(', ')})` }
      } else if (short !== undefined) {
        this.failure = { sequence: this.head.sequence + 1, line: this.lines, reason: `the log ends at sequence ${this.head.sequence}, but ${short.source} signed a tree of ${short.size} events: it was truncated` }
      }
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
        streams: this.heads.count,
        head: { ...this.head },
        lastAnchor: { ...this.lastAnchor },
        unanchored: this.head.sequence - this.lastAnchor.sequence,
        checkpoint: { ...this.checkpoint },
        keys: [...this.keys.all],
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
    const fingerprint = parseInt(facts.hash.slice(0, 8), 16)
    const earlier = this.seenCommands.putIfAbsent(facts.nonceHash, fingerprint)
    if (earlier === fingerprint) return `command ${facts.hash} appears twice: a replayed command`
    if (earlier !== undefined) return `command ${facts.hash} reuses nonce ${JSON.stringify(facts.nonce)} of actor ${facts.actor}: a replayed nonce`
    this.current = { hash: facts.hash, actor: facts.actor, signature: facts.signature, used: false }
    return undefined
  }

  private checkEvent(e: EventFacts): string | undefined {
    if (e.sequence !== this.head.sequence + 1) return `expected sequence ${this.head.sequence + 1}, found ${e.sequence}`
    if (e.prevHash !== this.head.hash) return `prevHash does not link to sequence ${this.head.sequence}`
    const keyFault = this.checkKey(e)
    if (keyFault !== undefined) return keyFault
    const known = this.heads.version(e.stream)
    const version = known === 0 && this.resumed ? e.streamVersion : known + 1
    if (e.streamVersion !== version) return `stream ${e.stream} expected version ${version}, found ${e.streamVersion}`
    if (e.recordedAt < this.lastRecordedAt) return `recordedAt ${e.recordedAt} is earlier than the previous event's ${this.lastRecordedAt}`
    const causeFault = this.checkCause(e)
    if (causeFault !== undefined) return causeFault
    const trusted = this.trusted.get(e.sequence)
    if (trusted !== undefined && trusted !== e.hash) return `differs from the trusted anchor held for sequence ${e.sequence}: the log was rewritten`
    if (e.anchor !== null) {
      const anchorFault = this.checkAnchor(e, e.anchor)
      if (anchorFault !== undefined) return anchorFault
    }
    this.root.push(fromHex(e.hash))
    const held = this.trustedTrees.get(this.root.size)
    if (held !== undefined && held.root !== this.root.root()) {
      return `the log's tree of ${held.size} events has root ${this.root.root()}, but ${held.source} signed root ${held.root} for that size: this log is a fork of the history they saw`
    }
    if (held?.signedBy !== undefined) {
      const signing = e.rotation?.newKey ?? this.keys.current.publicKey
      if (!held.signedBy(signing)) return `the checkpoint note of size ${held.size} from ${held.source} carries no signature by ${signing}, the ledger key in force at its checkpoint (sequence ${held.size + 1}) by the chain of keys from the trusted one`
    }
    this.heads.record(e.stream, version, e.sequence)
    if (e.anchor !== null) this.lastAnchor = { sequence: e.sequence, hash: e.hash }
    if (e.anchor !== null) this.handover = undefined
    if (e.rotation !== null) {
      this.keys.follow(e.sequence, e.rotation)
      this.handover = { sequence: e.sequence, previousKey: e.rotation.previousKey }
    }
    this.head = { sequence: e.sequence, hash: e.hash }
    this.lastRecordedAt = e.recordedAt
    return undefined
  }

  /**
   * The signer must be the key in force; a rotation must hand over from it to a key not used
   * before; the event after a rotation must be a checkpoint whose note the outgoing key signed too
   * (the line check already holds every note signature valid and one of them the signer's).
   */
  private checkKey(e: EventFacts): string | undefined {
    const current = this.keys.current
    if (e.signer !== current.publicKey) {
      return `signed by ${e.signer}, which is not the ledger key ${current.publicKey}${current.since > 1 ? ` (in force since sequence ${current.since})` : ''}`
    }
    const handover = this.handover
    if (handover !== undefined) {
      if (e.anchor === null) return `the key rotation at sequence ${handover.sequence} must be followed directly by a checkpoint signed by both keys`
      if (!e.anchor.signatures.some((entry) => entry.key === handover.previousKey)) {
        return `the checkpoint after the key rotation at sequence ${handover.sequence} is not signed by the outgoing key ${handover.previousKey}`
      }
    }
    return e.rotation === null ? undefined : this.keys.check(e.sequence, e.rotation)
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

  private checkAnchor(e: EventFacts, anchor: AnchorData): string | undefined {
    if (this.lastAnchor.sequence === e.sequence - 1) return 'a checkpoint must follow at least one event after the previous checkpoint'
    if (anchor.treeSize !== e.sequence - 1) return `checkpoint commits to a tree of ${anchor.treeSize} entries; it must cover the ${e.sequence - 1} events before it`
    if (this.checkpoint.origin !== null && anchor.origin !== this.checkpoint.origin) return `checkpoint origin ${JSON.stringify(anchor.origin)} differs from the log's ${JSON.stringify(this.checkpoint.origin)}`
    if (this.root.root() !== anchor.root) return 'checkpoint root does not match the tree of the events before it'
    const edge = this.root.rightEdge()
    if (edge.length !== anchor.rightEdge.length || edge.some((hash, i) => hash !== anchor.rightEdge[i])) return "checkpoint's right edge does not match the tree"
    const streams = this.heads.commit()
    // A resumed check saw only the tail's streams, so it cannot rebuild the map; the full check does.
    if (!this.resumed && (streams.count !== anchor.streams.count || streams.root !== anchor.streams.root)) {
      return `checkpoint's stream-heads map (${anchor.streams.count} streams) does not match the log's ${streams.count} streams`
    }
    this.checkpoint = { treeSize: anchor.treeSize, root: anchor.root, origin: anchor.origin }
    this.anchors++
    return undefined
  }
}
