/** What a page gets: the API, the pinned key and its replay, the route's parameters, its checks. */
import type { Checks } from './checks.js'
import type { Api } from './http.js'
import type { Replay } from './replay.js'

export interface Context {
  readonly api: Api
  /** The pinned ledger key; undefined until the user pins one. */
  readonly key: string | undefined
  /** The replay of the log under the pinned key (shared by every page of the session). */
  readonly replay: Replay | undefined
  /** Route segments after the page name: `#/proposals/<id>` gives [id]. */
  readonly args: readonly string[]
  readonly query: URLSearchParams
  readonly checks: Checks
}

export type Page = (ctx: Context) => Promise<Node[]>
