/** Genesis: the one event that fixes the rules, the keys and the initial supply. */
import { right } from 'fp-ts/lib/Either.js'
import type { Decider } from '../../decider.js'
import type { CommandOf } from '../commands.js'
import { reject, type GovernanceErrorCode } from '../errors.js'
import type { GovernanceEvent } from '../events.js'
import { evolve } from '../evolve.js'
import { paramsProblem } from '../params.js'
import { initialState, type GovernanceState } from '../state.js'

function allocationProblem(command: CommandOf<'EstablishGenesis'>): string | undefined {
  const seen = new Set<string>()
  for (const { account } of command.payload.allocations) {
    if (seen.has(account)) return `account ${account} is allocated twice`
    seen.add(account)
  }
  return undefined
}

export const genesisDecider: Decider<CommandOf<'EstablishGenesis'>, GovernanceEvent, GovernanceState, GovernanceErrorCode> = {
  initialState,
  evolve,
  decide(command, state, ctx) {
    if (state.genesis !== null) return reject('genesis-exists', 'the ledger already has its genesis')
    // Only the ledger's own key may start it, so no one else can choose the rules.
    if (command.actor !== ctx.ledgerKey) return reject('not-ledger-key', 'genesis must be signed by the ledger key')
    const { params, treasuryKey, treasury, allocations } = command.payload
    const problem = paramsProblem(params) ?? allocationProblem(command)
    if (problem !== undefined) return reject('invalid-genesis', problem)
    return right([{ type: 'GenesisEstablished', data: { params, ledgerKey: ctx.ledgerKey, treasuryKey, treasury, allocations } }])
  },
}
