/** A JSON value as the ledger stores it: I-JSON (RFC 7493), so it always has one canonical form. */
export type JsonPrimitive = string | number | boolean | null
export type JsonValue = JsonPrimitive | JsonArray | JsonObject
export type JsonArray = readonly JsonValue[]
export interface JsonObject {
  readonly [key: string]: JsonValue
}
