/**
 * The state snapshot codec (docs/snapshots.md): a folded state as canonical JSON bytes and back,
 * so that the restored state is the same value of the same kinds, iterating in the same order
 * now and after every later update, and decides exactly as the state replayed from the log.
 *
 * Every value becomes JSON: strings, finite numbers (not -0), booleans and null as themselves;
 * anything else as an array whose first element is a one-letter tag (the table in
 * docs/snapshots.md). Maps, sets and lists keep their iteration order; a plain object's members
 * are written sorted, as RFC 8785 sorts them. No JSON object appears inside a state, so the
 * canonical form (RFC 8785) is fixed by the value alone. The document around it is one JSON object whose members are written
 * in RFC 8785 order.
 *
 * Encoding is resumable: `snapshotChunks` hands out the bytes a chunk at a time, so a service can
 * write a large snapshot between other work. The states are persistent values, so the one being
 * written never changes underneath.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../crypto/hex.js'
import { hashOrdered, persistentKind, restoreList, restoreMapFrom, restoreOrderedMapFrom, restoreOrderedSet, restoreSet } from '../persistent.js'

export const SNAPSHOT_FORMAT = 'model-ledger/state-snapshot@1'

/** What a snapshot holds: the fold of the log up to `sequence`, whose envelope hashes to `headHash`. */
export interface SnapshotDocument<S> {
  readonly format: typeof SNAPSHOT_FORMAT
  /** The ledger's id (its genesis key, hex). */
  readonly ledger: string
  /** The vertical whose fold this is (its `name`). */
  readonly vertical: string
  readonly sequence: number
  readonly headHash: string
  /**
   * The software that folded it (`model-ledger@<version>`): rules change between versions, and a
   * fold by other rules is not this software's fold of the log.
   */
  readonly software: string
  readonly state: S
  /** The version of every stream the vertical's events were written to, in the order first seen. */
  readonly streams: ReadonlyMap<string, number>
}

export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError'
}

/** The tags (docs/snapshots.md, "Values"). */
const T = {
  undefined: 'u',
  bigint: 'n',
  number: 'f',
  array: 'a',
  object: 'o',
  nativeMap: 'M',
  nativeSet: 'S',
  map: 'm',
  set: 's',
  orderedMap: 'q',
  orderedSet: 'r',
  list: 'l',
} as const

const HEX64 = /^[0-9a-f]{64}$/

/** A container being written: its items left, as an iterator, or an array or object walked by index. */
type Frame =
  | { readonly kind: 'iterator'; readonly items: Iterator<unknown>; readonly pairs: boolean; pending: unknown; hasPending: boolean }
  | { readonly kind: 'array'; readonly items: readonly unknown[]; next: number }
  | { readonly kind: 'object'; readonly object: Readonly<Record<string, unknown>>; readonly keys: readonly string[]; next: number; valueNext: boolean }

function string(value: string): string {
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) throw new SnapshotFormatError('a string with a lone surrogate cannot be canonical JSON')
  return JSON.stringify(value)
}

const END = Symbol('end')

/** The next item of a frame (a key, then its value, for pairs), or END. */
function nextItem(frame: Frame): unknown {
  switch (frame.kind) {
    case 'array': {
      const i = frame.next
      if (i >= frame.items.length) return END
      frame.next = i + 1
      if (!(i in frame.items)) throw new SnapshotFormatError('an array with a hole')
      return frame.items[i]
    }
    case 'object': {
      const key = frame.keys[frame.next]
      if (key === undefined) return END
      if (!frame.valueNext) {
        frame.valueNext = true
        return key
      }
      frame.valueNext = false
      frame.next++
      return frame.object[key]
    }
    case 'iterator': {
      if (frame.hasPending) {
        const item = frame.pending
        frame.hasPending = false
        frame.pending = undefined
        return item
      }
      const next = frame.items.next()
      if (next.done === true) return END
      if (!frame.pairs) return next.value
      const [key, member] = next.value as readonly [unknown, unknown]
      frame.pending = member
      frame.hasPending = true
      return key
    }
  }
}

/**
 * The state's bytes as text, a chunk of about `chunkChars` characters at a time (the last may be
 * shorter); undefined when done. Throws SnapshotFormatError on a value it cannot restore (a class
 * instance, a symbol, a function, a hole, a lone surrogate).
 *
 * A plain object's members are written in RFC 8785 order (by UTF-16 code units), not in the order
 * they were set: a record's member order carries no meaning here (no rule iterates one), and it is
 * not the same in every fold of one log: a handler folds the events it decided, in the order its
 * decider built them, while a replay folds them as parsed from their canonical JSON (sorted).
 * Sorted, the bytes depend on the state's value alone.
 */
export function valueChunks(value: unknown, chunkChars = 1 << 16): () => string | undefined {
  const stack: Frame[] = []
  let out = ''
  let started = false

  const iterate = (header: string, items: Iterator<unknown>, pairs: boolean): void => {
    out += header
    stack.push({ kind: 'iterator', items, pairs, pending: undefined, hasPending: false })
  }

  function write(v: unknown): void {
    switch (typeof v) {
      case 'string':
        out += string(v)
        return
      case 'number':
        out += Number.isFinite(v) && !Object.is(v, -0) ? String(v) : `["${T.number}","${Object.is(v, -0) ? '-0' : String(v)}"]`
        return
      case 'boolean':
        out += v ? 'true' : 'false'
        return
      case 'bigint':
        out += `["${T.bigint}","${v.toString()}"]`
        return
      case 'undefined':
        out += `["${T.undefined}"]`
        return
      case 'object': {
        if (v === null) {
          out += 'null'
          return
        }
        if (Array.isArray(v)) {
          out += `["${T.array}"`
          stack.push({ kind: 'array', items: v, next: 0 })
          return
        }
        const kind = persistentKind(v)
        if (kind !== undefined) {
          const c = v as Iterable<unknown> & { entries(): Iterator<unknown>; values(): Iterator<unknown> }
          switch (kind) {
            case 'map':
              return iterate(`["${T.map}",${hashOrdered(c) ? 1 : 0}`, c.entries(), true)
            case 'set':
              return iterate(`["${T.set}",${hashOrdered(c) ? 1 : 0}`, c.values(), false)
            case 'ordered-map':
              return iterate(`["${T.orderedMap}"`, c.entries(), true)
            case 'ordered-set':
              return iterate(`["${T.orderedSet}"`, c.values(), false)
            case 'list':
              return iterate(`["${T.list}"`, c.values(), false)
          }
        }
        if (v instanceof Map) return iterate(`["${T.nativeMap}"`, v.entries(), true)
        if (v instanceof Set) return iterate(`["${T.nativeSet}"`, v.values(), false)
        if (Object.getPrototypeOf(v) === Object.prototype) {
          out += `["${T.object}"`
          stack.push({ kind: 'object', object: v as Record<string, unknown>, keys: Object.keys(v).sort(), next: 0, valueNext: false })
          return
        }
        throw new SnapshotFormatError(`a ${(v as object).constructor?.name ?? 'null-prototype object'} is not a state value a snapshot can hold`)
      }
      default:
        throw new SnapshotFormatError(`a ${typeof v} is not a state value a snapshot can hold`)
    }
  }

  return () => {
    if (!started) {
      started = true
      write(value)
    }
    while (out.length < chunkChars) {
      const top = stack[stack.length - 1]
      if (top === undefined) break
      const item = nextItem(top)
      if (item === END) {
        out += ']'
        stack.pop()
        continue
      }
      // Every container's array starts with its tag, so every item follows a comma.
      out += ','
      write(item)
    }
    if (out === '') return undefined
    const chunk = out
    out = ''
    return chunk
  }
}

/** The document's bytes (as text), a chunk at a time: members in RFC 8785 order, the state and streams encoded as values. */
export function snapshotChunks<S>(doc: SnapshotDocument<S>, chunkChars = 1 << 16): () => string | undefined {
  if (!Number.isSafeInteger(doc.sequence) || doc.sequence < 0) throw new SnapshotFormatError('the sequence is not a whole number')
  if (!HEX64.test(doc.headHash)) throw new SnapshotFormatError('the head hash is not 64 lower-case hex digits')
  const parts: (string | (() => string | undefined))[] = [
    `{"format":${string(doc.format)},"headHash":${string(doc.headHash)},"ledger":${string(doc.ledger)},"sequence":${doc.sequence},"software":${string(doc.software)},"state":`,
    valueChunks(doc.state, chunkChars),
    ',"streams":',
    valueChunks(doc.streams instanceof Map ? doc.streams : new Map(doc.streams), chunkChars),
    `,"vertical":${string(doc.vertical)}}`,
  ]
  let i = 0
  return () => {
    while (i < parts.length) {
      const part = parts[i] as string | (() => string | undefined)
      if (typeof part === 'string') {
        i++
        return part
      }
      const chunk = part()
      if (chunk !== undefined) return chunk
      i++
    }
    return undefined
  }
}

/** The whole document as text, at once. */
export function encodeSnapshot<S>(doc: SnapshotDocument<S>): string {
  const next = snapshotChunks(doc)
  let text = ''
  for (let chunk = next(); chunk !== undefined; chunk = next()) text += chunk
  return text
}

const utf8 = new TextEncoder()

/** SHA-256 of the bytes, hex: the snapshot's hash. */
export function snapshotHash(bytes: Uint8Array | string): string {
  return toHex(sha256(typeof bytes === 'string' ? utf8.encode(bytes) : bytes))
}

/** An incremental snapshot hash over text chunks (as UTF-8) or bytes. */
export function snapshotHasher(): { update(chunk: string): void; updateBytes(bytes: Uint8Array): void; digest(): string } {
  const hash = sha256.create()
  return {
    update: (chunk) => void hash.update(utf8.encode(chunk)),
    updateBytes: (bytes) => void hash.update(bytes),
    digest: () => toHex(hash.digest()),
  }
}

function fail(message: string): never {
  throw new SnapshotFormatError(message)
}

function layoutOf(node: readonly unknown[], tag: string): boolean {
  return node[1] === 0 ? false : node[1] === 1 ? true : fail(`a "${tag}" without its layout (0 or 1)`)
}

function restoreItems(node: readonly unknown[], from: number): unknown[] {
  const out = new Array<unknown>(node.length - from)
  for (let i = from; i < node.length; i++) out[i - from] = restore(node[i])
  return out
}

/** The keys and the values of a map's items, in two arrays (no array per entry: the largest maps have a million). */
function restoreKeysValues(node: readonly unknown[], from: number, tag: string): { keys: unknown[]; values: unknown[] } {
  if ((node.length - from) % 2 !== 0) fail(`a "${tag}" with an odd number of items`)
  const n = (node.length - from) / 2
  const keys = new Array<unknown>(n)
  const values = new Array<unknown>(n)
  for (let i = from, j = 0; i < node.length; i += 2, j++) {
    keys[j] = restore(node[i])
    values[j] = restore(node[i + 1])
  }
  return { keys, values }
}

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = { '-0': -0, NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY }
const DECIMAL = /^-?(0|[1-9][0-9]*)$/

function restore(node: unknown): unknown {
  if (node === null || typeof node === 'string' || typeof node === 'boolean') return node
  if (typeof node === 'number') return Object.is(node, -0) ? fail('-0 is written ["f","-0"]') : node
  if (!Array.isArray(node)) return fail('a JSON object inside a state')
  const tag: unknown = node[0]
  switch (tag) {
    case T.undefined:
      return node.length === 1 ? undefined : fail('a "u" with items')
    case T.bigint: {
      const text: unknown = node[1]
      return node.length === 2 && typeof text === 'string' && DECIMAL.test(text) && text !== '-0' ? BigInt(text) : fail('a malformed "n"')
    }
    case T.number: {
      const text: unknown = node[1]
      return node.length === 2 && typeof text === 'string' && Object.prototype.hasOwnProperty.call(SPECIAL_NUMBERS, text) ? SPECIAL_NUMBERS[text] : fail('a malformed "f"')
    }
    case T.array:
      return restoreItems(node, 1)
    case T.object: {
      if ((node.length - 1) % 2 !== 0) fail('an "o" with an odd number of items')
      const object: Record<string, unknown> = {}
      let previous: string | undefined
      for (let i = 1; i < node.length; i += 2) {
        const key: unknown = node[i]
        if (typeof key !== 'string') return fail('an object member name that is not a string')
        if (previous !== undefined && !(previous < key)) fail(`object members out of order or twice (${JSON.stringify(previous)}, ${JSON.stringify(key)})`)
        previous = key
        const value = restore(node[i + 1])
        // A member named __proto__ is a member, not the prototype.
        if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
        else object[key] = value
      }
      return object
    }
    case T.nativeMap: {
      const { keys, values } = restoreKeysValues(node, 1, 'M')
      const map = new Map<unknown, unknown>()
      for (let i = 0; i < keys.length; i++) map.set(keys[i], values[i])
      return map.size * 2 === node.length - 1 ? map : fail('a "M" with a key twice')
    }
    case T.nativeSet: {
      const set = new Set(restoreItems(node, 1))
      return set.size === node.length - 1 ? set : fail('an "S" with a value twice')
    }
    case T.map: {
      const byHash = layoutOf(node, 'm')
      const { keys, values } = restoreKeysValues(node, 2, 'm')
      if (byHash ? keys.length === 0 : keys.length > 8) fail(`an "m" of ${keys.length} entries in layout ${byHash ? 1 : 0}`)
      return same(restoreMapFrom(keys, values, byHash), keys, 'm')
    }
    case T.set: {
      const byHash = layoutOf(node, 's')
      const values = restoreItems(node, 2)
      if (byHash ? values.length === 0 : values.length > 8) fail(`an "s" of ${values.length} values in layout ${byHash ? 1 : 0}`)
      return same(restoreSet(values, byHash), values, 's')
    }
    case T.orderedMap: {
      const { keys, values } = restoreKeysValues(node, 1, 'q')
      return same(restoreOrderedMapFrom(keys, values), keys, 'q')
    }
    case T.orderedSet: {
      const values = restoreItems(node, 1)
      return same(restoreOrderedSet(values), values, 'r')
    }
    case T.list:
      return restoreList(restoreItems(node, 1))
    default:
      return fail(`an unknown tag ${JSON.stringify(tag)}`)
  }
}

/**
 * The restored collection iterates its keys in the recorded order, or the bytes are not a
 * snapshot this codec wrote (a hash-ordered map whose keys were reordered, a key twice): so
 * restoring and encoding again gives the same bytes.
 */
function same<C extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>>(collection: C, keys: readonly unknown[], tag: string): C {
  if (collection.size !== keys.length) fail(`a "${tag}" with a key twice`)
  let i = 0
  for (const key of collection.keys()) {
    if (!Object.is(key, keys[i++])) fail(`a "${tag}" whose recorded order is not the order it iterates in`)
  }
  return collection
}

/** Parses and restores a snapshot document; the caller checks the hash, ledger, vertical and head. */
export function decodeSnapshot<S>(text: string): SnapshotDocument<S> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new SnapshotFormatError(`not JSON: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('not a JSON object')
  const doc = parsed as Record<string, unknown>
  const keys = Object.keys(doc).sort().join(',')
  if (keys !== 'format,headHash,ledger,sequence,software,state,streams,vertical') fail(`members ${keys}, not format, headHash, ledger, sequence, software, state, streams, vertical`)
  if (doc.format !== SNAPSHOT_FORMAT) fail(`format ${JSON.stringify(doc.format)}, not ${SNAPSHOT_FORMAT}`)
  const { ledger, vertical, sequence, headHash, software } = doc
  if (typeof ledger !== 'string' || typeof vertical !== 'string' || typeof software !== 'string') fail('ledger, software and vertical are strings')
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) fail('the sequence is not a whole number')
  if (typeof headHash !== 'string' || !HEX64.test(headHash)) fail('the head hash is not 64 lower-case hex digits')
  const streams = restore(doc.streams)
  if (!(streams instanceof Map) || [...streams].some(([k, v]) => typeof k !== 'string' || !Number.isSafeInteger(v) || (v as number) < 1)) fail('streams is an "M" of stream names to versions')
  return { format: SNAPSHOT_FORMAT, ledger, vertical, sequence, headHash, software, state: restore(doc.state) as S, streams: streams as Map<string, number> }
}
