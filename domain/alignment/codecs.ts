/** RLHF feedback rounds: commands and events. */
import { commandCodec as command, eventCodec as event } from '../codec.js'
import * as t from 'io-ts'
import { closed, Hex32, integer, pattern, Timestamp } from '../codec.js'
import { AmountC } from '../governance/amounts.js'
import { KeyC, ProposalIdC } from '../governance/values.js'


const RoundIdC = pattern('round id (64 hex)', /^[0-9a-f]{64}$/)
const SequenceC = integer('sequence', 1)
/**
 * How the round's checkpoint generated a sample's output (docs/gateway.md, sampling): the seed of
 * the sampler's PRNG, temperature and top_p in thousandths, and the token limit. Anyone holding the
 * checkpoint's files regenerates the output from the prompt and these, and checks its hash.
 */
export const GenerationC = closed(
  {
    seed: integer('seed', 0, 4_294_967_295),
    temperature: integer('temperature (thousandths)', 0, 2000),
    topP: integer('top_p (thousandths)', 1, 1000),
    maxTokens: integer('maxTokens', 1, 4096),
  },
  'Generation',
)
export type Generation = t.TypeOf<typeof GenerationC>
/**
 * A sample to rate: hashes of the prompt and the checkpoint's output (their bytes are blobs), and,
 * for a generated output, how it was generated (without it, the output is the opener's word).
 */
export const SampleC = t.union([closed({ promptHash: Hex32, outputHash: Hex32, generation: GenerationC }), closed({ promptHash: Hex32, outputHash: Hex32 })], 'Sample')
export type Sample = t.TypeOf<typeof SampleC>
const SamplesC = t.refinement(t.array(SampleC), (s) => s.length >= 1 && s.length <= 256, 'samples (1-256)')
const ScoresC = t.array(integer('score', 0, 1000))
/** 16 to 64 random bytes in hex: enough that nobody can guess scores from a commitment. */
const SaltC = pattern('salt (32-128 hex)', /^(?:[0-9a-f]{2}){16,64}$/)

export const OpenFeedbackRoundC = command('OpenFeedbackRound', { mandateId: ProposalIdC, checkpoint: Hex32, samples: SamplesC, rewardPool: AmountC })
export const CommitRatingsC = command('CommitRatings', { roundId: RoundIdC, commitment: Hex32 })
export const RevealRatingsC = command('RevealRatings', { roundId: RoundIdC, scores: ScoresC, salt: SaltC })
export const CloseFeedbackRoundC = command('CloseFeedbackRound', { roundId: RoundIdC })

export const ALIGNMENT_COMMAND_CODECS = [OpenFeedbackRoundC, CommitRatingsC, RevealRatingsC, CloseFeedbackRoundC] as const
export const AlignmentRequestC = t.union([...ALIGNMENT_COMMAND_CODECS], 'AlignmentCommand')
export type AlignmentCommand = t.TypeOf<typeof AlignmentRequestC> & { readonly actor: string }

export const FeedbackRoundOpenedC = event('FeedbackRoundOpened', {
  roundId: RoundIdC,
  mandateId: ProposalIdC,
  opener: KeyC,
  checkpoint: Hex32,
  samples: t.array(SampleC),
  rewardPool: AmountC,
  commitEndsAt: Timestamp,
  revealEndsAt: Timestamp,
})
/** `stake` is the validator's active validator stake, `trust` its trust (millionths), `weight` their product: what its reveal counts for in consensus and rewards. */
export const RatingsCommittedC = event('RatingsCommitted', {
  roundId: RoundIdC,
  validator: KeyC,
  commitment: Hex32,
  stake: AmountC,
  trust: integer('trust (millionths)', 0, 1_000_000),
  weight: AmountC,
})
export const RatingsRevealedC = event('RatingsRevealed', { roundId: RoundIdC, validator: KeyC, scores: ScoresC, salt: SaltC })
/** Per validator: revealed or not, the summed |score − consensus| over the samples, what it earned, whether it was penalized. */
export const RoundResultC = closed(
  {
    validator: KeyC,
    revealed: t.boolean,
    deviationSum: integer('deviation sum', 0),
    reward: AmountC,
    penalized: t.boolean,
    evidence: t.array(SequenceC),
  },
  'RoundResult',
)
export type RoundResult = t.TypeOf<typeof RoundResultC>
export const FeedbackRoundClosedC = event('FeedbackRoundClosed', {
  roundId: RoundIdC,
  mandateId: ProposalIdC,
  rewardPool: AmountC,
  consensus: t.array(integer('score', 0, 1000)),
  results: t.array(RoundResultC),
})
/** The consensus ratings of a round, from the validators within tolerance: a preference dataset for the next fine-tune. */
export const PreferenceSampleC = t.union(
  [
    closed({ promptHash: Hex32, outputHash: Hex32, generation: GenerationC, consensus: integer('score', 0, 1000), scores: ScoresC }),
    closed({ promptHash: Hex32, outputHash: Hex32, consensus: integer('score', 0, 1000), scores: ScoresC }),
  ],
  'PreferenceSample',
)
export type PreferenceSample = t.TypeOf<typeof PreferenceSampleC>
export const PreferenceDatasetVersionedC = event('PreferenceDatasetVersioned', {
  mandateId: ProposalIdC,
  version: integer('version', 1),
  roundId: RoundIdC,
  raters: t.array(KeyC),
  samples: t.array(PreferenceSampleC),
  root: Hex32,
})

export const ALIGNMENT_EVENT_CODECS = [FeedbackRoundOpenedC, RatingsCommittedC, RatingsRevealedC, FeedbackRoundClosedC, PreferenceDatasetVersionedC] as const
export const AlignmentEventC = t.union([...ALIGNMENT_EVENT_CODECS], 'AlignmentEvent')
export type AlignmentEvent = t.TypeOf<typeof AlignmentEventC>

export const roundStream = (id: string): string => `round-${id}`
export const preferencesStream = (mandateId: string): string => `preferences-${mandateId}`

export function alignmentStreamOf(e: AlignmentEvent): string {
  return e.type === 'PreferenceDatasetVersioned' ? preferencesStream(e.data.mandateId) : roundStream(e.data.roundId)
}
