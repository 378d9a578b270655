/**
 * Protocol parameters. They are recorded in the genesis event, never read from configuration at
 * decision time, so that a replay years later decides with the numbers the ledger was started with.
 */
import * as t from 'io-ts'
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
    /**
     * What the quorum is a share of: `supply`, all gOPEN in existence at the snapshot (as OZ
     * Governor's quorum fraction of the token's total supply), or `delegated`, only the gOPEN
     * delegated to some governor at the snapshot (the rule before issue 17).
     */
    quorumBasis: t.keyof({ supply: null, delegated: null }, 'QuorumBasis'),
    vetoThreshold: RatioC,
    vetoSlash: RatioC,
    /** A vote that first brings a proposal to quorum keeps it open at least this long after the vote (late-quorum extension). */
    lateQuorumExtensionMs: duration('lateQuorumExtensionMs'),
    /** How long after a slash the slashed account may appeal it, and the bond an appeal locks. */
    appealWindowMs: integer('appealWindowMs (ms)', 1),
    appealBond: AmountC,
    /** How long after a usage batch is recorded a consumer charged in it may dispute it, and the bond a dispute locks. */
    disputeWindowMs: integer('disputeWindowMs (ms)', 1),
    disputeBond: AmountC,
    /** Datanets, validation, RLHF rounds and reward epochs (domain/economy/params.ts). */
    economics: EconomicsParamsC,
  },
  'GenesisParams',
)
export type GenesisParams = t.TypeOf<typeof GenesisParamsC>

/** The defaults of issue 3 (and issue 17 for quorumBasis, lateQuorumExtensionMs, appeals and disputes); a genesis may choose others, and then those are the rules until governance changes them (parameters.ts). */
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
  quorumBasis: 'supply',
  vetoThreshold: { numerator: 1, denominator: 3 },
  vetoSlash: { numerator: 50, denominator: 100 },
  lateQuorumExtensionMs: DAY_MS,
  appealWindowMs: 7 * DAY_MS,
  appealBond: tokens(100),
  disputeWindowMs: 7 * DAY_MS,
  disputeBond: tokens(10),
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
