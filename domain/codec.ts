/** Small io-ts building blocks shared by every codec in the domain. */
import * as t from 'io-ts'
import { isRight } from 'fp-ts/lib/Either.js'
import { PathReporter } from 'io-ts/lib/PathReporter.js'
import type { JsonValue } from './json.js'

function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > 64) return false
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1))
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      return Object.values(value as Record<string, unknown>).every((item) => isJsonValue(item, depth + 1))
    }
    default:
      return false
  }
}

/** Any I-JSON value (finite numbers, plain objects, at most 64 levels deep). */
export const JsonValueC = new t.Type<JsonValue, JsonValue, unknown>(
  'JsonValue',
  (u): u is JsonValue => isJsonValue(u),
  (u, c) => (isJsonValue(u) ? t.success(u) : t.failure(u, c, 'not a JSON value')),
  t.identity,
)

/** A string matching a pattern; the name shows in error messages. */
// The regex, bounds and props are kept on the codec so that schema generators (the HTTP API's
// OpenAPI document) can describe it; validation does not use them.
export function pattern(name: string, regex: RegExp): t.Type<string, string, unknown> & { readonly regex: RegExp } {
  const codec = new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && regex.test(u),
    (u, c) => (typeof u === 'string' && regex.test(u) ? t.success(u) : t.failure(u, c, `expected ${name}`)),
    t.identity,
  )
  return Object.assign(codec, { regex })
}

/** A safe integer within [min, max]. */
export function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER): t.Type<number, number, unknown> & { readonly minimum: number; readonly maximum: number } {
  const ok = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= min && u <= max
  const codec = new t.Type<number, number, unknown>(
    name,
    ok,
    (u, c) => (ok(u) ? t.success(u) : t.failure(u, c, `expected ${name}`)),
    t.identity,
  )
  return Object.assign(codec, { minimum: min, maximum: max })
}

/**
 * An object codec that refuses unknown members instead of stripping them: a member the format
 * does not define would still be hashed, so it must be an error, not a silent drop.
 */
export function closed<P extends t.Props>(props: P, name?: string): t.Type<t.TypeOf<t.TypeC<P>>, t.OutputOf<t.TypeC<P>>, unknown> & { readonly closedProps: P } {
  const inner = t.type(props, name)
  const allowed = new Set(Object.keys(props))
  const codec = new t.Type(
    inner.name,
    (u): u is t.TypeOf<t.TypeC<P>> => inner.is(u) && Object.keys(u as object).every((key) => allowed.has(key)),
    (u, c) => {
      if (typeof u === 'object' && u !== null && !Array.isArray(u)) {
        const extra = Object.keys(u).find((key) => !allowed.has(key))
        if (extra !== undefined) return t.failure(u, c, `unknown member ${JSON.stringify(extra)}`)
      }
      return inner.validate(u, c)
    },
    inner.encode,
  )
  return Object.assign(codec, { closedProps: props })
}

/** Decodes or returns a one-line description of the first problems found. */
export function decodeWith<A>(codec: t.Type<A, unknown, unknown>, value: unknown): { ok: true; value: A } | { ok: false; error: string } {
  const result = codec.decode(value)
  if (isRight(result)) return { ok: true, value: result.right }
  return { ok: false, error: PathReporter.report(result).slice(0, 3).join('; ') }
}

export const Hex32 = pattern('hex of 32 bytes', /^[0-9a-f]{64}$/)
export const Hex64 = pattern('hex of 64 bytes', /^[0-9a-f]{128}$/)
/** RFC 3339 UTC timestamp with milliseconds, the only time format in the ledger. */
export const Timestamp = pattern('UTC timestamp (YYYY-MM-DDTHH:MM:SS.sssZ)', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)

/** A command's `{ type, payload }` codec, the payload closed to unknown members. */
export function commandCodec<T extends string, P extends t.Props>(type: T, props: P) {
  return closed({ type: t.literal(type), payload: closed(props, type) }, type)
}

/** An event's `{ type, data }` codec, the data closed to unknown members. */
export function eventCodec<T extends string, P extends t.Props>(type: T, props: P) {
  return closed({ type: t.literal(type), data: closed(props, type) }, type)
}
