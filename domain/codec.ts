/** Small io-ts building blocks shared by every codec in the domain. */
import * as t from 'io-ts'
import { isRight } from 'fp-ts/lib/Either.js'
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

/** As `closed`, with members that may be left out (never present as undefined in what it decodes). */
export function closedWith<P extends t.Props, O extends t.Props>(
  props: P,
  optional: O,
  name: string,
): t.Type<t.TypeOf<t.TypeC<P>> & Partial<t.TypeOf<t.TypeC<O>>>, t.OutputOf<t.TypeC<P>> & Partial<t.OutputOf<t.TypeC<O>>>, unknown> & { readonly closedProps: P & O; readonly optionalKeys: readonly string[] } {
  const inner = t.intersection([t.type(props), t.partial(optional)], name)
  const allowed = new Set([...Object.keys(props), ...Object.keys(optional)])
  const codec = new t.Type(
    name,
    (u): u is t.TypeOf<t.TypeC<P>> & Partial<t.TypeOf<t.TypeC<O>>> => inner.is(u) && Object.keys(u as object).every((key) => allowed.has(key)),
    (u, c) => {
      if (typeof u === 'object' && u !== null && !Array.isArray(u)) {
        const extra = Object.keys(u).find((key) => !allowed.has(key))
        if (extra !== undefined) return t.failure(u, c, `unknown member ${JSON.stringify(extra)}`)
        const unset = Object.keys(optional).find((key) => key in u && (u as Record<string, unknown>)[key] === undefined)
        if (unset !== undefined) return t.failure(u, c, `member ${JSON.stringify(unset)} is present but undefined`)
      }
      return inner.validate(u, c)
    },
    inner.encode,
  )
  return Object.assign(codec, { closedProps: { ...props, ...optional }, optionalKeys: Object.keys(optional) })
}

/** A short, bounded preview of a value for an error message: never recurses without bound. */
function preview(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return String(value)
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'object') return 'an object'
  return typeof value
}

/** One error as `path: message (got …)`, with the path cut to its last few members. */
function describe(error: t.ValidationError): string {
  const keys = error.context.map((entry) => entry.key).filter((key) => key !== '')
  const path = keys.length === 0 ? '(root)' : (keys.length > 6 ? ['…', ...keys.slice(-6)] : keys).join('.')
  const expected = error.context[error.context.length - 1]?.type.name ?? 'a value'
  const message = error.message ?? `expected ${expected.length > 80 ? `${expected.slice(0, 80)}…` : expected}`
  return `${path}: ${message} (got ${preview(error.value)})`
}

/**
 * Decodes or returns a one-line description of the first problems found. The description is
 * built without serializing the value, so hostile input (deep nesting, huge strings) cannot make
 * error reporting itself fail or grow.
 */
export function decodeWith<A>(codec: t.Type<A, unknown, unknown>, value: unknown): { ok: true; value: A } | { ok: false; error: string } {
  const result = codec.decode(value)
  if (isRight(result)) return { ok: true, value: result.right }
  return { ok: false, error: reportErrors(result.left) }
}

/** The first `limit` validation errors, each described in bounded space, joined by "; ". */
export function reportErrors(errors: t.Errors, limit = 3): string {
  return errors.slice(0, limit).map(describe).join('; ')
}

export const Hex32 = pattern('hex of 32 bytes', /^[0-9a-f]{64}$/)
export const Hex64 = pattern('hex of 64 bytes', /^[0-9a-f]{128}$/)
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/**
 * True when the text is a real instant in the ledger's one time format: the shape, and a date and
 * time that exist (no 30 February, no hour 24, no leap second), years 0001 to 9999. It holds
 * exactly when the text is what `Date.prototype.toISOString` writes for that instant.
 */
export function isInstant(text: string): boolean {
  if (!TIMESTAMP.test(text) || text.startsWith('0000')) return false
  const ms = Date.parse(text)
  return Number.isFinite(ms) && new Date(ms).toISOString() === text
}

/** RFC 3339 UTC timestamp with milliseconds, the only time format in the ledger; a real instant. */
export const Timestamp = Object.assign(
  new t.Type<string, string, unknown>(
    'UTC timestamp (YYYY-MM-DDTHH:MM:SS.sssZ)',
    (u): u is string => typeof u === 'string' && isInstant(u),
    (u, c) => (typeof u === 'string' && isInstant(u) ? t.success(u) : t.failure(u, c, 'expected a real UTC instant YYYY-MM-DDTHH:MM:SS.sssZ')),
    t.identity,
  ),
  { regex: TIMESTAMP },
)

/** A command's `{ type, payload }` codec, the payload closed to unknown members. */
export function commandCodec<T extends string, P extends t.Props>(type: T, props: P) {
  return closed({ type: t.literal(type), payload: closed(props, type) }, type)
}

/** An event's `{ type, data }` codec, the data closed to unknown members. */
export function eventCodec<T extends string, P extends t.Props>(type: T, props: P) {
  return closed({ type: t.literal(type), data: closed(props, type) }, type)
}
