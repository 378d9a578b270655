/** Folds datanet events into the data state; trusts the events (the deciders checked them). */
import type { Recorded } from '../decider.js'
import { toMs } from '../governance/time.js'
import type { DataEvent, DataEventOf } from './events.js'
import { usageKey, type Contribution, type DataState, type Datanet } from './state.js'
import { put } from '../persistent.js'

function withDatanet(state: DataState, id: string, change: (d: Datanet) => Datanet): DataState {
  const datanet = state.datanets.get(id)
  return datanet === undefined ? state : { ...state, datanets: put(state.datanets, id, change(datanet)) }
}

function withContribution(state: DataState, id: string, change: (c: Contribution) => Contribution): DataState {
  const c = state.contributions.get(id)
  return c === undefined ? state : { ...state, contributions: put(state.contributions, id, change(c)) }
}

function submitted(state: DataState, data: DataEventOf<'ContributionSubmitted'>['data'], at: number, sequence: number): DataState {
  const contribution: Contribution = {
    id: data.contributionId,
    datanetId: data.datanetId,
    contributor: data.contributor,
    contentHash: data.contentHash,
    byteLength: data.byteLength,
    licence: data.licence,
    submittedAt: at,
    submittedSequence: sequence,
    bond: data.bond,
    bondStakeId: data.bondStakeId,
    verdicts: new Map(),
    outcome: null,
    quality: 0,
    revoked: false,
  }
  const key = usageKey(data.contributor, at)
  const used = state.usage.get(key) ?? { bytes: 0, items: 0 }
  return {
    ...state,
    contributions: put(state.contributions, contribution.id, contribution),
    usage: put(state.usage, key, { bytes: used.bytes + data.byteLength, items: used.items + 1 }),
  }
}

function finalized(state: DataState, data: DataEventOf<'ContributionFinalized'>['data']): DataState {
  const next = withContribution(state, data.contributionId, (c) => ({ ...c, outcome: data.outcome, quality: data.quality }))
  if (data.outcome !== 'accepted') return next
  return withDatanet(next, data.datanetId, (d) => ({ ...d, accepted: [...d.accepted, data.contributionId] }))
}

export function evolveData(state: DataState, recorded: Recorded<DataEvent>): DataState {
  const { event } = recorded
  switch (event.type) {
    case 'DatanetOpened': {
      const { datanetId: id, mandateId, opener, mediaTypes, licences, limits } = event.data
      const datanet: Datanet = { id, mandateId, opener, mediaTypes, licences, limits, accepted: [], versions: 0, lastVersion: [] }
      return { ...state, datanets: put(state.datanets, id, datanet) }
    }
    case 'ContributionSubmitted':
      return submitted(state, event.data, toMs(recorded.recordedAt), recorded.sequence)
    case 'VerdictCast': {
      const { validator, decision, quality, relevance, weight } = event.data
      const verdict = { decision, quality, relevance, weight, sequence: recorded.sequence }
      return withContribution(state, event.data.contributionId, (c) => ({ ...c, verdicts: put(c.verdicts, validator, verdict) }))
    }
    case 'ContributionFinalized':
      return finalized(state, event.data)
    case 'ContributionRevoked':
      return withContribution(state, event.data.contributionId, (c) => ({ ...c, revoked: true }))
    case 'DatasetVersionSealed':
      return withDatanet(state, event.data.datanetId, (d) => ({ ...d, versions: event.data.version, lastVersion: event.data.contributions }))
  }
}
