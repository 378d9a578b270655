/**
 * The working state of one projection in memory: its rows, and which of them changed since the
 * last write. The runner folds a batch here, then writes only the changed rows with the checkpoint.
 */
import { canonicalize } from '../domain/canonical/jcs.js'
import type { JsonValue } from '../domain/json.js'
import type { Envelope } from '../domain/ledger/envelope.js'
import { wants, type Projection, type RowChange, type RowReader } from './projection.js'
import { SortedKeys } from './sorted-keys.js'

export interface Table<V> extends RowReader<V> {
  readonly rows: Map<string, V>
  /** Keys changed since the last `takeChanges`. */
  readonly dirty: Set<string>
}

/** A stored row: its key and its value as JCS text (null when the row was removed). */
export interface StoredRow {
  readonly key: string
  readonly json: string
}
export interface StoredChange {
  readonly key: string
  readonly json: string | null
}

export function createTable<V>(entries: Iterable<readonly [string, V]> = []): Table<V> {
  const rows = new Map<string, V>(entries)
  return { rows, dirty: new Set(), get: (key) => rows.get(key) }
}

/** A table holding a projection's initial rows, all of them to be written. */
export function initialTable<V, E>(projection: Projection<V, E>): Table<V> {
  const table = createTable<V>()
  patch(table, projection.init)
  return table
}

export function patch<V>(table: Table<V>, changes: readonly RowChange<V>[]): void {
  const index = indexes.get(table.rows)
  for (const change of changes) {
    const added = change.value !== null && !table.rows.has(change.key)
    const removed = change.value === null && table.rows.delete(change.key)
    if (change.value !== null) table.rows.set(change.key, change.value)
    if (added) index?.add(change.key)
    if (removed) index?.remove(change.key)
    table.dirty.add(change.key)
  }
}

/**
 * Each paged table's keys in order (sorted-keys.ts), made at its first page and kept up to date by
 * `patch` from then on: a page is a binary search and a short walk, even while rows come and go.
 * A map that is never paged has none. Rows are changed only through `patch`.
 */
const indexes = new WeakMap<ReadonlyMap<string, unknown>, SortedKeys>()

/** Up to `limit` keys with the prefix, in order, after the cursor key; and whether more follow. */
export function keysPage(rows: ReadonlyMap<string, unknown>, prefix: string, after: string | undefined, limit: number): { keys: string[]; more: boolean } {
  let index = indexes.get(rows)
  if (index === undefined) {
    index = new SortedKeys(rows.keys())
    indexes.set(rows, index)
  }
  return index.page(prefix, after, limit)
}

/** Applies one envelope if the projection wants it; returns whether it did. */
export function step<V, E>(projection: Projection<V, E>, table: Table<V>, envelope: Envelope): boolean {
  if (!wants(projection.filter, envelope)) return false
  patch(table, projection.apply(table, projection.filter.decode(envelope), envelope))
  return true
}

/** The changed rows as canonical text, and forgets them: what one commit writes. */
export function takeChanges<V, E>(projection: Projection<V, E>, table: Table<V>): StoredChange[] {
  const changes: StoredChange[] = []
  for (const key of table.dirty) {
    const value = table.rows.get(key)
    changes.push({ key, json: value === undefined ? null : canonicalize(projection.encode(value)) })
  }
  table.dirty.clear()
  return changes
}

/** Every row as canonical text, sorted by key (UTF-16 order, as JCS sorts): the byte form of a read model. */
export function storedRows<V, E>(projection: Projection<V, E>, table: Table<V>): StoredRow[] {
  const keys = [...table.rows.keys()].sort(compareKeys)
  return keys.map((key) => ({ key, json: canonicalize(projection.encode(table.rows.get(key) as V)) }))
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function tableFromStored<V, E>(projection: Projection<V, E>, rows: Iterable<StoredRow>): Table<V> {
  const entries: [string, V][] = []
  for (const row of rows) entries.push([row.key, projection.decode(JSON.parse(row.json) as JsonValue)])
  return createTable(entries)
}
