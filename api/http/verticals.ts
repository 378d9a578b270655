/**
 * Which command handler decides which command type. One handler per vertical, created once and
 * shared by every request, so that each vertical's decisions are serialized (DESIGN.md, "One
 * writer at a time"). A vertical that lands adds one entry here.
 */
import type { SignedCommand } from '../../domain/ledger/command.js'
import type { Clock } from '../../domain/ports/clock.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import { economy, ECONOMY_COMMAND_CODECS, type EconomyState } from '../../domain/economy/index.js'
import { GOVERNANCE_COMMAND_TYPES } from '../../domain/governance/index.js'
import { createCommandHandler, type CommandHandler, type DurableFold, type HandleResult } from '../../infrastructure/command-handler.js'

export interface CommandRoute {
  readonly name: string
  accepts(type: string): boolean
  handle(signed: SignedCommand): Promise<HandleResult<string>>
}

/** The one handler of the economy rules a process shares: the HTTP API, the gateway and the trainer decide through it. */
export type EconomyHandler = CommandHandler<EconomyState, string>

/** `start`: a checked snapshot's fold (infrastructure/snapshot/) to start from instead of the empty log. */
export function economyHandler(store: EventStore, clock?: Clock, start?: DurableFold<EconomyState> | Promise<DurableFold<EconomyState> | undefined>): EconomyHandler {
  return createCommandHandler({ store, vertical: economy, ...(clock === undefined ? {} : { clock }), ...(start === undefined ? {} : { start }) })
}

/**
 * The economy vertical decides governance, datanets, alignment, training, rewards and deployment
 * over one combined state (a bond or a slash touches balances), so one handler takes all of their
 * commands. Pass the process's shared handler; without one, a new handler is made.
 */
export function defaultVerticals(store: EventStore, clock?: Clock, handler: EconomyHandler = economyHandler(store, clock)): CommandRoute[] {
  const types = new Set([...GOVERNANCE_COMMAND_TYPES, ...ECONOMY_COMMAND_CODECS.map((codec) => codec.name)])
  return [{ name: economy.name, accepts: (type) => types.has(type), handle: (signed) => handler.handle(signed) }]
}

export function routeOf(routes: readonly CommandRoute[], type: string): CommandRoute | undefined {
  return routes.find((route) => route.accepts(type))
}
