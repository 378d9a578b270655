/**
 * A lineage graph for one target, built from the index. Every fact a node states comes from an
 * event whose sequence the node lists as evidence, so a report can carry exactly those events,
 * each with its inclusion proof, and be checked offline by rebuilding the graph from them.
 */
import { datanetStream } from '../../domain/datanets/ids.js'
import { Builder, type LineageEdge, type LineageNode } from './builder.js'
import type { LineageIndex } from './index.js'
import { checkpointNode, deploymentNode, deploymentsServing, jobTree } from './model-graph.js'

export type { Fact, LineageEdge, LineageNode, NodeKind } from './builder.js'

/** What a report traces: a mandate is the model it commissioned (its data, jobs and deployments). */
export type LineageTarget =
  | { readonly kind: 'dataset-version'; readonly datanetId: string; readonly version: number }
  | { readonly kind: 'mandate'; readonly mandateId: string }
  | { readonly kind: 'contribution'; readonly contentHash: string }
  | { readonly kind: 'deployment'; readonly deploymentId: string }
  | { readonly kind: 'checkpoint'; readonly root: string }
  | { readonly kind: 'training-job'; readonly jobId: string }

export interface LineageGraph {
  readonly target: LineageTarget
  readonly nodes: readonly LineageNode[]
  readonly edges: readonly LineageEdge[]
}

export class TargetNotFound extends Error {
  override readonly name = 'TargetNotFound'
}

function notFound(message: string): never {
  throw new TargetNotFound(message)
}

/** A mandate: its datanets and dataset versions, every job that trained its model, and every deployment of it. */
function model(b: Builder, mandateId: string): void {
  if (b.mandate(mandateId) === undefined) notFound(`no mandate ${mandateId}`)
  for (const [datanetId, d] of b.index.datanets) {
    if (d.mandateId !== mandateId) continue
    b.datanet(datanetId)
    for (const v of b.index.versions.values()) if (v.datanetId === datanetId) b.version(datanetId, v.version)
  }
  for (const job of b.index.jobs.values()) if (job.mandateId === mandateId) jobTree(b, job.id)
  for (const d of b.index.deployments.values()) if (d.mandateId === mandateId) deploymentNode(b, d.id)
}

/** Reverse lineage: every datanet, dataset version, job, checkpoint and deployment that used the content. */
function usesOf(b: Builder, contentHash: string): void {
  const entries = [...b.index.contributions.values()].filter((c) => c.contentHash === contentHash)
  if (entries.length === 0) notFound(`no contribution with content hash ${contentHash}`)
  for (const entry of entries) {
    const id = b.contribution(entry)
    b.link(id, b.datanet(entry.datanetId), 'submitted to', datanetStream(entry.datanetId))
    for (const v of b.index.versions.values()) {
      if (!v.contributions.includes(entry.id)) continue
      b.edge(b.version(v.datanetId, v.version) ?? '', id, 'includes')
      for (const job of b.index.jobs.values()) if (job.mandateId === v.datanetId && job.datasetVersion === v.version) jobTree(b, job.id)
    }
  }
}

/** A checkpoint (every job that recorded that root), what it came from, and the deployments that served it. */
function checkpoint(b: Builder, root: string): void {
  const found = [...b.index.checkpoints.values()].filter((k) => k.root === root)
  if (found.length === 0) notFound(`no checkpoint with root ${root}`)
  for (const k of found) {
    checkpointNode(b, k.jobId, root)
    for (const deployment of deploymentsServing(b, k.jobId, root)) deploymentNode(b, deployment)
  }
}

function build(b: Builder, target: LineageTarget): void {
  switch (target.kind) {
    case 'dataset-version':
      if (b.version(target.datanetId, target.version) === undefined) notFound(`no dataset version ${target.version} of datanet ${target.datanetId}`)
      return
    case 'mandate':
      return model(b, target.mandateId)
    case 'contribution':
      return usesOf(b, target.contentHash)
    case 'deployment':
      if (deploymentNode(b, target.deploymentId) === undefined) notFound(`no deployment ${target.deploymentId}`)
      return
    case 'checkpoint':
      return checkpoint(b, target.root)
    case 'training-job':
      if (jobTree(b, target.jobId) === undefined) notFound(`no training job ${target.jobId}`)
  }
}

/** UTF-16 code unit order: the same on every machine, unlike localeCompare. */
const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The graph for a target, and the streams its events refer to that the index lacks (sorted): none
 * over a whole log; over a report's events, the streams the report left out.
 */
export function traceLineage(index: LineageIndex, target: LineageTarget): { graph: LineageGraph; unresolved: string[] } {
  const b = new Builder(index)
  build(b, target)
  const nodes = [...b.nodes.values()].sort((x, y) => x.sequence - y.sequence || byCode(x.id, y.id))
  const edges = [...b.edges].sort((x, y) => byCode(x.from, y.from) || byCode(x.to, y.to) || byCode(x.relation, y.relation))
  return { graph: { target, nodes, edges }, unresolved: [...b.unresolved].sort() }
}

export function buildLineage(index: LineageIndex, target: LineageTarget): LineageGraph {
  return traceLineage(index, target).graph
}

/** Every sequence a graph's nodes cite, ascending. */
export function evidenceOf(graph: LineageGraph): number[] {
  return [...new Set(graph.nodes.flatMap((node) => node.evidence))].sort((a, b) => a - b)
}

/** What an id names: a deployment, a training job, a checkpoint root or a mandate (the model), in that order. */
export function resolveTarget(index: LineageIndex, id: string): LineageTarget {
  if (index.deployments.has(id)) return { kind: 'deployment', deploymentId: id }
  if (index.jobs.has(id)) return { kind: 'training-job', jobId: id }
  for (const k of index.checkpoints.values()) if (k.root === id) return { kind: 'checkpoint', root: id }
  if (index.mandates.has(id)) return { kind: 'mandate', mandateId: id }
  return notFound(`${id} is not a deployment, training job, checkpoint or mandate of this ledger`)
}
