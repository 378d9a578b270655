/**
 * A persisted LogTree index: the roots of the log's complete 256-entry tiles, 32 bytes each, in
 * order, in one file (`DIR/tlog-index.bin` for `serve`). It is a cache, never trusted on its own:
 * Proofs uses only the roots under the latest checkpoint, and only after the tree they give has
 * that checkpoint's signed root; otherwise the file is dropped and the index rebuilt from the log.
 * Writes are best effort (a failed one stops persisting until the next start; the log is the truth).
 */
import { closeSync, existsSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs'

export interface TileIndexStore {
  /** The roots kept, in order (a torn last one is dropped). */
  load(): Uint8Array[]
  /** Records tile `tile`'s root; tiles come in order, one already kept is ignored. */
  append(tile: number, root: Uint8Array): void
  /** Keeps the first `tiles` roots only. */
  truncate(tiles: number): void
  close(): void
}

const ROOT = 32

export function tileIndexFile(path: string): TileIndexStore {
  let count = 0
  let fd: number | undefined
  let broken = false
  const handle = (): number => (fd ??= openSync(path, 'a'))
  return {
    load() {
      if (!existsSync(path)) return []
      const bytes = readFileSync(path)
      const roots: Uint8Array[] = []
      for (let at = 0; at + ROOT <= bytes.length; at += ROOT) roots.push(new Uint8Array(bytes.subarray(at, at + ROOT)))
      count = roots.length
      return roots
    },
    append(tile, root) {
      if (broken || tile < count) return
      try {
        if (tile > count) throw new Error(`tile ${tile} comes after ${count} kept roots`)
        if (root.length !== ROOT) throw new RangeError('a tile root is 32 bytes')
        writeSync(handle(), root)
        count++
      } catch {
        broken = true
      }
    },
    truncate(tiles) {
      if (!existsSync(path)) {
        count = 0
        return
      }
      try {
        truncateSync(path, tiles * ROOT)
        count = tiles
      } catch {
        broken = true
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    },
  }
}
