/**
 * A lineage graph for one target, built from the index. Every fact a node states comes from an
 * event whose sequence the node lists as evidence, so a report can carry exactly those events,
 * each with its inclusion proof, and be checked offline by rebuilding the graph from them.
 */
import { versionKey, type ContributionEntry, type LineageIndex } from './index.js'

export type LineageTarget =
  | { readonly kind: 'dataset-version'; readonly datanetId: string; readonly version: number }
  | { readonly kind: 'mandate'; readonly mandateId: string }
  | { readonly kind: 'contribution'; readonly contentHash: string }

export type Fact = string | number | boolean | null

export interface LineageNode {
  readonly id: string
  readonly kind: 'proposal' | 'mandate' | 'datanet' | 'dataset-version' | 'contribution' | 'reward-epoch'
  readonly label: string
  readonly sequence: number
  readonly facts: Readonly<Record<string, Fact>>
  /** Every sequence whose event establishes something this node states, its own first. */
  readonly evidence: readonly number[]
}

export interface LineageEdge {
  readonly from: string
  readonly to: string
  readonly relation: string
}

export interface LineageGraph {
  readonly target: LineageTarget
  readonly nodes: readonly LineageNode[]
  readonly edges: readonly LineageEdge[]
}

export class TargetNotFound extends Error {
  override readonly name = 'TargetNotFound'
}

class Builder {
  readonly nodes = new Map<string, LineageNode>()
  readonly edges: LineageEdge[] = []
  constructor(readonly index: LineageIndex) {}

  name(key: string, evidence: number[]): string {
    const entry = this.index.names.get(key)
    if (entry === undefined) return `${key.slice(0, 8)}…`
    evidence.push(entry.sequence)
    return entry.name
  }

  add(node: LineageNode): string {
    if (!this.nodes.has(node.id)) this.nodes.set(node.id, node)
    return node.id
  }

  edge(from: string, to: string, relation: string): void {
    if (!this.edges.some((e) => e.from === from && e.to === to && e.relation === relation)) this.edges.push({ from, to, relation })
  }

  proposal(proposalId: string): string | undefined {
    const p = this.index.proposals.get(proposalId)
    if (p === undefined) return undefined
    const evidence = [p.sequence, ...p.votes.map((v) => v.sequence), ...(p.executed === undefined ? [] : [p.executed])]
    const sum = (support: string) => p.votes.filter((v) => v.support === support).reduce((acc, v) => acc + BigInt(v.weight), 0n).toString()
    const voters = p.votes.map((v) => `${this.name(v.voter, evidence)}:${v.support}`).join(', ')
    return this.add({
      id: `proposal:${proposalId}`,
      kind: 'proposal',
      label: p.title,
      sequence: p.sequence,
      facts: { proposer: this.name(p.proposer, evidence), proposerKey: p.proposer, for: sum('for'), against: sum('against'), abstain: sum('abstain'), voters, executedAt: p.executed ?? null },
      evidence,
    })
  }

  mandate(mandateId: string): string | undefined {
    const m = this.index.mandates.get(mandateId)
    if (m === undefined) return undefined
    const id = this.add({ id: `mandate:${mandateId}`, kind: 'mandate', label: m.title, sequence: m.sequence, facts: { rubric: m.rubric, rewardPool: m.rewardPool }, evidence: [m.sequence] })
    const proposal = this.proposal(m.proposalId)
    if (proposal !== undefined) this.edge(id, proposal, 'approved by')
    for (const epoch of this.index.epochs.get(mandateId) ?? []) {
      const evidence = [epoch.sequence]
      const payouts = epoch.payouts.map((p) => `${this.name(p.recipient, evidence)}=${p.amount}`).join(', ')
      const node = this.add({ id: `epoch:${mandateId}:${epoch.epoch}`, kind: 'reward-epoch', label: `reward epoch ${epoch.epoch}`, sequence: epoch.sequence, facts: { payouts, mapHash: epoch.mapHash }, evidence })
      this.edge(id, node, 'paid in')
    }
    return id
  }

  datanet(datanetId: string): string | undefined {
    const d = this.index.datanets.get(datanetId)
    if (d === undefined) return undefined
    const id = this.add({ id: `datanet:${datanetId}`, kind: 'datanet', label: `datanet ${datanetId.slice(0, 8)}…`, sequence: d.sequence, facts: { licences: d.licences.join(' '), mediaTypes: d.mediaTypes.join(' ') }, evidence: [d.sequence] })
    const mandate = this.mandate(d.mandateId)
    if (mandate !== undefined) this.edge(id, mandate, 'opened under')
    return id
  }

  contribution(entry: ContributionEntry): string {
    const evidence = [entry.sequence, ...entry.verdicts.map((v) => v.sequence), ...(entry.finalized === undefined ? [] : [entry.finalized.sequence]), ...(entry.revoked === undefined ? [] : [entry.revoked])]
    const verdicts = entry.verdicts.map((v) => `${this.name(v.validator, evidence)}:${v.decision}(${v.quality}/${v.relevance})`).join(', ')
    return this.add({
      id: `contribution:${entry.id}`,
      kind: 'contribution',
      label: `${entry.contentHash.slice(0, 12)}… (${entry.licence})`,
      sequence: entry.sequence,
      facts: {
        contributor: this.name(entry.contributor, evidence),
        contributorKey: entry.contributor,
        contentHash: entry.contentHash,
        bytes: entry.byteLength,
        mediaType: entry.mediaType,
        licence: entry.licence,
        outcome: entry.finalized?.outcome ?? 'pending',
        quality: entry.finalized?.quality ?? null,
        relevance: entry.finalized?.relevance ?? null,
        verdicts,
        revoked: entry.revoked !== undefined,
      },
      evidence,
    })
  }

  version(datanetId: string, version: number): string | undefined {
    const v = this.index.versions.get(versionKey(datanetId, version))
    if (v === undefined) return undefined
    const id = this.add({ id: `version:${datanetId}:${version}`, kind: 'dataset-version', label: `dataset version ${version}`, sequence: v.sequence, facts: { root: v.root, items: v.contributions.length, totalBytes: v.totalBytes }, evidence: [v.sequence] })
    const datanet = this.datanet(datanetId)
    if (datanet !== undefined) this.edge(id, datanet, 'sealed in')
    for (const cid of v.contributions) {
      const entry = this.index.contributions.get(cid)
      if (entry !== undefined) this.edge(id, this.contribution(entry), 'includes')
    }
    return id
  }
}

export function buildLineage(index: LineageIndex, target: LineageTarget): LineageGraph {
  const b = new Builder(index)
  if (target.kind === 'dataset-version') {
    if (b.version(target.datanetId, target.version) === undefined) throw new TargetNotFound(`no dataset version ${target.version} of datanet ${target.datanetId}`)
  } else if (target.kind === 'mandate') {
    if (b.mandate(target.mandateId) === undefined) throw new TargetNotFound(`no mandate ${target.mandateId}`)
    for (const [datanetId, d] of index.datanets) {
      if (d.mandateId !== target.mandateId) continue
      b.datanet(datanetId)
      for (const v of index.versions.values()) if (v.datanetId === datanetId) b.version(datanetId, v.version)
    }
  } else {
    const entries = [...index.contributions.values()].filter((c) => c.contentHash === target.contentHash)
    if (entries.length === 0) throw new TargetNotFound(`no contribution with content hash ${target.contentHash}`)
    for (const entry of entries) {
      const id = b.contribution(entry)
      const datanet = b.datanet(entry.datanetId)
      if (datanet !== undefined) b.edge(id, datanet, 'submitted to')
      for (const v of index.versions.values()) if (v.contributions.includes(entry.id)) b.edge(b.version(v.datanetId, v.version) ?? '', id, 'includes')
    }
  }
  const nodes = [...b.nodes.values()].sort((x, y) => x.sequence - y.sequence || x.id.localeCompare(y.id))
  const edges = [...b.edges].sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to) || x.relation.localeCompare(y.relation))
  return { target, nodes, edges }
}
