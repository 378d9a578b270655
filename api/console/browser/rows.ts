/**
 * Read-model answers checked against the replayed log: the console folds the same projections
 * over the events it verified, then holds each row the server sent to the row the log gives,
 * byte for byte in JCS, and a list to the same keys in the same order with nothing left out.
 */
import { canonicalize } from '../../../domain/canonical/jcs.js'
import type { JsonValue } from '../../../domain/json.js'
import { keysPage } from '../../../projections/table.js'
import type { Checks } from './checks.js'
import type { Context } from './context.js'
import type { Replay } from './replay.js'

function encoded(replay: Replay, model: string, key: string): string | undefined {
  const folded = replay.models.get(model)
  const row = folded?.table.rows.get(key)
  return folded === undefined || row === undefined ? undefined : canonicalize(folded.projection.encode(row))
}

/** A page of rows under `prefix` after the cursor key, as the server listed it (`more`: it said a next page follows). */
export function pageFault(replay: Replay, model: string, prefix: string, after: string | undefined, items: readonly JsonValue[], more: boolean): string | undefined {
  const folded = replay.models.get(model)
  if (folded === undefined) return `the console does not know the read model ${model}`
  const local = keysPage(folded.table.rows, prefix, after, Math.max(items.length, 1))
  const keys = local.keys.slice(0, items.length)
  if (keys.length !== items.length) return `the server lists ${items.length} rows; the signed log gives ${keys.length}`
  if (items.length === 0 && local.keys.length > 0) return 'the server lists no rows; the signed log gives some'
  if (!more && (local.more || local.keys.length > items.length)) return 'the server says the list ends here; the signed log gives more rows'
  for (const [i, key] of keys.entries()) {
    if (canonicalize(items[i] as JsonValue) !== encoded(replay, model, key)) return `${key} is not the row the signed log gives`
  }
  return undefined
}

export function rowFault(replay: Replay, model: string, key: string, value: JsonValue): string | undefined {
  const want = encoded(replay, model, key)
  if (want === undefined) return `the signed log gives no row ${key}`
  return canonicalize(value) === want ? undefined : `${key} is not the row the signed log gives`
}

/**
 * Brings the replay to the end of the log, then returns the `at=` cut to ask the server for, so
 * that both stand at the same sequence. Undefined (and said so in `checks`) when nothing can be
 * compared: no pinned key, or the replay failed or stopped.
 */
export async function replayCut(ctx: Context, checks: Checks): Promise<number | undefined> {
  if (ctx.replay === undefined) {
    checks.unchecked('the rows below', 'no ledger key is pinned (see Overview), so nothing the server says is checked')
    return undefined
  }
  await ctx.replay.syncTo()
  const replay = ctx.replay
  if (replay.failure !== undefined) {
    checks.fail('replaying the log', `sequence ${replay.failure.sequence ?? '?'}: ${replay.failure.reason}`)
    return undefined
  }
  checks.ok(`replayed the log: ${replay.head} events, ${replay.commands.size} signed commands`, `every signature by the pinned key, the hash chain and each checkpoint's tree root checked; ${replay.redecided} commands decided again by the rules with the same events`)
  if (replay.truncated) {
    checks.unchecked('rows after the replay limit', `the log is longer than the ${replay.head} events the browser replays; verify it with model-ledger verify`)
    return undefined
  }
  return replay.head === 0 ? undefined : replay.head
}

/** Appends `at=` to a query path when there is a cut. */
export function atCut(path: string, cut: number | undefined): string {
  if (cut === undefined) return path
  return `${path}${path.includes('?') ? '&' : '?'}at=${cut}`
}
