/** Lower-case hexadecimal, the only spelling of bytes in the ledger's JSON. */
const BYTE_TO_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const NIBBLE = new Map<number, number>([..."0123456789abcdef"].map((c, i) => [c.charCodeAt(0), i]))

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_HEX[bytes[i] as number]
  return out
}

export function fromHex(value: string): Uint8Array {
  if (value.length % 2 !== 0) throw new TypeError('not lower-case hex of whole bytes')
  const out = new Uint8Array(value.length / 2)
  for (let i = 0; i < out.length; i++) {
    const high = NIBBLE.get(value.charCodeAt(2 * i))
    const low = NIBBLE.get(value.charCodeAt(2 * i + 1))
    if (high === undefined || low === undefined) throw new TypeError('not lower-case hex of whole bytes')
    out[i] = high * 16 + low
  }
  return out
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}
