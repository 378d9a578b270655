/**
 * A bound on JSON nesting, checked on the raw bytes before anything parses them. Deeply nested
 * input is the cheapest way to make a recursive parser, validator or error reporter run out of
 * stack; the ledger's own values never nest deeper than 64 levels (domain/codec.ts), so a body that
 * does is refused at the door, in one linear pass that allocates nothing.
 */
import type { IncomingMessage } from 'node:http'

export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d

/** The deepest nesting of objects and arrays in the text, counting strings as opaque. */
export function jsonDepth(bytes: Uint8Array): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (inString) {
      if (b === BACKSLASH) i++
      else if (b === QUOTE) inString = false
      continue
    }
    if (b === QUOTE) inString = true
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++
      if (depth > deepest) deepest = depth
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--
  }
  return deepest
}

/** Raised by `limitDepth`; the error middleware answers it with a 400. */
export class JsonTooDeep extends Error {
  override readonly name = 'JsonTooDeep'
  constructor(readonly depth: number, readonly limit: number) {
    super(`the JSON body nests ${depth > 10 * limit ? `more than ${10 * limit}` : depth} levels deep; at most ${limit} are allowed`)
  }
}

/** An `express.json` `verify` hook that refuses bodies nested deeper than `limit`. */
export function limitDepth(limit = MAX_JSON_DEPTH) {
  return (_req: IncomingMessage, _res: unknown, buffer: Buffer): void => {
    const depth = jsonDepth(buffer)
    if (depth > limit) throw new JsonTooDeep(depth, limit)
  }
}
