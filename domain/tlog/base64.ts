/**
 * Standard base64 (RFC 4648 §4) as the C2SP formats use it: padded, no whitespace, and canonical,
 * so the unused bits of the last character are zero. A lenient decoder would let two spellings of
 * one signature or root pass, and a note's text is compared byte for byte.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const VALUE = new Map<number, number>([...ALPHABET].map((c, i) => [c.charCodeAt(0), i]))
const SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export function encodeBase64(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number
    const b = bytes[i + 1]
    const c = bytes[i + 2]
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0)
    out += ALPHABET[(n >> 18) & 63]
    out += ALPHABET[(n >> 12) & 63]
    out += b === undefined ? '=' : ALPHABET[(n >> 6) & 63]
    out += c === undefined ? '=' : ALPHABET[n & 63]
  }
  return out
}

/** The bytes `text` encodes, or undefined when it is not canonical padded standard base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!SHAPE.test(text)) return undefined
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - padding)
  let at = 0
  for (let i = 0; i < text.length; i += 4) {
    let n = 0
    for (let j = 0; j < 4; j++) n = (n << 6) | (VALUE.get(text.charCodeAt(i + j)) ?? 0)
    const bytes = [(n >> 16) & 255, (n >> 8) & 255, n & 255]
    for (const byte of bytes) if (at < out.length) out[at++] = byte
    // Non-zero bits beyond the last byte: a second spelling of the same bytes.
    if (i + 4 === text.length && ((padding === 2 && (n & 0xffff) !== 0) || (padding === 1 && (n & 0xff) !== 0))) return undefined
  }
  return out
}
