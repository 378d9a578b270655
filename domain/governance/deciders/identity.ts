/** Identities: a key registers itself, by signing its own registration. */
import { right } from 'fp-ts/lib/Either.js'
import type { Decider } from '../../decider.js'
import type { CommandOf } from '../commands.js'
import { reject, type GovernanceErrorCode } from '../errors.js'
import type { GovernanceEvent } from '../events.js'
import { evolve } from '../evolve.js'
import { initialState, type GovernanceState } from '../state.js'

export const identityDecider: Decider<CommandOf<'RegisterIdentity'>, GovernanceEvent, GovernanceState, GovernanceErrorCode> = {
  initialState,
  evolve,
  decide(command, state) {
    // The command's signature is by its actor, so the key registered is always the signer's own.
    if (state.identities.has(command.actor)) return reject('already-registered', 'this key is already registered', { key: command.actor })
    return right([{ type: 'IdentityRegistered', data: { key: command.actor, displayName: command.payload.displayName } }])
  },
}
