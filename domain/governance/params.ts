/**
 * Protocol parameters. They are recorded in the genesis event, never read from configuration at
 * decision time, so that a replay years later decides with the numbers the ledger was started with.
 */
import type * as t from 'io-ts'
import { closed, integer } from '../codec.js'
import { defaultEconomics, economicsProblem, EconomicsParamsC } from '../economy/params.js'
import { AmountC, tokens } from './amounts.js'

const DAY_MS = 24 * 60 * 60 * 1000

/** A fraction in [0, 1], kept as two integers so that no rule ever rounds a float. */
export const RatioC = closed(
  { numerator: integer('numerator', 0), denominator: integer('denominator', 1) },
  'Ratio',
)
export type Ratio = t.TypeOf<typeof RatioC>

const duration = (name: string) => integer(`${name} (ms)`, 0)

export const RoleStakesC = closed(
  { validator: AmountC, contributor: AmountC, trainer: AmountC, operator: AmountC },
  'RoleStakes',
)

export const GenesisParamsC = closed(
  {
    votingDelayMs: duration('votingDelayMs'),
    votingPeriodMs: integer('votingPeriodMs (ms)', 1),
    timelockMs: duration('timelockMs'),
    gracePeriodMs: duration('gracePeriodMs'),
    unbondCooldownMs: duration('unbondCooldownMs'),
    proposalStakeMin: AmountC,
    proposalThreshold: AmountC,
    roleStakes: RoleStakesC,
    quorum: RatioC,
    vetoThreshold: RatioC,
    vetoSlash: RatioC,
    /** Datanets, validation, RLHF rounds and reward epochs (domain/economy/params.ts). */
    economics: EconomicsParamsC,
  },
  'GenesisParams',
)
export type GenesisParams = t.TypeOf<typeof GenesisParamsC>

/** The defaults of issue 3; a genesis may choose others, and then those are the rules. */
export const defaultParams: GenesisParams = {
  votingDelayMs: DAY_MS,
  votingPeriodMs: 7 * DAY_MS,
  timelockMs: DAY_MS,
  gracePeriodMs: 14 * DAY_MS,
  unbondCooldownMs: 7 * DAY_MS,
  proposalStakeMin: tokens(1_000),
  proposalThreshold: tokens(10_000),
  roleStakes: { validator: tokens(10_000), contributor: tokens(100), trainer: tokens(1_000), operator: tokens(1_000) },
  quorum: { numerator: 5, denominator: 100 },
  vetoThreshold: { numerator: 1, denominator: 3 },
  vetoSlash: { numerator: 50, denominator: 100 },
  economics: defaultEconomics,
}

/** The first problem with a set of parameters, or undefined when they are usable. */
export function paramsProblem(params: GenesisParams): string | undefined {
  for (const [name, ratio] of [
    ['quorum', params.quorum],
    ['vetoThreshold', params.vetoThreshold],
    ['vetoSlash', params.vetoSlash],
  ] as const) {
    if (ratio.numerator > ratio.denominator) return `${name} is more than 1`
  }
  return economicsProblem(params.economics)
}
