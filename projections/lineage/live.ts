/**
 * The lineage index kept as the log grows (issue #15): one per process. It folds each event once,
 * in order, into the lineage index, the stream-heads map and the list of key rotations, and only
 * up to the latest checkpoint's tree size, since a report is the lineage as of that checkpoint.
 * A report then costs the events since the last one it saw (none, when a follower keeps it up to
 * date), the events its graph cites (read by sequence), the streams they belong to, and their
 * inclusion proofs from the process's one tree index (`Proofs`): not a pass over the log.
 *
 * The bytes are those of `buildLineageReport` (report.ts) at the same checkpoint: both trace the
 * same index folded over the same events and assemble with the same code
 * (test/projections/lineage/live-report.test.ts holds them to it over a growing log).
 *
 * Memory: the index holds one entry per item (identity, proposal, vote, contribution, verdict,
 * job, checkpoint, deployment...), the map one slot and two tree nodes per stream, and the
 * rotations; nothing per event. The tree index is the one proofs already keep (32 bytes per 256
 * events and 64 cached tiles).
 */
import { anchorData, isAnchor, type AnchorData } from '../../domain/ledger/anchor.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { isRotation } from '../../domain/ledger/key-rotation.js'
import { StreamHeads } from '../../domain/ledger/stream-heads.js'
import { nativeSha256 } from '../../infrastructure/crypto/native.js'
import { ProofUnavailable, type Proofs } from '../../infrastructure/proofs/build-proof.js'
import { emptyIndex, indexEnvelope, type LineageIndex } from './index.js'
import { assembleReport, checkHeads, evidenceStreams, proveHeads, traceAt, type LineageQuery, type ReportSource, type Traced } from './report.js'
import type { LineageReport } from './report-format.js'

const PAGE = 1000

export class LiveLineage {
  private index: LineageIndex = emptyIndex()
  private heads: StreamHeads
  private rotations: Envelope[] = []
  /** The last sequence folded in: always a checkpoint's tree size (or 0). */
  private position = 0
  /** Folding and tracing take turns: a trace sees the index at exactly its checkpoint. */
  private turn: Promise<unknown> = Promise.resolve()
  private settleFirst: () => void = () => undefined
  /** Settles when `follow`'s first catch-up has ended, well or not: the index's share of a start. */
  readonly followed: Promise<void> = new Promise<void>((resolve) => (this.settleFirst = resolve))

  /**
   * `proofs` is the process's tree index over the same log (the one its proof routes serve from);
   * `intern`, the store's copy of a stream name (EventStore.streamName), so that the index's
   * stream-heads map does not hold a second copy of every name.
   */
  constructor(
    private readonly source: ReportSource,
    private readonly proofs: Proofs,
    private readonly intern: (stream: string) => string | undefined = () => undefined,
  ) {
    this.heads = this.emptyHeads()
  }

  private emptyHeads(): StreamHeads {
    return new StreamHeads(nativeSha256, (stream) => this.intern(stream) ?? stream)
  }

  /** The tree size the index is folded to. */
  get size(): number {
    return this.position
  }

  /**
   * Folds the events up to the latest checkpoint, and brings the tree index there (for a follower
   * that keeps both warm); no-op without a checkpoint. Returns the tree size reached.
   */
  async catchUp(): Promise<number> {
    return this.exclusive(async () => {
      const at = await this.latest().catch((error: unknown) => {
        if (error instanceof ProofUnavailable) return undefined
        throw error
      })
      if (at === undefined) return this.position
      await this.advance(at.head, at.anchor)
      await this.proofs.indexed(at.anchor.treeSize)
      return this.position
    })
  }

  /** The report for a query as of the latest checkpoint: the same bytes as `buildLineageReport`. */
  async report(query: LineageQuery): Promise<LineageReport> {
    const traced = await this.exclusive(async (): Promise<Traced> => {
      const { head, anchor } = await this.latest()
      await this.advance(head, anchor)
      const graph = await traceAt(this.source, this.index, head, query)
      const proven = proveHeads(this.heads, await evidenceStreams(this.source, graph), anchor.treeSize)
      return { head, treeSize: anchor.treeSize, graph, proven, rotations: this.rotations.slice() }
    })
    return assembleReport(this.source, traced, await this.proofs.indexed(traced.treeSize))
  }

  /**
   * Keeps the index at the latest checkpoint until `signal` aborts: follows the log's tail and
   * folds up to each checkpoint as it commits, so a report finds the index already there.
   */
  async follow(log: Pick<EventStore, 'subscribe'>, signal: AbortSignal): Promise<void> {
    try {
      await this.catchUp()
    } finally {
      this.settleFirst()
    }
    if (signal.aborted) return
    const subscription = log.subscribe(this.position + 1)
    const stop = () => subscription.close()
    signal.addEventListener('abort', stop, { once: true })
    try {
      for await (const envelope of subscription) if (isAnchor(envelope)) await this.catchUp()
    } finally {
      signal.removeEventListener('abort', stop)
      subscription.close()
    }
  }

  private async latest(): Promise<{ head: Envelope; anchor: AnchorData }> {
    const head = await this.proofs.checkpoint()
    const anchor = anchorData(head)
    if (anchor === undefined) throw new Error(`the checkpoint at sequence ${head.sequence} is not of this format`)
    return { head, anchor }
  }

  /** Folds the events after the position up to the checkpoint's tree size and checks the heads it signed. */
  private async advance(head: Envelope, anchor: AnchorData): Promise<void> {
    const size = anchor.treeSize
    if (size === this.position) return
    try {
      if (size < this.position) throw new Error(`checkpoint #${head.sequence} has tree size ${size}, below the ${this.position} already indexed: the store was rewritten`)
      while (this.position < size) {
        const page = await this.source.readRange(this.position + 1, Math.min(PAGE, size - this.position))
        if (page.length === 0) break
        for (const envelope of page) {
          if (envelope.sequence !== this.position + 1) throw new Error(`the store returned sequence ${envelope.sequence} where ${this.position + 1} was expected`)
          if (envelope.sequence > size) break
          indexEnvelope(this.index, envelope)
          this.heads.record(envelope.stream, envelope.streamVersion, envelope.sequence)
          if (isRotation(envelope)) this.rotations.push(envelope)
          this.position = envelope.sequence
        }
      }
      if (this.position !== size) throw new ProofUnavailable(`the log holds ${this.position} events, not the ${size} its checkpoint commits to`)
      checkHeads(this.heads, head, anchor)
    } catch (error) {
      // Partly folded or not what the checkpoint signed: start again from zero next time.
      this.reset()
      throw error
    }
  }

  private reset(): void {
    this.index = emptyIndex()
    this.heads = this.emptyHeads()
    this.rotations = []
    this.position = 0
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work)
    this.turn = run.catch(() => undefined)
    return run
  }
}
