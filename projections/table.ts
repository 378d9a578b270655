/**
 * The working state of one projection in memory: its rows, and which of them changed since the
 * last write. The runner folds a batch here, then writes only the changed rows with the checkpoint.
 */
import { canonicalize } from '../domain/canonical/jcs.js'
import type { JsonValue } from '../domain/json.js'
import type { Envelope } from '../domain/ledger/envelope.js'
import { wants, type Projection, type RowChange, type RowReader } from './projection.js'

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
  for (const change of changes) {
    const added = change.value !== null && !table.rows.has(change.key)
    const removed = change.value === null && table.rows.delete(change.key)
    if (change.value !== null) table.rows.set(change.key, change.value)
    if (added || removed) keyVersions.set(table.rows, (keyVersions.get(table.rows) ?? 0) + 1)
    table.dirty.add(change.key)
  }
}

/**
 * The keys of a table's rows in order, kept until a key is added or removed (a row whose value
 * changes keeps its place): a page of a read model is a binary search and a slice, not a sort of
 * every key, as long as no row came or went since the last page.
 */
const keyVersions = new WeakMap<ReadonlyMap<string, unknown>, number>()
const sortedCache = new WeakMap<ReadonlyMap<string, unknown>, { readonly version: number; readonly keys: readonly string[] }>()

export function sortedKeys(rows: ReadonlyMap<string, unknown>): readonly string[] {
  const version = keyVersions.get(rows) ?? 0
  const hit = sortedCache.get(rows)
  if (hit !== undefined && hit.version === version) return hit.keys
  const keys = [...rows.keys()].sort(compareKeys)
  sortedCache.set(rows, { version, keys })
  return keys
}

/** The first index whose key is greater than `key` (or at least `key`, when `inclusive`). */
function lowerBound(keys: readonly string[], key: string, inclusive: boolean): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const k = keys[mid] as string
    if (k < key || (!inclusive && k === key)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Up to `limit` keys with the prefix, in order, after the cursor key; and whether more follow. */
export function keysPage(rows: ReadonlyMap<string, unknown>, prefix: string, after: string | undefined, limit: number): { keys: string[]; more: boolean } {
  const keys = sortedKeys(rows)
  let i = after !== undefined && after >= prefix ? lowerBound(keys, after, false) : lowerBound(keys, prefix, true)
  const page: string[] = []
  for (; i < keys.length && page.length <= limit; i++) {
    const key = keys[i] as string
    if (!key.startsWith(prefix)) break
    page.push(key)
  }
  return { keys: page.slice(0, limit), more: page.length > limit }
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
