/**
 * Persistent maps and sets for the folds. Every evolve returns a new state and keeps the old one
 * valid (a decision sees the state before it; tests compare before and after), so an update must
 * not mutate. Copying a whole Map per event made one event's fold cost grow with the number of
 * accounts, contributions or jobs; these updates share structure instead (a hash array mapped
 * trie, from the `immutable` library), so one costs O(log32 n): flat in practice at millions.
 *
 * The state's types stay `ReadonlyMap` and `ReadonlySet`: readers never see the difference, and a
 * plain Map (an initial state, a test fixture) is taken over on its first update.
 */
import { List as IList, Map as IMap, OrderedMap as IOrderedMap, Set as ISet } from 'immutable'

function persistentMap<K, V>(map: ReadonlyMap<K, V>): IMap<K, V> {
  return IMap.isMap(map) ? (map as IMap<K, V>) : IMap(map as Iterable<[K, V]>)
}

function persistentSet<T>(set: ReadonlySet<T>): ISet<T> {
  return ISet.isSet(set) ? (set as ISet<T>) : ISet(set)
}

/** The map with `key` set to `value`; the given map is unchanged. */
export function put<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  return persistentMap(map).set(key, value)
}

/** The map without `key`; the given map is unchanged. */
export function remove<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  return map.has(key) ? persistentMap(map).delete(key) : map
}

/** The set with `value` added; the given set is unchanged. */
export function include<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  return set.has(value) ? set : (persistentSet(set).add(value) as unknown as ReadonlySet<T>)
}


/** What `edit` hands its change: the usual Map operations on a draft of the map. */
export interface MapDraft<K, V> {
  get(key: K): V | undefined
  set(key: K, value: V): void
  delete(key: K): void
}

/**
 * Several updates to one map at once (one new map, however many keys change). `ordered` keeps
 * keys in insertion order, for maps a rule walks oldest first.
 */
export function edit<K, V>(map: ReadonlyMap<K, V>, change: (draft: MapDraft<K, V>) => void, options: { ordered?: boolean } = {}): ReadonlyMap<K, V> {
  const base = options.ordered === true ? (IOrderedMap.isOrderedMap(map) ? (map as IOrderedMap<K, V>) : IOrderedMap(map as Iterable<[K, V]>)) : persistentMap(map)
  return base.withMutations((m) => {
    change({
      get: (key) => m.get(key),
      set: (key, value) => void m.set(key, value),
      delete: (key) => void m.delete(key),
    })
  })
}

/** An append-mostly list that shares structure between versions: `get` and `size` as Immutable's List. */
export interface ReadonlyList<T> extends Iterable<T> {
  readonly size: number
  get(index: number): T | undefined
}

export function emptyList<T>(): ReadonlyList<T> {
  return IList<T>()
}

function persistentList<T>(list: ReadonlyList<T>): IList<T> {
  return IList.isList(list) ? (list as IList<T>) : IList(list)
}

/** The list with `item` at the end, replacing the last item instead when `replaceLast` holds. */
export function append<T>(list: ReadonlyList<T>, item: T, replaceLast = false): ReadonlyList<T> {
  const base = persistentList(list)
  return (replaceLast && base.size > 0 ? base.pop() : base).push(item)
}
