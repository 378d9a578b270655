/**
 * A scratch pad for one `apply`: reads see the edits made so far in this event (an account can be
 * both the delegator and the delegate), and the edits come out as the event's row changes.
 */
import type { RowChange, RowReader } from './projection.js'

export interface ChangeSet<V> extends RowReader<V> {
  set(key: string, value: V): void
  remove(key: string): void
  /** Reads a row, changes it, and writes it back; `fallback` when it does not exist yet. */
  update(key: string, fallback: () => V, change: (value: V) => V): void
  changes(): RowChange<V>[]
}

export function changeSet<V>(state: RowReader<V>): ChangeSet<V> {
  const edits = new Map<string, V | null>()
  const get = (key: string): V | undefined => {
    const edited = edits.get(key)
    if (edited === undefined) return state.get(key)
    return edited === null ? undefined : edited
  }
  return {
    get,
    set: (key, value) => void edits.set(key, value),
    remove: (key) => void edits.set(key, null),
    update: (key, fallback, change) => void edits.set(key, change(get(key) ?? fallback())),
    changes: () => [...edits].map(([key, value]) => ({ key, value })),
  }
}
