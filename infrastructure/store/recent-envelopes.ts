/**
 * The envelopes this process committed last, for the readers in the same process.
 *
 * Every read model, the lineage index and the proofs index follow the log; each used to read back
 * from the backend, and parse, every event the sequencer had just committed: a dozen reads and
 * parses of the same event. The sequencer now records each committed batch here, as the canonical
 * text it stored, and readers take what they can from here: each envelope is parsed once, on first
 * read, and shared, frozen (deeply), so no reader can change what another sees.
 *
 * The window holds consecutive sequences only, each exactly as committed (a batch is recorded only
 * once it is durable). A batch that does not follow the last one recorded (another process wrote
 * in between, on shared storage) starts the window again; anything outside it is read from the
 * backend. It holds at most `capacity` envelopes.
 */
import type { Envelope } from '../../domain/ledger/envelope.js'
import { deepFreeze } from '../deep-freeze.js'

export class RecentEnvelopes {
  private readonly texts: (string | undefined)[]
  private readonly parsed: (Envelope | undefined)[]
  /** The first and last sequence held; none when last < first. */
  private first = 1
  private last = 0

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('the window holds at least one envelope')
    this.texts = new Array<string | undefined>(capacity)
    this.parsed = new Array<Envelope | undefined>(capacity)
  }

  /** The last sequence held (0 when empty). */
  get lastSequence(): number {
    return this.last >= this.first ? this.last : 0
  }

  /** Records envelopes committed at `firstSequence`, `firstSequence + 1`, …, as their stored texts. */
  add(firstSequence: number, texts: readonly string[]): void {
    if (texts.length === 0) return
    if (this.last < this.first || firstSequence !== this.last + 1) {
      this.first = firstSequence
      this.last = firstSequence - 1
    }
    for (const text of texts) {
      this.last++
      const slot = this.last % this.capacity
      this.texts[slot] = text
      this.parsed[slot] = undefined
    }
    if (this.last - this.first + 1 > this.capacity) this.first = this.last - this.capacity + 1
  }

  /** Up to `limit` envelopes from `from` on, as far as the window reaches (none when `from` is outside it). */
  slice(from: number, limit: number): Envelope[] {
    if (from < this.first || from > this.last) return []
    const to = Math.min(this.last, from + limit - 1)
    const out: Envelope[] = []
    for (let sequence = from; sequence <= to; sequence++) {
      const slot = sequence % this.capacity
      let envelope = this.parsed[slot]
      if (envelope === undefined) {
        envelope = deepFreeze(JSON.parse(this.texts[slot] as string) as Envelope)
        this.parsed[slot] = envelope
      }
      out.push(envelope)
    }
    return out
  }

  clear(): void {
    this.first = 1
    this.last = 0
    this.texts.fill(undefined)
    this.parsed.fill(undefined)
  }
}
