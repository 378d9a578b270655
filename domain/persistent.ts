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
import { List as IList, Map as IMap, OrderedMap as IOrderedMap, OrderedSet as IOrderedSet, Set as ISet } from 'immutable'

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

/**
 * For the state snapshot codec (domain/snapshot/): which persistent collection a value is, and
 * how to rebuild one that iterates, and goes on iterating after later updates, exactly as the
 * original does.
 *
 * Immutable's List and OrderedMap/OrderedSet iterate in an order their operations define. Its
 * Map and Set do not: up to 8 entries a map keeps them in one array, in insertion order (a delete
 * moves the last entry into the hole); the ninth turns it into a hash trie, which iterates in the
 * order of the keys' hashes and stays a trie however small it shrinks again. So two maps with the
 * same entries in the same order can differ in where the next key goes, and a restored map must
 * know which layout it had: `hashOrdered`. That reads Immutable's private root node (checked on
 * first use, and pinned by test/domain/persistent.test.ts), because no public API tells.
 */
export type PersistentKind = 'map' | 'ordered-map' | 'set' | 'ordered-set' | 'list'

export function persistentKind(value: unknown): PersistentKind | undefined {
  if (IOrderedMap.isOrderedMap(value)) return 'ordered-map'
  if (IMap.isMap(value)) return 'map'
  if (IOrderedSet.isOrderedSet(value)) return 'ordered-set'
  if (ISet.isSet(value)) return 'set'
  if (IList.isList(value)) return 'list'
  return undefined
}

const rootOf = (map: unknown): object | undefined => (map as { _root?: object })._root
const mapOfSet = (set: unknown): unknown => (set as { _map?: unknown })._map

let arrayNode: object | null | undefined

/**
 * The prototype of the small maps' array node, found from a map known to have one; checked on
 * first use (so a changed `immutable` fails snapshots, loudly, and nothing else).
 */
function arrayNodePrototype(): object | null {
  if (arrayNode !== undefined) return arrayNode
  const small = rootOf(IMap([[0, 0]]))
  const large = rootOf(IMap(Array.from({ length: 9 }, (_, i) => [i, i] as [number, number])))
  const array = small === undefined ? undefined : (Object.getPrototypeOf(small) as object | null)
  if (array === undefined || large === undefined || Object.getPrototypeOf(large) === array) throw new Error('immutable: the Map layout is not the one domain/persistent.ts knows; snapshots cannot record it')
  arrayNode = array
  return array
}

/** Whether an Immutable Map (or Set) iterates in hash order (true) or insertion order (false: empty or small). */
export function hashOrdered(collection: unknown): boolean {
  const map = ISet.isSet(collection) ? mapOfSet(collection) : collection
  const root = rootOf(map)
  return root !== undefined && Object.getPrototypeOf(root) !== arrayNodePrototype()
}

/** Keys no state holds, added and removed again to turn a small map into a hash trie. */
const pad = (i: number): string => `\u0000persistent-pad-${i}`

/** An Immutable Map with these entries, iterating in this order, in the given layout. */
export function restoreMap<K, V>(entries: readonly (readonly [K, V])[], byHash: boolean): ReadonlyMap<K, V> {
  return restoreMapFrom(entries.map((e) => e[0]), entries.map((e) => e[1]), byHash)
}

/** As restoreMap, from the keys and the values in two arrays of one length (no array per entry). */
export function restoreMapFrom<K, V>(keys: readonly K[], values: readonly V[], byHash: boolean): ReadonlyMap<K, V> {
  if (!byHash && keys.length > 8) throw new Error('an insertion-ordered Immutable Map holds at most 8 entries')
  return IMap<K, V>().withMutations((m) => {
    for (let i = 0; i < keys.length; i++) m.set(keys[i] as K, values[i] as V)
    if (!byHash || m.size > 8) return
    const pads: string[] = []
    for (let i = 0; m.size <= 8; i++) {
      if (m.has(pad(i) as K)) continue
      pads.push(pad(i))
      m.set(pad(i) as K, undefined as V)
    }
    for (const key of pads) m.delete(key as K)
  })
}

export function restoreSet<T>(values: readonly T[], byHash: boolean): ReadonlySet<T> {
  if (!byHash && values.length > 8) throw new Error('an insertion-ordered Immutable Set holds at most 8 values')
  return ISet<T>().withMutations((s) => {
    for (const v of values) s.add(v)
    if (!byHash || s.size > 8) return
    const pads: string[] = []
    for (let i = 0; s.size <= 8; i++) {
      if (s.has(pad(i) as T)) continue
      pads.push(pad(i))
      s.add(pad(i) as T)
    }
    for (const value of pads) s.delete(value as T)
  }) as unknown as ReadonlySet<T>
}

export function restoreOrderedMap<K, V>(entries: readonly (readonly [K, V])[]): ReadonlyMap<K, V> {
  return restoreOrderedMapFrom(entries.map((e) => e[0]), entries.map((e) => e[1]))
}

/** As restoreOrderedMap, from the keys and the values in two arrays of one length. */
export function restoreOrderedMapFrom<K, V>(keys: readonly K[], values: readonly V[]): ReadonlyMap<K, V> {
  return IOrderedMap<K, V>().withMutations((m) => {
    for (let i = 0; i < keys.length; i++) m.set(keys[i] as K, values[i] as V)
  })
}

export function restoreOrderedSet<T>(values: readonly T[]): ReadonlySet<T> {
  return IOrderedSet<T>(values) as unknown as ReadonlySet<T>
}

export function restoreList<T>(values: readonly T[]): ReadonlyList<T> {
  return IList<T>(values)
}
