/**
 * The read models an auditor asks about, one table each, every row checked against the replayed
 * log: accounts and the treasury; proposals with their votes; datanets, contributions and
 * dataset versions; training jobs with checkpoints, evaluations and attribution; the model
 * registry with its history; deployments with usage, fee splits, grants and batches; reward maps.
 */
import type { JsonValue } from '../../../../domain/json.js'
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
    route: 'proposals', title: 'Proposals', path: 'proposals', model: 'proposals', prefix: 'proposal:', id: 'id', columns: ['id', 'status', 'proposer', 'votes'],
    parts: [{ title: 'Votes', path: (id) => `proposals/${id}/votes`, model: 'proposals', prefix: (id) => `vote:${id}:`, columns: ['voter', 'support', 'weight', 'sequence', 'recordedAt'] }],
  },
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

async function verifiedPage(ctx: Context, checks: Checks, what: string, path: string, model: string, prefix: string, cut: number | undefined, cursor: string | null): Promise<PageAnswer> {
  const query = `/v1/${path}?limit=${LIMIT}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
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
    const out: Node[] = [record(row)]
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

/** The routes: `#/<route>` lists, `#/<route>/<id>` shows one row and its parts. */
export function collectionRoutes(): Map<string, { title: string; list: Page; detail: Page }> {
  return new Map(COLLECTIONS.map((collection) => [collection.route, { title: collection.title, list: listPage(collection), detail: detailPage(collection) }]))
}
