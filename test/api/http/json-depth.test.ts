/** The nesting bound checked on raw bytes: exact on real JSON, blind to brackets inside strings. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonDepth, MAX_JSON_DEPTH } from '../../../api/http/json-depth.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf))
  if (typeof value === 'object' && value !== null) return 1 + Math.max(0, ...Object.values(value).map(depthOf))
  return 0
}

describe('jsonDepth', () => {
  it('equals the nesting of any JSON value, whatever its strings hold', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => {
        expect(jsonDepth(bytes(JSON.stringify(value)))).toBe(depthOf(value))
      }),
    )
  })

  it('counts escaped quotes and brackets in strings as text', () => {
    expect(jsonDepth(bytes(JSON.stringify({ a: '[[[{{{\\"]]]' })))).toBe(1)
    expect(jsonDepth(bytes('"\\\\"'))).toBe(0)
  })

  it('measures a 100,000-deep body in one pass', () => {
    expect(jsonDepth(bytes('['.repeat(100_000) + ']'.repeat(100_000)))).toBe(100_000)
    expect(MAX_JSON_DEPTH).toBe(64)
  })
})
