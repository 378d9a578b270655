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
import { Map as IMap, Set as ISet } from 'immutable'

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

/** An empty persistent map, for new states. */
export function emptyMap<K, V>(): ReadonlyMap<K, V> {
  return IMap<K, V>()
}
