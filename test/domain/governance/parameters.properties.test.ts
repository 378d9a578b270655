/**
 * Parameters changed by governance over random economy histories: a change applies from its own
 * sequence on and never before, so replaying the log to any sequence and asking `paramsAt` for
 * that sequence agree; and each ParameterChanged records exactly the value it replaced and the new one.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { economyDecider } from '../../../domain/economy/decider.js'
import { parameterJson } from '../../../domain/governance/parameters.js'
import { paramsAt } from '../../../domain/governance/state.js'
import { actionsArb, play, preambleLog } from '../rewards/random-economy.js'

describe('parameters in force over random histories', () => {
  it('replay to any sequence and point-in-time agree; a change is in force from its sequence, not before', () => {
    const preamble = preambleLog()
    let changes = 0
    fc.assert(
      fc.property(actionsArb, (actions) => {
        const world = play(actions)
        const final = world.state.governance
        let state = economyDecider.initialState
        for (const recorded of [...preamble, ...world.log]) {
          const before = state.governance.genesis?.params
          state = economyDecider.evolve(state, recorded)
          const now = state.governance.genesis?.params
          expect(paramsAt(final, recorded.sequence)).toEqual(now)
          if (recorded.event.type !== 'ParameterChanged') continue
          changes++
          const { name, from, to } = recorded.event.data
          expect(paramsAt(final, recorded.sequence - 1)).toEqual(before)
          // The event says exactly what was replaced and what replaced it.
          expect(before && parameterJson(before, name)).toEqual(from)
          expect(now && parameterJson(now, name)).toEqual(to)
        }
      }),
      { numRuns: 40, seed: 20261130 },
    )
    // The histories did change parameters through executed proposals.
    expect(changes).toBeGreaterThan(0)
  })
})
