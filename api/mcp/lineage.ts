/**
 * Lineage for agents: a whole report (every event with its inclusion proof) runs to megabytes,
 * more than an agent's context holds, so the MCP resources give it in parts:
 *   ledger://lineage/{id}                   a summary: the subject and its facts, counts by kind,
 *                                           licences, contributors, deployments, and where the pages are
 *   ledger://lineage/{id}/nodes/{page}      NODE_PAGE nodes with their facts, and the edges that touch them
 *   ledger://lineage/{id}/streams/{page}    STREAM_PAGE of the streams the graph rests on, each whole
 *                                           with its head's map path and every event's tree path
 * The pages together are the report's nodes, edges and streams, each once. The whole report, to
 * check offline with `model-ledger verify-report`, is the HTTP route the summary names.
 */
import { decodeWith } from '../../domain/codec.js'
import { LineageReportC, type LineageReport } from '../../projections/lineage/report-format.js'
import type { LineageNode } from '../../projections/lineage/graph.js'
import { isApiError } from '../sdk/errors.js'
import { invalidParams } from './errors.js'
import type { LedgerService } from './service.js'

export const NODE_PAGE = 40
export const STREAM_PAGE = 5
/** How long a fetched report answers page reads (an agent pages through one report in a burst). */
const REPORT_TTL_MS = 30_000
const KEPT_REPORTS = 8

/**
 * Where `ledger://lineage/{id}` looks, in order: `/v1/lineage/{id}`, which resolves any id (a
 * deployment, training job, checkpoint root or mandate) where the service has that route; then,
 * for services without it, a deployment's lineage and a mandate's (the model it commissioned).
 * An id a route does not know (404, as is a route the service lacks) falls through to the next.
 */
export const LINEAGE_ROUTES = ['/v1/lineage/', '/v1/lineage/deployments/', '/v1/lineage/mandates/'] as const

interface Fetched {
  readonly route: string
  readonly report: LineageReport
  readonly at: number
}

export interface LineageReader {
  summary(id: string): Promise<object>
  nodes(id: string, page: number): Promise<object>
  streams(id: string, page: number): Promise<object>
}

const pagesOf = (count: number, size: number): number => Math.max(1, Math.ceil(count / size))

/** The node the report is about: the target's own node. */
function subjectOf(report: LineageReport): LineageNode | undefined {
  const target = report.graph.target
  return report.graph.nodes.find((node) => {
    switch (target.kind) {
      case 'mandate':
        return node.id === `mandate:${target.mandateId}`
      case 'deployment':
        return node.id === `deployment:${target.deploymentId}`
      case 'training-job':
        return node.id === `job:${target.jobId}`
      case 'dataset-version':
        return node.id === `version:${target.datanetId}:${target.version}`
      case 'checkpoint':
        return node.kind === 'checkpoint' && node.facts.root === target.root
      case 'contribution':
        return node.kind === 'contribution' && node.facts.contentHash === target.contentHash
    }
  })
}

function tally<T extends string>(values: readonly T[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const value of values) out[value] = (out[value] ?? 0) + 1
  return out
}

export function lineageReader(service: LedgerService, now: () => number = Date.now): LineageReader {
  const kept = new Map<string, Fetched>()

  async function fetchReport(id: string): Promise<Fetched> {
    const cached = kept.get(id)
    if (cached !== undefined && now() - cached.at < REPORT_TTL_MS) return cached
    for (const route of LINEAGE_ROUTES) {
      let json
      try {
        json = await service.getJson(`${route}${id}`)
      } catch (error) {
        if (isApiError(error) && error.status === 404) continue
        throw error
      }
      const decoded = decodeWith(LineageReportC, json)
      if (!decoded.ok) throw new Error(`${route}${id} did not answer with a lineage report: ${decoded.error}`)
      const fetched = { route: `${route}${id}`, report: decoded.value, at: now() }
      kept.delete(id)
      kept.set(id, fetched)
      for (const old of kept.keys()) if (kept.size > KEPT_REPORTS) kept.delete(old)
      return fetched
    }
    throw invalidParams(`no lineage for ${id}: the ledger knows it as no deployment, training job, checkpoint or mandate`)
  }

  function pageIn(page: number, pages: number, what: string): void {
    if (!Number.isSafeInteger(page) || page < 1 || page > pages) throw invalidParams(`${what} page ${page} does not exist: pages run from 1 to ${pages}`)
  }

  return {
    async summary(id) {
      const { route, report } = await fetchReport(id)
      const { nodes, edges, target } = report.graph
      const contributions = nodes.filter((n) => n.kind === 'contribution')
      const facts = (kind: string, key: string) => [...new Set(nodes.filter((n) => n.kind === kind).map((n) => n.facts[key]).filter((v): v is string => typeof v === 'string'))]
      const subject = subjectOf(report)
      const nodePages = pagesOf(nodes.length, NODE_PAGE)
      const streamPages = pagesOf(report.streams.length, STREAM_PAGE)
      return {
        target,
        subject: subject === undefined ? null : { id: subject.id, kind: subject.kind, label: subject.label, facts: subject.facts },
        ledgerPublicKey: report.ledgerPublicKey,
        checkpoint: { sequence: report.head.sequence, hash: report.head.hash },
        nodes: { total: nodes.length, byKind: tally(nodes.map((n) => n.kind)) },
        edges: { total: edges.length, byRelation: tally(edges.map((e) => e.relation)) },
        streams: { total: report.streams.length, events: report.streams.reduce((n, s) => n + s.events.length, 0) },
        licences: tally(contributions.map((n) => String(n.facts.licence))),
        contributors: new Set(contributions.map((n) => n.facts.contributorKey)).size,
        datasetRoots: facts('dataset-version', 'root'),
        checkpoints: facts('checkpoint', 'root'),
        deployments: nodes.filter((n) => n.kind === 'deployment').map((n) => n.label),
        pages: {
          nodes: { pages: nodePages, size: NODE_PAGE, first: `ledger://lineage/${id}/nodes/1` },
          streams: { pages: streamPages, size: STREAM_PAGE, first: `ledger://lineage/${id}/streams/1` },
        },
        fullReport: `${service.baseUrl}${route} (check it offline with: model-ledger verify-report FILE --key ${report.ledgerPublicKey})`,
      }
    },
    async nodes(id, page) {
      const { report } = await fetchReport(id)
      const pages = pagesOf(report.graph.nodes.length, NODE_PAGE)
      pageIn(page, pages, 'node')
      const nodes = report.graph.nodes.slice((page - 1) * NODE_PAGE, page * NODE_PAGE)
      const here = new Set(nodes.map((n) => n.id))
      // Each edge once: on the page of the node it comes from.
      const edges = report.graph.edges.filter((e) => here.has(e.from))
      return { page, pages, nodes, edges, next: page < pages ? `ledger://lineage/${id}/nodes/${page + 1}` : null }
    },
    async streams(id, page) {
      const { report } = await fetchReport(id)
      const pages = pagesOf(report.streams.length, STREAM_PAGE)
      pageIn(page, pages, 'stream')
      const streams = report.streams.slice((page - 1) * STREAM_PAGE, page * STREAM_PAGE)
      return { page, pages, checkpoint: report.head, streams, next: page < pages ? `ledger://lineage/${id}/streams/${page + 1}` : null }
    },
  }
}
