/**
 * Per-answer attribution by span matching. Every k-byte window (k-gram) of every training item
 * of the dataset version is indexed with the contributions it occurs in. An answer byte is
 * covered by a contribution when some k-gram of the answer containing it occurs in that
 * contribution; this is exactly "the byte lies in a common substring of at least k bytes between
 * the answer and the contribution". A contribution's weight is the number of answer bytes it
 * covers (a byte covered by several contributions counts for each).
 *
 * Limits: verbatim reuse only (a paraphrase, a translation or knowledge learned without copying
 * earns nothing here; such answers fall back to the job-level split); common phrases of k bytes
 * or more credit every contribution that has them, so k trades recall for precision; the gateway
 * attests the weights as it attests token counts (the ledger checks the named contributions are
 * members of the served version, not the matching itself; `model-ledger audit-answer` recomputes
 * them from the answer, trainer/answer-audit.ts).
 */
import { MAX_ATTRIBUTED } from '../deployment/values.js'

export const DEFAULT_SPAN_BYTES = 16

export interface SpanItem {
  readonly contributionId: string
  /** The item's texts (its question and its answer), matched separately: no k-gram spans two. */
  readonly texts: readonly string[]
}

export interface SpanIndex {
  readonly k: number
  /** k-gram (its bytes as a latin1 string) → contribution ids, ascending. */
  readonly grams: ReadonlyMap<string, readonly string[]>
}

const utf8 = new TextEncoder()

function latin1(bytes: Uint8Array, from: number, k: number): string {
  let s = ''
  for (let i = from; i < from + k; i++) s += String.fromCharCode(bytes[i] as number)
  return s
}

export function buildSpanIndex(items: readonly SpanItem[], k = DEFAULT_SPAN_BYTES): SpanIndex {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError('k must be a positive integer')
  const sets = new Map<string, Set<string>>()
  for (const item of items) {
    for (const text of item.texts) {
      const b = utf8.encode(text)
      for (let i = 0; i + k <= b.length; i++) {
        const g = latin1(b, i, k)
        let s = sets.get(g)
        if (s === undefined) sets.set(g, (s = new Set()))
        s.add(item.contributionId)
      }
    }
  }
  const grams = new Map<string, readonly string[]>()
  for (const [g, s] of sets) grams.set(g, [...s].sort())
  return { k, grams }
}

export interface SpanWeight {
  readonly contribution: string
  /** Answer bytes covered by spans of at least k bytes shared with this contribution. */
  readonly weight: number
}

/** The contributions the answer drew on, by id ascending, each with the bytes it covers (only positive weights). */
/**
 * The contributions the answer covers, with their weights, ids ascending. At most `limit` (the
 * receipt's cap, MAX_ATTRIBUTED): past it, the `limit` heaviest are kept (equal weights: the lower
 * id), so a receipt for an answer made of phrases hundreds of items share is still one the ledger
 * takes, paying the contributions that cover the most of it.
 */
export function attributeAnswer(index: SpanIndex, answer: string, limit = MAX_ATTRIBUTED): SpanWeight[] {
  const b = utf8.encode(answer)
  const { k } = index
  // For each contribution, the end (exclusive) of the covered run so far, and its count.
  const reach = new Map<string, number>()
  const covered = new Map<string, number>()
  for (let i = 0; i + k <= b.length; i++) {
    const ids = index.grams.get(latin1(b, i, k))
    if (ids === undefined) continue
    for (const id of ids) {
      const end = reach.get(id) ?? 0
      const from = Math.max(i, end)
      covered.set(id, (covered.get(id) ?? 0) + (i + k - from))
      reach.set(id, i + k)
    }
  }
  const byId = (x: SpanWeight, y: SpanWeight): number => (x.contribution < y.contribution ? -1 : 1)
  const all = [...covered].map(([contribution, weight]) => ({ contribution, weight }))
  if (all.length <= limit) return all.sort(byId)
  return all
    .sort((x, y) => y.weight - x.weight || byId(x, y))
    .slice(0, limit)
    .sort(byId)
}
