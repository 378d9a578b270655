/**
 * The parameters of datanets, validation, RLHF rounds and reward epochs. They are a member of the
 * genesis parameters (`GenesisParams.economics`), so a replay decides with the numbers the ledger
 * was started with. Defaults are issue 4's; where it named none, docs/economics.md says why.
 */
import type * as t from 'io-ts'
import { closed, integer } from '../codec.js'
import { AmountC, tokens } from '../governance/amounts.js'

const DAY_MS = 24 * 60 * 60 * 1000

// The same shape as governance's Ratio, declared here because governance's params import this file.
const RatioC = closed({ numerator: integer('numerator', 0), denominator: integer('denominator', 1) }, 'Ratio')

export const EconomicsParamsC = closed(
  {
    /** Datanet limits, in bytes and items; the per-day limits are per contributor per UTC day. */
    maxItemBytes: integer('maxItemBytes', 1),
    maxBytesPerDay: integer('maxBytesPerDay', 1),
    maxItemsPerDay: integer('maxItemsPerDay', 1),
    contributionBond: AmountC,
    verdictsToFinalize: integer('verdictsToFinalize', 1, 1000),
    validationWindowMs: integer('validationWindowMs (ms)', 1),
    spamSlash: RatioC,
    scoreMin: integer('scoreMin', 0, 1000),
    scoreMax: integer('scoreMax', 0, 1000),
    commitWindowMs: integer('commitWindowMs (ms)', 1),
    revealWindowMs: integer('revealWindowMs (ms)', 1),
    /** The greatest mean deviation from consensus that still earns: a ratio of score points. */
    tolerance: RatioC,
    feedbackPenalty: RatioC,
    rewardEpochMs: integer('rewardEpochMs (ms)', 0),
    /** The share of a mandate's unreserved escrow an epoch pays out, and of that, the data pool's share. */
    epochShare: RatioC,
    dataShare: RatioC,
    /** How old a usage receipt may be when it is recorded: request ids are remembered this long, so duplicates inside it are charged once. */
    usageReceiptWindowMs: integer('usageReceiptWindowMs (ms)', 1),
    /**
     * How long a usage escrow withdrawal waits between being asked for and taking effect. Longer than
     * the receipt window, so every receipt dated before the request reaches the ledger first.
     */
    usageWithdrawalNoticeMs: integer('usageWithdrawalNoticeMs (ms)', 1),
    /** How a usage fee is split: integer weights, by largest remainder (domain/deployment). */
    feeSplit: closed(
      { contributors: integer('contributors', 0, 10_000), validators: integer('validators', 0, 10_000), proposer: integer('proposer', 0, 10_000), treasury: integer('treasury', 0, 10_000) },
      'FeeSplit',
    ),
    /** Training: the longest lease a claim may ask for, and how many progress reports one job may put in the log. */
    maxLeaseMs: integer('maxLeaseMs (ms)', 1_000, 24 * DAY_MS),
    maxProgressReports: integer('maxProgressReports', 0, 10_000),
    /** The fewest held-out examples (the `eval_examples` metric) with which an evaluation can pass. */
    minEvalExamples: integer('minEvalExamples', 1),
    /** How many staked validators other than the trainer must attest an evaluation, and how far (metric units) an attested metric may differ and still agree. */
    attestationQuorum: integer('attestationQuorum', 1, 100),
    attestationTolerance: RatioC,
    /** Slashed from a trainer a quorum contradicted (share of its trainer stakes), and from an attester in the minority (share of its attested stake). */
    trainerSlash: RatioC,
    attesterPenalty: RatioC,
    /**
     * Validator trust (domain/trust): a new validator's trust in millionths, and the rates of the
     * moving average toward each observed agreement: `trustGain` when the agreement is at or above
     * the trust, `trustLoss` (at least `trustGain`) when below, so trust is slow to build and quick to lose.
     */
    trustInitial: integer('trustInitial (millionths)', 1, 1_000_000),
    trustGain: RatioC,
    trustLoss: RatioC,
    /** Days a deployment may keep serving a checkpoint trained on a withdrawn contribution before it must be retrained or is suspended. */
    consentRetrainDays: integer('consentRetrainDays (days)', 1, 365),
  },
  'EconomicsParams',
)
export type EconomicsParams = t.TypeOf<typeof EconomicsParamsC>

export const defaultEconomics: EconomicsParams = {
  maxItemBytes: 5_000_000,
  maxBytesPerDay: 10_000_000,
  maxItemsPerDay: 20,
  contributionBond: tokens(100),
  verdictsToFinalize: 3,
  validationWindowMs: 3 * DAY_MS,
  spamSlash: { numerator: 100, denominator: 100 },
  scoreMin: 1,
  scoreMax: 7,
  commitWindowMs: DAY_MS,
  revealWindowMs: DAY_MS,
  tolerance: { numerator: 1, denominator: 1 },
  feedbackPenalty: { numerator: 2, denominator: 100 },
  rewardEpochMs: 7 * DAY_MS,
  epochShare: { numerator: 10, denominator: 100 },
  dataShare: { numerator: 70, denominator: 100 },
  usageReceiptWindowMs: 7 * DAY_MS,
  usageWithdrawalNoticeMs: 8 * DAY_MS,
  feeSplit: { contributors: 50, validators: 20, proposer: 20, treasury: 10 },
  maxLeaseMs: 60 * 60 * 1000,
  maxProgressReports: 100,
  minEvalExamples: 20,
  attestationQuorum: 2,
  attestationTolerance: { numerator: 1, denominator: 1000 },
  trainerSlash: { numerator: 50, denominator: 100 },
  attesterPenalty: { numerator: 5, denominator: 100 },
  trustInitial: 100_000,
  trustGain: { numerator: 1, denominator: 10 },
  trustLoss: { numerator: 1, denominator: 3 },
  consentRetrainDays: 30,
}

/** The first problem with a set of parameters, or undefined when they are usable. */
export function economicsProblem(p: EconomicsParams): string | undefined {
  if (p.scoreMin >= p.scoreMax) return 'scoreMin must be below scoreMax'
  if (p.tolerance.numerator === 0) return 'tolerance must be positive'
  if (p.usageWithdrawalNoticeMs <= p.usageReceiptWindowMs) return 'usageWithdrawalNoticeMs must be longer than usageReceiptWindowMs'
  const { contributors, validators, proposer, treasury } = p.feeSplit
  if (contributors + validators + proposer + treasury === 0) return 'feeSplit must have a positive weight'
  for (const [name, ratio] of [['spamSlash', p.spamSlash], ['feedbackPenalty', p.feedbackPenalty], ['epochShare', p.epochShare], ['dataShare', p.dataShare]] as const) {
    if (ratio.numerator > ratio.denominator) return `${name} is more than 1`
  }
  for (const [name, ratio] of [['trainerSlash', p.trainerSlash], ['attesterPenalty', p.attesterPenalty]] as const) {
    if (ratio.numerator > ratio.denominator) return `${name} is more than 1`
  }
  return trustProblem(p)
}

/** Trust moves by a rate in (0, 1], and loses at least as fast as it gains. */
function trustProblem(p: EconomicsParams): string | undefined {
  for (const [name, ratio] of [['trustGain', p.trustGain], ['trustLoss', p.trustLoss]] as const) {
    if (ratio.numerator === 0 || ratio.numerator > ratio.denominator) return `${name} must be in (0, 1]`
  }
  const [loss, gain] = [p.trustLoss, p.trustGain]
  if (BigInt(loss.numerator) * BigInt(gain.denominator) < BigInt(gain.numerator) * BigInt(loss.denominator)) return 'trustLoss must be at least trustGain'
  return undefined
}
