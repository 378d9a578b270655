/**
 * The lineage index: one pure fold over the log that remembers, for every item a compliance
 * question can reach, the sequence of the event that established it. Reports are built from it
 * and carry those events as evidence. This file indexes governance and data; model-index.ts
 * indexes training jobs, checkpoints and deployments.
 */
import type { EconomyEvent } from '../../domain/economy/index.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { decodeEconomy } from '../catalogue.js'
import { emptyModelIndex, indexModelEvent, type ModelIndex } from './model-index.js'

export interface ContributionEntry {
  readonly id: string
  readonly sequence: number
  readonly datanetId: string
  readonly contributor: string
  readonly contentHash: string
  readonly byteLength: number
  readonly mediaType: string
  readonly licence: string
  verdicts: { sequence: number; validator: string; decision: string; quality: number; relevance: number }[]
  finalized?: { sequence: number; outcome: string; quality: number; relevance: number }
  revoked?: number
}

export interface LineageIndex extends ModelIndex {
  readonly names: Map<string, { name: string; sequence: number }>
  readonly proposals: Map<string, { sequence: number; proposer: string; title: string; votes: { sequence: number; voter: string; support: string; weight: string }[]; executed?: number }>
  readonly mandates: Map<string, { sequence: number; proposalId: string; title: string; rubric: string; rewardPool: string }>
  readonly datanets: Map<string, { sequence: number; mandateId: string; licences: readonly string[]; mediaTypes: readonly string[] }>
  readonly contributions: Map<string, ContributionEntry>
  readonly versions: Map<string, { sequence: number; datanetId: string; version: number; contributions: readonly string[]; root: string; totalBytes: number }>
  readonly epochs: Map<string, { sequence: number; mandateId: string; epoch: number; payouts: readonly { recipient: string; amount: string }[]; mapHash: string }[]>
}

export function versionKey(datanetId: string, version: number): string {
  return `${datanetId}#${version}`
}

export function emptyIndex(): LineageIndex {
  return { names: new Map(), proposals: new Map(), mandates: new Map(), datanets: new Map(), contributions: new Map(), versions: new Map(), epochs: new Map(), ...emptyModelIndex() }
}

/** Adds one envelope to the index (in log order). Events outside the economy vertical are ignored. */
export function indexEnvelope(index: LineageIndex, envelope: Envelope): void {
  const event = decodeEconomy(envelope)
  if (event !== undefined) indexEvent(index, event, envelope.sequence)
}

function indexEvent(index: LineageIndex, event: EconomyEvent, sequence: number): void {
  switch (event.type) {
    case 'IdentityRegistered':
      index.names.set(event.data.key, { name: event.data.displayName, sequence })
      return
    case 'ModelProposed':
      index.proposals.set(event.data.proposalId, { sequence, proposer: event.data.proposer, title: event.data.spec.title, votes: [] })
      return
    case 'VoteCast':
      index.proposals.get(event.data.proposalId)?.votes.push({ sequence, voter: event.data.voter, support: event.data.support, weight: event.data.weight.toString() })
      return
    case 'ProposalExecuted': {
      const proposal = index.proposals.get(event.data.proposalId)
      if (proposal !== undefined) proposal.executed = sequence
      return
    }
    case 'MandateIssued': {
      const { rubric } = event.data
      index.mandates.set(event.data.mandateId, {
        sequence,
        proposalId: event.data.proposalId,
        title: event.data.title,
        rubric: `${rubric.metric} ${rubric.direction === 'maximize' ? '≥' : '≤'} ${rubric.threshold}`,
        rewardPool: event.data.rewardPool.toString(),
      })
      return
    }
    default:
      indexData(index, event, sequence)
  }
}

function indexData(index: LineageIndex, event: EconomyEvent, sequence: number): void {
  switch (event.type) {
    case 'DatanetOpened':
      index.datanets.set(event.data.datanetId, { sequence, mandateId: event.data.mandateId, licences: event.data.licences, mediaTypes: event.data.mediaTypes })
      return
    case 'ContributionSubmitted': {
      const d = event.data
      index.contributions.set(d.contributionId, { id: d.contributionId, sequence, datanetId: d.datanetId, contributor: d.contributor, contentHash: d.contentHash, byteLength: d.byteLength, mediaType: d.mediaType, licence: d.licence, verdicts: [] })
      return
    }
    case 'VerdictCast':
      index.contributions.get(event.data.contributionId)?.verdicts.push({ sequence, validator: event.data.validator, decision: event.data.decision, quality: event.data.quality, relevance: event.data.relevance })
      return
    case 'ContributionFinalized': {
      const entry = index.contributions.get(event.data.contributionId)
      if (entry !== undefined) entry.finalized = { sequence, outcome: event.data.outcome, quality: event.data.quality, relevance: event.data.relevance }
      return
    }
    case 'ContributionRevoked': {
      const entry = index.contributions.get(event.data.contributionId)
      if (entry !== undefined) entry.revoked = sequence
      return
    }
    case 'DatasetVersionSealed':
      index.versions.set(versionKey(event.data.datanetId, event.data.version), { sequence, datanetId: event.data.datanetId, version: event.data.version, contributions: event.data.contributions, root: event.data.root, totalBytes: event.data.totalBytes })
      return
    case 'RewardEpochClosed': {
      const list = index.epochs.get(event.data.mandateId) ?? []
      list.push({ sequence, mandateId: event.data.mandateId, epoch: event.data.epoch, payouts: event.data.payouts.map((p) => ({ recipient: p.recipient, amount: p.amount.toString() })), mapHash: event.data.mapHash })
      index.epochs.set(event.data.mandateId, list)
      return
    }
    default:
      indexModelEvent(index, event, sequence)
  }
}
