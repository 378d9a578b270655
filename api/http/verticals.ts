/**
 * Which command handler decides which command type. One handler per vertical, created once and
 * shared by every request, so that each vertical's decisions are serialized (DESIGN.md, "One
 * writer at a time"). A vertical that lands adds one entry here.
 */
import type { SignedCommand } from '../../domain/ledger/command.js'
import type { Clock } from '../../domain/ports/clock.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import { economy, ECONOMY_COMMAND_CODECS } from '../../domain/economy/index.js'
import { GOVERNANCE_COMMAND_TYPES } from '../../domain/governance/index.js'
import { createCommandHandler, type HandleResult } from '../../infrastructure/command-handler.js'

export interface CommandRoute {
  readonly name: string
  accepts(type: string): boolean
  handle(signed: SignedCommand): Promise<HandleResult<string>>
}

export function defaultVerticals(store: EventStore, clock?: Clock): CommandRoute[] {
  const options = clock === undefined ? {} : { clock }
  // The economy vertical decides governance, datanets, alignment and rewards over one combined
  // state (a bond or a slash touches balances), so one handler takes all of their commands.
  const economyHandler = createCommandHandler({ store, vertical: economy, ...options })
  const types = new Set([...GOVERNANCE_COMMAND_TYPES, ...ECONOMY_COMMAND_CODECS.map((codec) => codec.name)])
  return [{ name: economy.name, accepts: (type) => types.has(type), handle: (signed) => economyHandler.handle(signed) }]
}

export function routeOf(routes: readonly CommandRoute[], type: string): CommandRoute | undefined {
  return routes.find((route) => route.accepts(type))
}
