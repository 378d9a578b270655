/**
 * C2SP tlog-tiles resource names and entry bundles, as pure functions (the server that serves
 * them is elsewhere).
 *
 *   tile/<L>/<N>[.p/<W>]       level L (0–63) hash tile N; W (1–255) hashes when partial
 *   tile/entries/<N>[.p/<W>]   entry bundle N
 *
 * N is written in zero-padded 3-digit elements, all but the last prefixed with `x`
 * (1234067 → x001/x234/067). Decoding accepts only the one canonical spelling of each tile, so a
 * cache or a file tree never holds one resource under two names.
 */
export const TILE_WIDTH = 256
export const MAX_TILE_LEVEL = 63

export interface TileRef {
  /** A hash tile's level, or 'entries' for an entry bundle. */
  readonly level: number | 'entries'
  readonly index: number
  /** 256 for a full tile; 1–255 for a partial one. */
  readonly width: number
}

function checkTile(tile: TileRef): void {
  if (tile.level !== 'entries' && (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > MAX_TILE_LEVEL)) throw new RangeError(`a tile level is 0 to ${MAX_TILE_LEVEL}, not ${tile.level}`)
  if (!Number.isSafeInteger(tile.index) || tile.index < 0) throw new RangeError(`a tile index is a non-negative safe integer, not ${tile.index}`)
  if (!Number.isInteger(tile.width) || tile.width < 1 || tile.width > TILE_WIDTH) throw new RangeError(`a tile width is 1 to ${TILE_WIDTH}, not ${tile.width}`)
}

/** N in x-prefixed 3-digit elements: 0 → 000, 1234067 → x001/x234/067. */
export function tileIndexPath(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`a tile index is a non-negative safe integer, not ${index}`)
  const digits = String(index)
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, '0')
  const groups = padded.match(/\d{3}/g) ?? []
  return groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/')
}

export function tilePath(tile: TileRef): string {
  checkTile(tile)
  const partial = tile.width < TILE_WIDTH ? `.p/${tile.width}` : ''
  return `tile/${tile.level === 'entries' ? 'entries' : String(tile.level)}/${tileIndexPath(tile.index)}${partial}`
}

const TILE_PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/

/** The tile a path names, or undefined when the path is not the canonical name of a tile. */
export function parseTilePath(path: string): TileRef | undefined {
  const match = TILE_PATH.exec(path)
  if (match === null) return undefined
  const [, levelText = '', prefix = '', last = '', widthText] = match
  const level = levelText === 'entries' ? 'entries' : Number(levelText)
  if (level !== 'entries' && level > MAX_TILE_LEVEL) return undefined
  // A leading x000 element would be a second spelling of a smaller index.
  if (prefix.startsWith('x000/')) return undefined
  const digits = prefix.replaceAll('x', '').replaceAll('/', '') + last
  const index = Number(digits)
  if (!Number.isSafeInteger(index)) return undefined
  if (widthText === undefined) return { level, index, width: TILE_WIDTH }
  const width = Number(widthText)
  return width < TILE_WIDTH ? { level, index, width } : undefined
}

export type BundleResult = { ok: true; entries: Uint8Array[] } | { ok: false; reason: string }

/** An entry bundle: each entry prefixed with its length as a big-endian uint16. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length === 0 || entries.length > TILE_WIDTH) throw new RangeError(`an entry bundle holds 1 to ${TILE_WIDTH} entries, not ${entries.length}`)
  let length = 0
  for (const entry of entries) {
    if (entry.length > 0xffff) throw new RangeError(`an entry in a bundle is at most 65535 bytes, not ${entry.length}`)
    length += 2 + entry.length
  }
  const out = new Uint8Array(length)
  let at = 0
  for (const entry of entries) {
    out[at] = entry.length >> 8
    out[at + 1] = entry.length & 0xff
    out.set(entry, at + 2)
    at += 2 + entry.length
  }
  return out
}

/**
 * Splits an entry bundle. `width` requires exactly that many entries; `entryBytes` requires every
 * entry to be that long (the ledger's entries are 32-byte event hashes).
 */
export function decodeEntryBundle(bundle: Uint8Array, expect: { readonly width?: number; readonly entryBytes?: number } = {}): BundleResult {
  const entries: Uint8Array[] = []
  let at = 0
  while (at < bundle.length) {
    if (entries.length === TILE_WIDTH) return { ok: false, reason: `more than ${TILE_WIDTH} entries in a bundle` }
    if (at + 2 > bundle.length) return { ok: false, reason: `a length prefix is cut off at byte ${at}` }
    const length = ((bundle[at] as number) << 8) | (bundle[at + 1] as number)
    if (at + 2 + length > bundle.length) return { ok: false, reason: `entry ${entries.length} runs past the end of the bundle` }
    if (expect.entryBytes !== undefined && length !== expect.entryBytes) return { ok: false, reason: `entry ${entries.length} is ${length} bytes, not ${expect.entryBytes}` }
    entries.push(bundle.slice(at + 2, at + 2 + length))
    at += 2 + length
  }
  if (entries.length === 0) return { ok: false, reason: 'an entry bundle holds at least one entry' }
  if (expect.width !== undefined && entries.length !== expect.width) return { ok: false, reason: `the bundle holds ${entries.length} entries, not ${expect.width}` }
  return { ok: true, entries }
}
