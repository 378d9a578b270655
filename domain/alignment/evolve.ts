/** Folds RLHF events into the alignment state. */
import type { Recorded } from '../decider.js'
import { toMs } from '../governance/time.js'
import type { AlignmentEvent } from './codecs.js'
import { preferenceKey, type AlignmentState, type Round } from './state.js'
import { put } from '../persistent.js'

function withRound(state: AlignmentState, id: string, change: (r: Round) => Round): AlignmentState {
  const round = state.rounds.get(id)
  return round === undefined ? state : { ...state, rounds: put(state.rounds, id, change(round)) }
}

export function evolveAlignment(state: AlignmentState, recorded: Recorded<AlignmentEvent>): AlignmentState {
  const { event, sequence } = recorded
  switch (event.type) {
    case 'FeedbackRoundOpened': {
      const d = event.data
      const round: Round = {
        id: d.roundId,
        mandateId: d.mandateId,
        checkpoint: d.checkpoint,
        samples: d.samples,
        pool: d.rewardPool,
        commitEndsAt: toMs(d.commitEndsAt),
        revealEndsAt: toMs(d.revealEndsAt),
        commits: new Map(),
        reveals: new Map(),
        closed: false,
      }
      return { ...state, rounds: put(state.rounds, d.roundId, round) }
    }
    case 'RatingsCommitted': {
      const commit = { commitment: event.data.commitment, stake: event.data.stake, weight: event.data.weight, sequence, at: toMs(recorded.recordedAt) }
      return withRound(state, event.data.roundId, (r) => ({ ...r, commits: put(r.commits, event.data.validator, commit) }))
    }
    case 'RatingsRevealed': {
      const reveal = { scores: event.data.scores, sequence }
      return withRound(state, event.data.roundId, (r) => ({ ...r, reveals: put(r.reveals, event.data.validator, reveal) }))
    }
    case 'FeedbackRoundClosed':
      return withRound(state, event.data.roundId, (r) => ({ ...r, closed: true }))
    case 'PreferenceDatasetVersioned': {
      const { mandateId, version, roundId, samples, root } = event.data
      return {
        ...state,
        preferenceVersions: put(state.preferenceVersions, mandateId, version),
        preferenceDatasets: put(state.preferenceDatasets, preferenceKey(mandateId, version), { mandateId, version, roundId, samples, root }),
      }
    }
  }
}
