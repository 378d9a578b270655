/**
 * The read models an auditor asks about, one table each, every row checked against the replayed
 * log: accounts and the treasury; proposals of every kind with their actions (and what each did),
 * votes with reasons, backers and phase; the protocol parameters with their history; appeals and
 * disputes; datanets, contributions and
 * dataset versions; training jobs with checkpoints, evaluations and attribution; the model
 * registry with its history; deployments with usage, fee splits, grants and batches; reward maps.
 */
import type { JsonValue } from '../../../../domain/json.js'
import { proposalPhase, proposalsProjection, type ActionRow } from '../../../../projections/read-models/proposals.js'
import { formatOpen } from '../amounts.js'
import type { Checks } from '../checks.js'
import type { Context, Page } from '../context.js'
import { h, link } from '../dom.js'
import { ApiError } from '../http.js'
import { record, rowsTable } from '../render.js'
import { atCut, pageFault, replayCut, rowFault } from '../rows.js'

type Row = { readonly [key: string]: JsonValue }

interface Part {
  readonly title: string
  /** API path under /v1, given the id. */
  readonly path: (id: string) => string
  readonly model: string
  readonly prefix: (id: string) => string
  readonly columns: readonly string[]
  /** One row (not a page), at this key. */
  readonly single?: boolean
}

export interface Collection {
  readonly route: string
  readonly title: string
  readonly path: string
  readonly model: string
  readonly prefix: string
  readonly id: string
  readonly columns: readonly string[]
  readonly parts: readonly Part[]
  readonly lineage?: string
}

interface PageAnswer {
  readonly items: readonly JsonValue[]
  readonly next: string | null
}

const LIMIT = 100

export const COLLECTIONS: readonly Collection[] = [
  { route: 'accounts', title: 'Accounts', path: 'accounts', model: 'accounts', prefix: 'account:', id: 'key', columns: ['key', 'displayName', 'open', 'gopen', 'staked', 'usageEscrow'], parts: [] },
  {
    route: 'proposals', title: 'Proposals', path: 'proposals', model: 'proposals', prefix: 'proposal:', id: 'id', columns: ['id', 'type', 'title', 'status', 'proposer', 'votes', 'backing'],
    parts: [
      { title: 'Votes', path: (id) => `proposals/${id}/votes`, model: 'proposals', prefix: (id) => `vote:${id}:`, columns: ['voter', 'support', 'weight', 'reason', 'sequence', 'recordedAt'] },
      { title: 'Backers', path: (id) => `proposals/${id}/backers`, model: 'proposals', prefix: (id) => `backer:${id}:`, columns: ['backer', 'amount', 'stakeId', 'sequence', 'recordedAt'] },
    ],
  },
  { route: 'appeals', title: 'Appeals', path: 'appeals', model: 'appeals', prefix: 'appeal:', id: 'id', columns: ['id', 'status', 'account', 'amount', 'bond', 'slashSequence', 'reversed', 'proposalId'], parts: [] },
  { route: 'disputes', title: 'Disputes', path: 'disputes', model: 'appeals', prefix: 'dispute:', id: 'id', columns: ['id', 'status', 'consumer', 'deploymentId', 'amount', 'bond', 'refunded', 'proposalId'], parts: [] },
  {
    route: 'datanets', title: 'Datanets', path: 'datanets', model: 'datanets', prefix: 'datanet:', id: 'id', columns: ['id', 'mandateId', 'licences', 'contributions', 'accepted', 'rejected', 'versions'],
    parts: [{ title: 'Dataset versions', path: (id) => `datanets/${id}/versions`, model: 'datanets', prefix: (id) => `version:${id}:`, columns: ['version', 'root', 'totalBytes', 'licences', 'sealedAt', 'sequence'] }],
  },
  { route: 'contributions', title: 'Contributions', path: 'contributions', model: 'datanets', prefix: 'contribution:', id: 'id', columns: ['id', 'contributor', 'licence', 'outcome', 'quality', 'bond', 'revoked'], parts: [] },
  {
    route: 'jobs', title: 'Training jobs', path: 'jobs', model: 'training', prefix: 'job:', id: 'id', columns: ['id', 'status', 'mandateId', 'datasetVersion', 'executor', 'evaluations'], lineage: 'jobs',
    parts: [
      { title: 'Checkpoints', path: (id) => `jobs/${id}/checkpoints`, model: 'training', prefix: (id) => `checkpoint:${id}:`, columns: ['step', 'root', 'totalBytes', 'metrics', 'sequence'] },
      { title: 'Evaluations', path: (id) => `jobs/${id}/evaluations`, model: 'training', prefix: (id) => `evaluation:${id}:`, columns: ['split', 'checkpoint', 'value', 'passed', 'sequence'] },
      { title: 'Attribution', path: (id) => `jobs/${id}/attribution`, model: 'training', prefix: (id) => `attribution:${id}`, columns: [], single: true },
    ],
  },
  {
    route: 'models', title: 'Model registry', path: 'models', model: 'models', prefix: 'model:', id: 'mandateId', columns: ['mandateId', 'title', 'issuedAt', 'changes', 'updatedAt'], lineage: 'models',
    parts: [
      { title: 'History', path: (id) => `models/${id}/history`, model: 'models', prefix: (id) => `history:${id}:`, columns: ['sequence', 'change', 'jobId', 'deploymentId', 'checkpoint', 'recordedAt'] },
      { title: 'Reward maps', path: (id) => `reward-maps/${id}`, model: 'reward-maps', prefix: (id) => `epoch:${id}:`, columns: ['epoch', 'dataPool', 'validatorPool', 'roundRewards', 'payouts', 'mapHash'] },
    ],
  },
  {
    route: 'deployments', title: 'Deployments', path: 'deployments', model: 'models', prefix: 'deployment:', id: 'id', columns: ['id', 'status', 'endpoint', 'operator', 'grants', 'deployedAt'], lineage: 'deployments',
    parts: [
      { title: 'Usage and fees', path: (id) => `deployments/${id}/usage`, model: 'usage', prefix: (id) => `deployment:${id}`, columns: [], single: true },
      { title: 'Fee splits by recipient', path: (id) => `deployments/${id}/usage/recipients`, model: 'usage', prefix: (id) => `recipient:${id}:`, columns: ['account', 'contributors', 'validators', 'proposer', 'total'] },
      { title: 'Access grants', path: (id) => `deployments/${id}/usage/grants`, model: 'usage', prefix: (id) => `grant:${id}:`, columns: ['consumer', 'fees', 'revoked', 'expiresAt'] },
      { title: 'Usage batches', path: (id) => `deployments/${id}/usage/batches`, model: 'usage', prefix: (id) => `batch:${id}:`, columns: ['sequence', 'inputTokens', 'outputTokens', 'fees', 'charged', 'payouts'] },
    ],
  },
]

function decodeCursor(cursor: string | null): string | undefined {
  if (cursor === null) return undefined
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)))
  } catch {
    return undefined
  }
}

async function verifiedPage(ctx: Context, checks: Checks, what: string, path: string, model: string, prefix: string, cut: number | undefined, cursor: string | null, limit = LIMIT): Promise<PageAnswer> {
  const query = `/v1/${path.replace(/\?.*$/, '')}?limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
  const answer = (await ctx.api.json<PageAnswer>(atCut(query, cut))).body
  if (cut !== undefined && ctx.replay !== undefined) checks.expect(`${what}: ${answer.items.length} rows, each equal to the row the signed log gives at sequence ${cut}`, pageFault(ctx.replay, model, prefix, decodeCursor(cursor), answer.items, answer.next !== null))
  return answer
}

async function verifiedRow(ctx: Context, checks: Checks, what: string, path: string, model: string, key: string, cut: number | undefined): Promise<Row> {
  const row = (await ctx.api.json<Row>(atCut(`/v1/${path}`, cut))).body
  if (cut !== undefined && ctx.replay !== undefined) checks.expect(`${what}: equal to the row the signed log gives at sequence ${cut}`, rowFault(ctx.replay, model, key, row))
  return row
}

function listPage(collection: Collection): Page {
  return async (ctx) => {
    const cut = await replayCut(ctx, ctx.checks)
    const cursor = ctx.query.get('cursor')
    const out: Node[] = []
    if (collection.route === 'accounts') {
      const treasury = await verifiedRow(ctx, ctx.checks, 'the treasury', 'treasury', 'accounts', 'treasury', cut).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return undefined
        throw error
      })
      if (treasury !== undefined) out.push(h('h2', {}, 'Treasury'), record(treasury))
      out.push(h('h2', {}, 'Accounts'))
    }
    const answer = await verifiedPage(ctx, ctx.checks, collection.title, collection.path, collection.model, collection.prefix, cut, cursor)
    out.push(rowsTable(answer.items, collection.columns, (row) => (typeof row[collection.id] === 'string' ? `/${collection.route}/${String(row[collection.id])}` : undefined)))
    if (answer.next !== null) out.push(h('p', { class: 'no-print' }, link(`/${collection.route}?cursor=${encodeURIComponent(answer.next)}`, 'next page →')))
    return out
  }
}

function detailPage(collection: Collection): Page {
  return async (ctx) => {
    const id = ctx.args[0] ?? ''
    const cut = await replayCut(ctx, ctx.checks)
    const row = await verifiedRow(ctx, ctx.checks, `this ${collection.title.toLowerCase().replace(/s$/, '')}`, `${collection.path}/${id}`, collection.model, `${collection.prefix}${id}`, cut)
    const out: Node[] = collection.route === 'proposals' ? proposalSummary(ctx, row) : [record(row)]
    if (collection.lineage !== undefined) out.push(h('p', {}, link(`/lineage/${id}`, 'Lineage: the data, people, licences and decisions behind it →')))
    for (const part of collection.parts) {
      out.push(h('h2', {}, part.title))
      try {
        if (part.single === true) out.push(record(await verifiedRow(ctx, ctx.checks, part.title, part.path(id), part.model, part.prefix(id), cut)))
        else {
          const answer = await verifiedPage(ctx, ctx.checks, part.title, part.path(id), part.model, part.prefix(id), cut, null)
          out.push(answer.items.length === 0 ? h('p', { class: 'none' }, 'none') : rowsTable(answer.items, part.columns))
          if (answer.next !== null) out.push(h('p', {}, `The first ${LIMIT} rows are shown.`))
        }
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error
        out.push(h('p', { class: 'none' }, 'none recorded'))
      }
    }
    return out
  }
}

/** The ledger's time now, as far as the console knows it: the last replayed event's (else the browser's clock). */
function ledgerNow(ctx: Context): { at: number; said: string } {
  const last = ctx.replay?.events.at(-1)
  return last === undefined ? { at: Date.now(), said: 'now (this browser’s clock)' } : { at: Date.parse(last.recordedAt), said: `at the log’s head (sequence ${last.sequence}, ${last.recordedAt})` }
}

/** What an executed action did, in one line: the sequence it applies from, its events, a parameter's old → new value, the OPEN it moved. */
function executedText(executed: ActionRow['executed']): string {
  if (executed === null) return 'not executed'
  const events = executed.events.map((e) => `${e.type} #${e.sequence}`).join(', ')
  const change = executed.from === null && executed.to === null ? '' : `; ${JSON.stringify(executed.from)} → ${JSON.stringify(executed.to)}`
  const moved = executed.amount === null ? '' : `; ${formatOpen(executed.amount)}`
  return `from sequence ${executed.sequence}: ${events}${change}${moved}`
}

/**
 * A proposal: its phase by the rules (computed from the verified row), the actions with what each
 * did, the quorum and deadline, then every other member.
 */
function proposalSummary(ctx: Context, row: Row): Node[] {
  const out: Node[] = []
  const decoded = proposalsProjection.decode(row)
  if (decoded.kind === 'proposal') {
    const now = ledgerNow(ctx)
    const outcome = decoded.canceled === null ? '' : ` by the ${decoded.canceled.by}${decoded.canceled.reason === null ? '' : `: “${decoded.canceled.reason}”`}`
    out.push(h('p', { class: 'phase' }, h('strong', {}, proposalPhase(decoded, now.at)), ` ${now.said}; recorded status ${decoded.status}${outcome}`))
    const extended = decoded.extendedSequence === null ? '' : ` (extended at sequence ${decoded.extendedSequence} from ${decoded.scheduledVotingEndsAt})`
    out.push(h('p', {}, `Voting ${decoded.votingStartsAt} – ${decoded.votingEndsAt}${extended}. Quorum: ${decoded.quorum.ratio.numerator}/${decoded.quorum.ratio.denominator} of the ${decoded.quorum.basis === 'supply' ? 'gOPEN supply' : 'delegated gOPEN'} at sequence ${decoded.snapshotSequence}.`))
    if (decoded.type === 'actions') {
      out.push(h('h2', {}, 'Actions'))
      out.push(rowsTable(decoded.actions.map((a, i) => ({ '#': i + 1, kind: a.action.kind, summary: a.summary, executed: executedText(a.executed) })), ['#', 'kind', 'summary', 'executed']))
    }
  }
  out.push(h('h2', {}, 'Record'), record(row, ['kind', 'actions']))
  return out
}

/** The parameters in force (as of the replayed head) with their bounds, and every change with the sequence it applies from. */
export function parametersPage(): Page {
  return async (ctx) => {
    const cut = await replayCut(ctx, ctx.checks)
    const current = await verifiedPage(ctx, ctx.checks, 'Parameters in force', 'parameters?limit=1000', 'parameters', 'parameter:', cut, null, 1000)
    const history = await verifiedPage(ctx, ctx.checks, 'Parameter changes', 'parameters/history?limit=1000', 'parameters', 'change:', cut, null, 1000)
    return [
      h('h2', {}, 'In force'),
      rowsTable(current.items, ['name', 'value', 'bound', 'since', 'changes']),
      h('h2', {}, 'History'),
      history.items.length === 0 ? h('p', { class: 'none' }, 'no change since the genesis') : rowsTable(history.items, ['sequence', 'name', 'from', 'to', 'proposalId', 'recordedAt']),
      ...(history.next === null ? [] : [h('p', {}, 'The first 1000 changes are shown.')]),
    ]
  }
}

/** The routes: `#/<route>` lists, `#/<route>/<id>` shows one row and its parts. */
export function collectionRoutes(): Map<string, { title: string; list: Page; detail: Page }> {
  return new Map(COLLECTIONS.map((collection) => [collection.route, { title: collection.title, list: listPage(collection), detail: detailPage(collection) }]))
}
