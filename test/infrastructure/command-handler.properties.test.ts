/**
 * Random governance command sequences through the real handler and store: a refused command
 * leaves the log untouched, and a fresh handler replaying the log reaches the same state.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GOVERNANCE_ERROR_CODES } from '../../domain/governance/errors.js'
import { circulating } from '../../domain/governance/state.js'
import { actionsArb, preamble } from '../domain/governance/random-commands.js'
import { governanceHandler, harness, sign } from './command-handler-support.js'

describe('the command handler over random command sequences', () => {
  it('appends nothing for a refused command, and replays into the same state', async () => {
    await fc.assert(
      fc.asyncProperty(actionsArb, async (actions) => {
        const h = await harness()
        try {
          for (const command of preamble) await h.handler.handle(sign(command))
          for (const action of actions) {
            if ('advance' in action) {
              h.clock.advance(action.advance)
              continue
            }
            const before = await h.store.head()
            const result = await h.handler.handle(sign(action.make(await h.handler.state()), new Date(h.clock.now()).toISOString()))
            const after = await h.store.head()
            if (result.ok) {
              expect(after.sequence).toBeGreaterThan(before.sequence)
            } else {
              expect(GOVERNANCE_ERROR_CODES).toContain(result.error.code)
              expect(after).toEqual(before)
            }
          }
          const state = await h.handler.state()
          expect(circulating(state)).toBe(state.genesis?.supply)
          expect(await governanceHandler(h.store, h.clock).state()).toEqual(state)
        } finally {
          await h.store.close()
        }
      }),
      { numRuns: 25 },
    )
  })
})
