/** Lower-case hexadecimal, the only spelling of bytes in the ledger's JSON. */
const HEX = /^(?:[0-9a-f]{2})*$/

export function isHex(value: string, bytes?: number): boolean {
  return HEX.test(value) && (bytes === undefined || value.length === bytes * 2)
}

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

export function fromHex(value: string): Uint8Array {
  if (!HEX.test(value)) throw new TypeError('not lower-case hex of whole bytes')
  const out = new Uint8Array(value.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}
