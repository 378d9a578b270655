/**
 * The economy vertical: governance plus datanets, validation, dataset versions, RLHF rounds,
 * reward epochs and slashing, as one decider over one state. Run it with the generic command
 * handler in place of `governance` to decide every command of both.
 */
import type { Decider } from '../decider.js'
import { economyDecider } from './decider.js'
import type { EconomyErrorCode } from './errors.js'
import type { EconomyCommand, EconomyEvent } from './events.js'
import type { EconomyState } from './state.js'
import { encodeEvent, parseCommand, parseEvent } from './wire.js'

export { economyDecider } from './decider.js'
export * from './errors.js'
export * from './events.js'
export * from './params.js'
export * from './state.js'
export { encodeEvent, encodeRequest, parseCommand, parseEvent } from './wire.js'
export { commitmentOf } from '../alignment/commitment.js'
export { contributionIdOf } from '../datanets/ids.js'
export { epochMapOf } from '../rewards/decide.js'
export { mapHash, rewardMap } from '../rewards/map.js'

export const economy = {
  name: 'economy',
  decider: economyDecider as Decider<EconomyCommand, EconomyEvent, EconomyState, EconomyErrorCode>,
  parseCommand,
  parseEvent,
  encodeEvent,
}
