/**
 * The log replayed in the browser, as `model-ledger verify --full` does it: the lines from
 * GET /v1/log go through the same per-line checks (canonical form, hash, Ed25519 signature by the
 * pinned key, checkpoint note signatures: domain/ledger/line-check.ts), the same chain checks
 * (gapless sequences, hash links, stream versions, commands before their events and never twice,
 * each checkpoint's RFC 9162 root and stream-heads map rebuilt: chain-check.ts), and every command
 * is decided again by the rules (redecide.ts). The read models are folded from the replayed
 * events by the same projections the server runs, so any row the server shows can be compared
 * byte for byte with the row the signed log gives.
 */
import { economy } from '../../../domain/economy/index.js'
import type { SignedCommand } from '../../../domain/ledger/command.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { isAnchor } from '../../../domain/ledger/anchor.js'
import { ChainChecker } from '../../../domain/ledger/chain-check.js'
import { checkLine } from '../../../domain/ledger/line-check.js'
import { createRedecider, type Redecider } from '../../../domain/ledger/redecide.js'
import type { AnyProjection } from '../../../projections/projection.js'
import { readModels } from '../../../projections/read-models/index.js'
import { initialTable, step, type Table } from '../../../projections/table.js'
import type { Api } from './http.js'
import { crypto } from './proofs.js'

/** Lines per request: the API's largest page. */
const PAGE = 1000
/** Beyond this many events the browser stops replaying and says so (use `model-ledger verify`). */
export const MAX_REPLAY = 100_000

export interface ReplayFailure {
  readonly sequence: number | null
  readonly reason: string
}

export interface Folded {
  readonly projection: AnyProjection
  readonly table: Table<unknown>
}

export class Replay {
  readonly events: Envelope[] = []
  readonly commands = new Map<string, SignedCommand>()
  readonly models = new Map<string, Folded>()
  failure: ReplayFailure | undefined
  /** True when the log is longer than MAX_REPLAY and the replay stopped there. */
  truncated = false
  private readonly checker: ChainChecker
  private readonly redecider: Redecider
  private running: Promise<void> = Promise.resolve()

  constructor(
    private readonly api: Api,
    readonly key: string,
    private readonly limit = MAX_REPLAY,
  ) {
    this.checker = new ChainChecker(crypto.sha256, key)
    this.redecider = createRedecider(economy, key)
    for (const projection of readModels) this.models.set(projection.name, { projection, table: initialTable(projection) })
  }

  /** The last sequence replayed and verified. */
  get head(): number {
    return this.events.length
  }

  get redecided(): number {
    return this.redecider.redecided
  }

  get checkpoints(): Envelope[] {
    return this.events.filter(isAnchor)
  }

  /** Replays up to `target` (default: the end of the log as the server has it now). One run at a time. */
  syncTo(target?: number): Promise<void> {
    this.running = this.running.then(() => this.run(target))
    return this.running
  }

  private async run(target: number | undefined): Promise<void> {
    while (this.failure === undefined && (target === undefined || this.head < target)) {
      if (this.head >= this.limit) {
        this.truncated = true
        return
      }
      const want = Math.min(PAGE, (target ?? Number.MAX_SAFE_INTEGER) - this.head, this.limit - this.head)
      const text = await this.api.text(`/v1/log?from=${this.head + 1}&limit=${want}`)
      const lines = text.split('\n')
      if (lines[lines.length - 1] === '') lines.pop()
      const before = this.head
      for (const line of lines) {
        this.accept(line)
        if (this.failure !== undefined) return
      }
      const got = this.head - before
      if (got < want) {
        // The end of the log: every command's events are in (an append is atomic), so the last one is decided again now.
        this.settle()
        if (target !== undefined && this.head < target) this.failure = { sequence: this.head + 1, reason: `the server claims sequence ${target}, but its log ends at ${this.head}` }
        return
      }
    }
  }

  private settle(): void {
    const fault = this.redecider.finish()
    if (fault !== undefined) this.failure = { sequence: fault.sequence, reason: fault.reason }
  }

  private accept(line: string): void {
    const facts = checkLine(line, this.key, crypto)
    const chain = this.checker.accept(facts)
    if (chain !== undefined) {
      this.failure = { sequence: chain.sequence, reason: chain.reason }
      return
    }
    if (facts.kind === 'command') {
      const signed = (JSON.parse(line) as { command: SignedCommand }).command
      this.commands.set(facts.hash, signed)
      const fault = this.redecider.command(signed, facts.hash)
      if (fault !== undefined) this.failure = fault
    } else if (facts.kind === 'event') {
      const event = (JSON.parse(line) as { event: Envelope }).event
      const fault = this.redecider.event(event)
      if (fault !== undefined) {
        this.failure = fault
        return
      }
      this.events.push(event)
      try {
        for (const { projection, table } of this.models.values()) step(projection, table, event)
      } catch (error) {
        this.failure = { sequence: event.sequence, reason: `the read models cannot fold it: ${(error as Error).message}` }
      }
    }
  }
}
