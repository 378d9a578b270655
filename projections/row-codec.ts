/** Row codecs: a read model's rows as io-ts codecs, so encoding (bigint → decimal string) and decoding are one definition. */
import * as t from 'io-ts'
import { decodeWith } from '../domain/codec.js'
import type { JsonValue } from '../domain/json.js'

export interface RowCodec<V> {
  encode(value: V): JsonValue
  decode(json: JsonValue): V
}

export function rowCodec<V>(name: string, codec: t.Type<V, unknown, unknown>): RowCodec<V> {
  return {
    encode: (value) => codec.encode(value) as JsonValue,
    decode(json) {
      const decoded = decodeWith(codec, json)
      if (!decoded.ok) throw new TypeError(`a stored ${name} row does not decode: ${decoded.error}`)
      return decoded.value
    },
  }
}

/** Fixed-width sequence numbers, so keys sort in log order. */
export function seqKey(sequence: number): string {
  return String(sequence).padStart(16, '0')
}

/** A row field that may be absent (null) until an event sets it. */
export const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null])
