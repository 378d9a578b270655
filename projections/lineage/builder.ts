/**
 * Building a lineage graph: nodes keyed by id (each added once), edges, and the node for each
 * governance and data item. Every fact a node states comes from an event whose sequence the node
 * lists as evidence. model-graph.ts adds the nodes of training jobs, checkpoints and deployments.
 */
import { contributionStream, datanetStream } from '../../domain/datanets/ids.js'
import { identityStream, mandateStream, proposalStream } from '../../domain/governance/streams.js'
import { versionKey, type ContributionEntry, type LineageIndex } from './index.js'

/** The first 8 hex digits of an id, for labels. */
export const short = (id: string): string => `${id.slice(0, 8)}…`

export type NodeKind = 'proposal' | 'mandate' | 'datanet' | 'dataset-version' | 'contribution' | 'reward-epoch' | 'training-job' | 'checkpoint' | 'deployment' | 'usage' | 'preference-version'

export type Fact = string | number | boolean | null

export interface LineageNode {
  readonly id: string
  readonly kind: NodeKind
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


export class Builder {
  readonly nodes = new Map<string, LineageNode>()
  readonly edges: LineageEdge[] = []
  /**
   * Streams that an indexed event refers to, and that the ledger's rules say exist, but that the
   * index lacks: on a whole log, none; in a report, streams it left out.
   */
  readonly unresolved = new Set<string>()
  constructor(readonly index: LineageIndex) {}

  /**
   * A key's registered name, its event added to `evidence`. An actor's key (`required`) is always
   * registered, since the rules refuse commands from unregistered keys; a payout's recipient need not be.
   */
  name(key: string, evidence: number[], required = true): string {
    const entry = this.index.names.get(key)
    if (entry === undefined) {
      if (required) this.unresolved.add(identityStream(key))
      return short(key)
    }
    evidence.push(entry.sequence)
    return entry.name
  }

  /** An edge to an item an indexed event refers to; when the index lacks the item, its stream is unresolved. */
  link(from: string, to: string | undefined, relation: string, stream: string): void {
    if (to === undefined) this.unresolved.add(stream)
    else this.edge(from, to, relation)
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
    this.link(id, this.proposal(m.proposalId), 'approved by', proposalStream(m.proposalId))
    for (const epoch of this.index.epochs.get(mandateId) ?? []) {
      const evidence = [epoch.sequence]
      const payouts = epoch.payouts.map((p) => `${this.name(p.recipient, evidence, false)}=${p.amount}`).join(', ')
      const node = this.add({ id: `epoch:${mandateId}:${epoch.epoch}`, kind: 'reward-epoch', label: `reward epoch ${epoch.epoch}`, sequence: epoch.sequence, facts: { payouts, mapHash: epoch.mapHash }, evidence })
      this.edge(id, node, 'paid in')
    }
    return id
  }

  datanet(datanetId: string): string | undefined {
    const d = this.index.datanets.get(datanetId)
    if (d === undefined) return undefined
    const id = this.add({ id: `datanet:${datanetId}`, kind: 'datanet', label: `datanet ${short(datanetId)}`, sequence: d.sequence, facts: { licences: d.licences.join(' '), mediaTypes: d.mediaTypes.join(' ') }, evidence: [d.sequence] })
    this.link(id, this.mandate(d.mandateId), 'opened under', mandateStream(d.mandateId))
    return id
  }

  contribution(entry: ContributionEntry): string {
    const evidence = [entry.sequence, ...entry.verdicts.map((v) => v.sequence), ...(entry.finalized === undefined ? [] : [entry.finalized.sequence]), ...(entry.revoked === undefined ? [] : [entry.revoked])]
    const verdicts = entry.verdicts.map((v) => `${this.name(v.validator, evidence)}:${v.decision}(${v.quality}/${v.relevance})`).join(', ')
    const scores = this.index.attributions.get(entry.id) ?? []
    evidence.push(...scores.map((s) => s.sequence))
    // Only when scored, so reports made before training was traced still verify.
    const attribution: Record<string, Fact> = scores.length === 0 ? {} : { attribution: scores.map((s) => `job ${short(s.jobId)}=${s.score}`).join(', ') }
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
        ...attribution,
        revoked: entry.revoked !== undefined,
      },
      evidence,
    })
  }

  version(datanetId: string, version: number): string | undefined {
    const v = this.index.versions.get(versionKey(datanetId, version))
    if (v === undefined) return undefined
    const id = this.add({ id: `version:${datanetId}:${version}`, kind: 'dataset-version', label: `dataset version ${version}`, sequence: v.sequence, facts: { root: v.root, items: v.contributions.length, totalBytes: v.totalBytes }, evidence: [v.sequence] })
    this.link(id, this.datanet(datanetId), 'sealed in', datanetStream(datanetId))
    for (const cid of v.contributions) {
      const entry = this.index.contributions.get(cid)
      this.link(id, entry === undefined ? undefined : this.contribution(entry), 'includes', contributionStream(cid))
    }
    return id
  }
}
