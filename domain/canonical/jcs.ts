/**
 * RFC 8785 JSON Canonicalization Scheme.
 *
 * Members are sorted by the UTF-16 code units of their names, numbers are written the way
 * ECMAScript writes them (which RFC 8785 adopts verbatim), strings use JSON's minimal escaping.
 * Anything that is not I-JSON (lone surrogates, non-finite numbers, undefined, functions,
 * non-plain objects) is refused rather than silently rewritten, because a value that two
 * implementations would canonicalize differently must never reach a hash.
 */
import type { JsonValue } from '../json.js'

export class CanonicalizationError extends Error {
  override readonly name = 'CanonicalizationError'
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw new CanonicalizationError(`lone surrogate in string at ${path}`)
  return JSON.stringify(value)
}

function serializeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) throw new CanonicalizationError(`non-finite number at ${path}`)
  // JSON.stringify implements ECMAScript Number::toString, and writes -0 as 0, as RFC 8785 asks.
  return JSON.stringify(value)
}

function serialize(value: unknown, path: string, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(serializeString(value, path))
      return
    case 'number':
      out.push(serializeNumber(value, path))
      return
    case 'boolean':
      out.push(value ? 'true' : 'false')
      return
    case 'object':
      if (value === null) {
        out.push('null')
        return
      }
      if (Array.isArray(value)) {
        out.push('[')
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',')
          serialize(value[i], `${path}[${i}]`, out)
        }
        out.push(']')
        return
      }
      serializeObject(value, path, out)
      return
    default:
      throw new CanonicalizationError(`${typeof value} is not JSON at ${path}`)
  }
}

function serializeObject(value: object, path: string, out: string[]): void {
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalizationError(`only plain objects are JSON (at ${path})`)
  }
  const record = value as Record<string, unknown>
  // Array.prototype.sort without a comparator orders by UTF-16 code units, exactly RFC 8785 §3.2.3.
  const keys = Object.keys(record).sort()
  out.push('{')
  let first = true
  for (const key of keys) {
    const member = record[key]
    if (member === undefined) throw new CanonicalizationError(`undefined member ${JSON.stringify(key)} at ${path}`)
    if (!first) out.push(',')
    first = false
    out.push(serializeString(key, path), ':')
    serialize(member, `${path}.${key}`, out)
  }
  out.push('}')
}

/** Thrown by the fast path at the first value that is not I-JSON; the slow path then says where. */
const NOT_JSON: unique symbol = Symbol('not I-JSON')

/** Whether a string has no lone surrogate (native, ES2024). */
const wellFormed = (value: string): boolean => (value as string & { isWellFormed(): boolean }).isWellFormed()

/**
 * The fast path: the same text, with no path strings built for error messages (they cost more than
 * the text itself on large values), and one string grown in place instead of an array of parts.
 */
function fast(value: unknown): string {
  switch (typeof value) {
    case 'string':
      if (!wellFormed(value)) throw NOT_JSON
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw NOT_JSON
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) {
        let text = '['
        for (let i = 0; i < value.length; i++) text += (i > 0 ? ',' : '') + fast(value[i])
        return text + ']'
      }
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) throw NOT_JSON
      const record = value as Record<string, unknown>
      // Array.prototype.sort without a comparator orders by UTF-16 code units, exactly RFC 8785 §3.2.3.
      const keys = Object.keys(record).sort()
      let text = '{'
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        const member = record[key]
        if (member === undefined || !wellFormed(key)) throw NOT_JSON
        text += (i > 0 ? ',' : '') + JSON.stringify(key) + ':' + fast(member)
      }
      return text + '}'
    }
    default:
      throw NOT_JSON
  }
}

/** The canonical text of a JSON value. Throws CanonicalizationError on anything that is not I-JSON. */
export function canonicalize(value: JsonValue): string {
  try {
    return fast(value)
  } catch (error) {
    if (error !== NOT_JSON) throw error
  }
  // Walked again, path by path, to say where (and throw): only for a value that is not I-JSON.
  const out: string[] = []
  serialize(value, '$', out)
  throw new CanonicalizationError('not I-JSON')
}

const encoder = new TextEncoder()

/** The canonical UTF-8 bytes of a JSON value: what the ledger hashes and signs. */
export function canonicalBytes(value: JsonValue): Uint8Array {
  return encoder.encode(canonicalize(value))
}
