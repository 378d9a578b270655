/** Value codecs shared by governance commands and events. */
import * as t from 'io-ts'
import { closed, Hex32, pattern } from '../codec.js'
import { AmountC } from './amounts.js'

/** An actor's Ed25519 public key, lower-case hex: also its account and identity id. */
export const KeyC = Hex32
/** A proposal id: the hash of the signed command that proposed it. */
export const ProposalIdC = pattern('proposal id (64 hex)', /^[0-9a-f]{64}$/)

// Lone surrogates are excluded because the ledger's canonical JSON refuses them.
/** Short human text: one line, 1-200 characters, no control characters. */
export const LabelC = pattern('label (1-200 characters, one line)', /^[^\p{Cc}\p{Cs}]{1,200}$/u)
/** Longer human text: up to 4,000 characters, no control characters besides newline and tab. */
export const TextC = pattern('text (1-4000 characters)', /^(?:[^\p{Cc}\p{Cs}]|[\n\t]){1,4000}$/u)
export const DisplayNameC = pattern('display name (1-64 characters, one line)', /^[^\p{Cc}\p{Cs}]{1,64}$/u)

// `bond` is a contribution's spam bond (domain/datanets): locked by SubmitContribution, settled by validation.
// `backing` stands behind another's proposal (BackProposal); `appeal` and `dispute` are the bonds of an appeal or a usage dispute (domain/appeals).
export const StakePurposeC = t.keyof(
  { proposal: null, validator: null, contribution: null, trainer: null, operator: null, bond: null, backing: null, appeal: null, dispute: null },
  'StakePurpose',
)
export type StakePurpose = t.TypeOf<typeof StakePurposeC>
/** The purposes an actor may lock for directly; proposal stakes are locked only by ProposeModel. */
export const LockablePurposeC = t.keyof({ validator: null, contribution: null, trainer: null, operator: null }, 'LockablePurpose')
export type LockablePurpose = t.TypeOf<typeof LockablePurposeC>

export const SupportC = t.keyof({ for: null, against: null, abstain: null }, 'Support')
export type Support = t.TypeOf<typeof SupportC>

/** A finite JSON number: NaN and the infinities have no JSON form. */
export const FiniteC = new t.Type<number, number, unknown>(
  'finite number',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => (typeof u === 'number' && Number.isFinite(u) ? t.success(u) : t.failure(u, c, 'expected a finite number')),
  t.identity,
)

/** How a trained model will be judged: a metric, the bar, and which way is better. */
export const RubricC = closed(
  {
    metric: LabelC,
    threshold: FiniteC,
    direction: t.keyof({ maximize: null, minimize: null }),
  },
  'Rubric',
)
export type Rubric = t.TypeOf<typeof RubricC>

/** What a proposal asks for; on execution it becomes the mandate. */
export const ProposalSpecC = closed(
  {
    title: LabelC,
    purpose: TextC,
    domain: LabelC,
    baseModel: LabelC,
    datasetRequirements: t.array(TextC),
    rubric: RubricC,
    integrationTargets: t.array(LabelC),
    rewardPool: AmountC,
  },
  'ProposalSpec',
)
export type ProposalSpec = t.TypeOf<typeof ProposalSpecC>

/** The votes of a proposal and the snapshot numbers they are judged against. */
export const TallyC = closed(
  { for: AmountC, against: AmountC, abstain: AmountC, snapshotPower: AmountC, quorum: AmountC },
  'Tally',
)
export type Tally = t.TypeOf<typeof TallyC>
