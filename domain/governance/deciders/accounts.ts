/** OPEN and gOPEN: transfers, wrapping 1:1, and delegation of voting power. */
import { left, right, type Either } from 'fp-ts/lib/Either.js'
import type { Decider } from '../../decider.js'
import type { CommandOf } from '../commands.js'
import { reject, type GovernanceError, type GovernanceErrorCode } from '../errors.js'
import type { GovernanceEvent } from '../events.js'
import { evolve } from '../evolve.js'
import { shortOf, unregistered } from '../guards.js'
import { accountOf, initialState, type GovernanceState } from '../state.js'

export type AccountsCommand = CommandOf<'TransferOpen' | 'WrapOpen' | 'UnwrapGopen' | 'DelegateVotes'>
type Result = Either<GovernanceError, readonly GovernanceEvent[]>

function transfer(command: CommandOf<'TransferOpen'>, state: GovernanceState): Result {
  const { to, amount } = command.payload
  if (to === command.actor) return reject('self-transfer', 'a transfer to oneself moves nothing')
  const short = shortOf('insufficient-open', accountOf(state, command.actor).open, amount)
  if (short !== undefined) return left(short)
  const data = { from: command.actor, to, amount }
  return right([
    { type: 'OpenSent', data },
    { type: 'OpenReceived', data },
  ])
}

function wrap(command: CommandOf<'WrapOpen'>, state: GovernanceState): Result {
  const short = shortOf('insufficient-open', accountOf(state, command.actor).open, command.payload.amount)
  if (short !== undefined) return left(short)
  return right([{ type: 'OpenWrapped', data: { account: command.actor, amount: command.payload.amount } }])
}

function unwrap(command: CommandOf<'UnwrapGopen'>, state: GovernanceState): Result {
  const short = shortOf('insufficient-gopen', accountOf(state, command.actor).gopen, command.payload.amount)
  if (short !== undefined) return left(short)
  return right([{ type: 'GopenUnwrapped', data: { account: command.actor, amount: command.payload.amount } }])
}

function delegate(command: CommandOf<'DelegateVotes'>, state: GovernanceState): Result {
  const { to } = command.payload
  // Power may only go to a registered identity, which it makes a governor.
  if (to !== null && !state.identities.has(to)) return reject('unknown-delegate', 'the delegate has no registered identity', { to })
  const from = accountOf(state, command.actor).delegate
  if (from === to) return reject('delegation-unchanged', 'the votes are already delegated that way')
  return right([{ type: 'VotesDelegated', data: { account: command.actor, from, to } }])
}

export const accountsDecider: Decider<AccountsCommand, GovernanceEvent, GovernanceState, GovernanceErrorCode> = {
  initialState,
  evolve,
  decide(command, state) {
    const notRegistered = unregistered(state, command.actor)
    if (notRegistered !== undefined) return left(notRegistered)
    switch (command.type) {
      case 'TransferOpen':
        return transfer(command, state)
      case 'WrapOpen':
        return wrap(command, state)
      case 'UnwrapGopen':
        return unwrap(command, state)
      case 'DelegateVotes':
        return delegate(command, state)
    }
  },
}
