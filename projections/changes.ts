/**
 * A scratch pad for one `apply`: reads see the edits made so far in this event (an account can be
 * both the delegator and the delegate), and the edits come out as the event's row changes.
 *
 * A small class rather than a closure bag: one is made per event, and prototype methods spare a
 * rebuild five closure allocations per event.
 */
import type { Envelope } from '../domain/ledger/envelope.js'
import type { RowChange, RowReader } from './projection.js'

export class ChangeSet<V> implements RowReader<V> {
  private readonly edits = new Map<string, V | null>()

  constructor(private readonly state: RowReader<V>) {}

  get(key: string): V | undefined {
    const edited = this.edits.get(key)
    if (edited === undefined) return this.state.get(key)
    return edited === null ? undefined : edited
  }

  set(key: string, value: V): void {
    this.edits.set(key, value)
  }

  remove(key: string): void {
    this.edits.set(key, null)
  }

  /** Reads a row, changes it, and writes it back; `fallback` when it does not exist yet. */
  update(key: string, fallback: () => V, change: (value: V) => V): void {
    this.edits.set(key, change(this.get(key) ?? fallback()))
  }

  changes(): RowChange<V>[] {
    const out: RowChange<V>[] = []
    for (const [key, value] of this.edits) out.push({ key, value })
    return out
  }
}

/** An `apply` for a projection whose events edit several rows: each event gets a fresh change set. */
export function applyWith<V, E>(edit: (rows: ChangeSet<V>, event: E, envelope: Envelope) => void): (state: RowReader<V>, event: E, envelope: Envelope) => RowChange<V>[] {
  return (state, event, envelope) => {
    const rows = new ChangeSet(state)
    edit(rows, event, envelope)
    return rows.changes()
  }
}
