/**
 * Staking: lock OPEN for a purpose, ask to unbond, take it back after the cooldown. A stake stays
 * slashable through the cooldown for anything that happened before the request.
 */
import { left, right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext, Decider } from '../../decider.js'
import { domainError } from '../../decider.js'
import type { CommandOf } from '../commands.js'
import { reject, type GovernanceError, type GovernanceErrorCode } from '../errors.js'
import type { EventOf, GovernanceEvent } from '../events.js'
import { evolve } from '../evolve.js'
import { shortOf, unregistered } from '../guards.js'
import type { GenesisParams } from '../params.js'
import { accountOf, initialState, type GovernanceState, type Stake } from '../state.js'
import { now, toTimestamp } from '../time.js'
import type { LockablePurpose } from '../values.js'

export type StakingCommand = CommandOf<'LockStake' | 'RequestUnbond' | 'ReleaseStake'>
type Result = Either<GovernanceError, readonly GovernanceEvent[]>

const ROLE_OF: Record<LockablePurpose, keyof GenesisParams['roleStakes']> = {
  validator: 'validator',
  contribution: 'contributor',
  trainer: 'trainer',
  operator: 'operator',
}

function stakeOf(state: GovernanceState, account: string, stakeId: number): Stake | GovernanceError {
  return accountOf(state, account).stakes.get(stakeId) ?? domainError('unknown-stake', 'no such locked stake', { account, stakeId })
}

function lock(command: CommandOf<'LockStake'>, state: GovernanceState, params: GenesisParams): Result {
  const { purpose, amount } = command.payload
  const minimum = params.roleStakes[ROLE_OF[purpose]]
  if (amount < minimum) return reject('stake-too-small', `a ${purpose} stake is at least ${minimum}`, { minimum: minimum.toString() })
  const account = accountOf(state, command.actor)
  const short = shortOf('insufficient-open', account.open, amount)
  if (short !== undefined) return left(short)
  return right([{ type: 'StakeLocked', data: { account: command.actor, stakeId: account.nextStakeId, purpose, amount, proposalId: null } }])
}

function requestUnbond(command: CommandOf<'RequestUnbond'>, state: GovernanceState, params: GenesisParams, ctx: DecisionContext): Result {
  const stake = stakeOf(state, command.actor, command.payload.stakeId)
  if ('code' in stake) return left(stake)
  // A proposal's stake answers for the vote's outcome, a bond for its contribution's validation; only they release it.
  // A proposal's stake and its backers' answer for the vote's outcome, a bond for what it was posted for; only that releases them.
  if (!(stake.purpose in ROLE_OF)) return reject('not-unbondable', `a ${stake.purpose} stake is released by its outcome`)
  if (stake.unbondRequestedAt !== null) return reject('already-unbonding', 'unbonding was already requested')
  const releasableAt = toTimestamp(now(ctx) + params.unbondCooldownMs)
  return right([{ type: 'UnbondRequested', data: { account: command.actor, stakeId: stake.id, releasableAt } }])
}

function release(command: CommandOf<'ReleaseStake'>, state: GovernanceState, ctx: DecisionContext): Result {
  const stake = stakeOf(state, command.actor, command.payload.stakeId)
  if ('code' in stake) return left(stake)
  if (stake.releasableAt === null) return reject('not-unbonding', 'request unbonding first')
  if (now(ctx) < stake.releasableAt) {
    return reject('cooldown-running', 'the cooldown has not ended', { releasableAt: toTimestamp(stake.releasableAt) })
  }
  return right([{ type: 'StakeReleased', data: { account: command.actor, stakeId: stake.id, amount: stake.amount } }])
}

export type SlashEvidence = EventOf<'StakeSlashed'>['data']['evidence']

/**
 * The slashing rule other rules call (a vetoed proposal today; validation and alignment later):
 * an offense at `offenseAt` may take up to the stake's amount, unless the stake was released or
 * its unbonding was requested before the offense.
 */
export function slashStake(
  state: GovernanceState,
  account: string,
  stakeId: number,
  amount: bigint,
  offenseAt: number,
  evidence: SlashEvidence,
): Either<GovernanceError, EventOf<'StakeSlashed'>> {
  const stake = stakeOf(state, account, stakeId)
  if ('code' in stake) return left(domainError('not-slashable', 'the stake was released or never existed', { account, stakeId }))
  if (stake.unbondRequestedAt !== null && stake.unbondRequestedAt <= offenseAt) {
    return reject('not-slashable', 'unbonding was requested before the offense', { account, stakeId })
  }
  const taken = amount < stake.amount ? amount : stake.amount
  if (taken <= 0n) return reject('not-slashable', 'nothing to slash', { account, stakeId })
  return right({ type: 'StakeSlashed', data: { account, stakeId, amount: taken, evidence } })
}

export const stakingDecider: Decider<StakingCommand, GovernanceEvent, GovernanceState, GovernanceErrorCode> = {
  initialState,
  evolve,
  decide(command, state, ctx) {
    const notRegistered = unregistered(state, command.actor)
    if (notRegistered !== undefined) return left(notRegistered)
    if (state.genesis === null) return reject('no-genesis', 'the ledger has no genesis yet')
    const { params } = state.genesis
    switch (command.type) {
      case 'LockStake':
        return lock(command, state, params)
      case 'RequestUnbond':
        return requestUnbond(command, state, params, ctx)
      case 'ReleaseStake':
        return release(command, state, ctx)
    }
  },
}
