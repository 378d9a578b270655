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

/**
 * How far a command's `issuedAt` may lie from the time it is recorded: at most `pastMs` before and
 * `futureMs` after. It bounds how long a signed command can wait to be replayed by anyone who saw
 * it (a refused command is public once posted), and how far a signer's clock may run ahead.
 */
export const CommandWindowC = closed({ pastMs: duration('commandWindow.pastMs'), futureMs: duration('commandWindow.futureMs') }, 'CommandWindow')
export type CommandWindow = t.TypeOf<typeof CommandWindowC>

/** The widest window a genesis may choose: a week into the past, an hour into the future. */
export const MAX_COMMAND_WINDOW: CommandWindow = { pastMs: 7 * DAY_MS, futureMs: 60 * 60 * 1000 }

export const GenesisParamsC = closed(
  {
    commandWindow: CommandWindowC,
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
  commandWindow: { pastMs: 60 * 60 * 1000, futureMs: 2 * 60 * 1000 },
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
  if (params.commandWindow.pastMs > MAX_COMMAND_WINDOW.pastMs || params.commandWindow.futureMs > MAX_COMMAND_WINDOW.futureMs) {
    return `commandWindow may reach at most ${MAX_COMMAND_WINDOW.pastMs} ms into the past and ${MAX_COMMAND_WINDOW.futureMs} ms into the future`
  }
  for (const [name, ratio] of [
    ['quorum', params.quorum],
    ['vetoThreshold', params.vetoThreshold],
    ['vetoSlash', params.vetoSlash],
  ] as const) {
    if (ratio.numerator > ratio.denominator) return `${name} is more than 1`
  }
  return economicsProblem(params.economics)
}
