/**
 * The keys of one table's rows in order, kept up to date as rows come and go, so that a page of a
 * read model is a binary search and a short walk whatever happened since the last page.
 *
 * It is a sorted base list, the keys added since it was built (sorted, few) and the base keys
 * removed since (a set). A page walks the base and the additions together, skipping the removed.
 * Once the additions and removals outnumber a sixty-fourth of the base (at least `mergeAt`), they
 * are merged into a new base in one linear pass: about 2 µs a change, amortized, at a million keys.
 * Keys compare in UTF-16 code-unit order, as JCS sorts them.
 */

/** The first index whose key is greater than `key` (or at least `key`, when `inclusive`). */
function lowerBound(keys: readonly string[], key: string, inclusive: boolean): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const k = keys[mid] as string
    if (k < key || (!inclusive && k === key)) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class SortedKeys {
  private base: string[]
  private added: string[] = []
  private readonly gone = new Set<string>()

  /** `keys` distinct; `mergeAt` the fewest pending changes that are merged (tests set it low). */
  constructor(
    keys: Iterable<string>,
    private readonly mergeAt = 1024,
  ) {
    // The default sort compares strings by UTF-16 code units: JCS's order (table.ts, compareKeys).
    this.base = [...keys].sort()
  }

  /** A key that was not a row is one now. */
  add(key: string): void {
    if (this.gone.delete(key)) return
    this.added.splice(lowerBound(this.added, key, true), 0, key)
    this.mergeIfDue()
  }

  /** A key that was a row is not one any more. */
  remove(key: string): void {
    const at = lowerBound(this.added, key, true)
    if (this.added[at] === key) this.added.splice(at, 1)
    else {
      this.gone.add(key)
      this.mergeIfDue()
    }
  }

  /** Up to `limit` keys with the prefix, in order, after the cursor key (or from the prefix); and whether more follow. */
  page(prefix: string, after: string | undefined, limit: number): { keys: string[]; more: boolean } {
    const [start, inclusive] = after !== undefined && after >= prefix ? [after, false] : [prefix, true]
    const { base, added, gone } = this
    let i = lowerBound(base, start, inclusive)
    let j = lowerBound(added, start, inclusive)
    const page: string[] = []
    while (page.length <= limit) {
      while (i < base.length && gone.has(base[i] as string)) i++
      const fromBase = base[i]
      const fromAdded = added[j]
      let next: string
      if (fromBase === undefined && fromAdded === undefined) break
      if (fromAdded === undefined || (fromBase !== undefined && fromBase < fromAdded)) {
        next = fromBase as string
        i++
      } else {
        next = fromAdded
        j++
      }
      if (!next.startsWith(prefix)) break
      page.push(next)
    }
    return { keys: page.slice(0, limit), more: page.length > limit }
  }

  private mergeIfDue(): void {
    if (this.added.length + this.gone.size < Math.max(this.mergeAt, this.base.length >> 6)) return
    const { base, added, gone } = this
    const merged: string[] = new Array<string>(base.length - gone.size + added.length)
    let i = 0
    let j = 0
    let k = 0
    while (i < base.length || j < added.length) {
      const fromBase = base[i]
      if (fromBase !== undefined && gone.has(fromBase)) {
        i++
        continue
      }
      const fromAdded = added[j]
      if (fromAdded === undefined || (fromBase !== undefined && fromBase < fromAdded)) {
        merged[k++] = fromBase as string
        i++
      } else {
        merged[k++] = fromAdded
        j++
      }
    }
    merged.length = k
    this.base = merged
    this.added = []
    this.gone.clear()
  }
}
