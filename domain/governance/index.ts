/** The governance vertical: what the command handler, projections and the edges use. */
import type { Decider } from '../decider.js'
import type { GovernanceCommand } from './commands.js'
import { governanceDecider } from './decider.js'
import type { GovernanceErrorCode } from './errors.js'
import type { GovernanceEvent } from './events.js'
import type { GovernanceState } from './state.js'
import { encodeEvent, parseCommand, parseEvent } from './wire.js'

export { governanceDecider } from './decider.js'
export * from './actions.js'
export * from './amounts.js'
export * from './commands.js'
export * from './errors.js'
export * from './events.js'
export * from './outcome.js'
export * from './parameters.js'
export * from './params.js'
export * from './roles.js'
export * from './state.js'
export * from './streams.js'
export * from './values.js'
export { slashStake } from './deciders/staking.js'
export { encodeEvent, parseCommand, parseEvent } from './wire.js'

/** The decider with its wire codecs: everything a generic command handler needs to run it. */
export const governance = {
  name: 'governance',
  decider: governanceDecider as Decider<GovernanceCommand, GovernanceEvent, GovernanceState, GovernanceErrorCode>,
  parseCommand,
  parseEvent,
  encodeEvent,
}
