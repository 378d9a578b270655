/**
 * Point-in-time: a read model as of sequence k equals a replay of exactly the first k envelopes,
 * and, for accounts, what the governance fold says of those k events; as of a time, it equals the
 * cut after the last envelope recorded at or before that time.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { governanceDecider } from '../../domain/governance/decider.js'
import { currentVotingPower } from '../../domain/governance/state.js'
import { parseEvent } from '../../domain/governance/wire.js'
import { foldFromZero } from '../../projections/fold.js'
import { foldAt, parseCut } from '../../projections/point-in-time.js'
import { readModels } from '../../projections/read-models/index.js'
import { accountKey, accountsProjection } from '../../projections/read-models/accounts.js'
import { storedRows } from '../../projections/table.js'
import { actionsArb, preamble } from '../domain/governance/random-commands.js'
import { arrayLog, collect, openTestLedger, play, run } from './support.js'

describe('point-in-time read models', () => {
  it('as of sequence k equal a replay cut at k (random logs, random cuts)', async () => {
    await fc.assert(
      fc.asyncProperty(actionsArb, fc.double({ min: 0, max: 1, noNaN: true }), async (actions, where) => {
        const ledger = await openTestLedger()
        for (const command of preamble) await run(ledger, command)
        await play(ledger, actions)
        const log = await collect(ledger.store.readAll())
        const k = Math.floor(where * log.length)
        const cut = arrayLog(log.slice(0, k))
        for (const projection of readModels) {
          const at = await foldAt(ledger.store, projection, { sequence: k })
          expect(at.checkpoint).toBe(k)
          expect(storedRows(projection, at.table)).toEqual(storedRows(projection, (await foldFromZero(cut, projection)).table))
        }
        // An independent oracle: the governance vertical's own fold over the same k envelopes.
        let state = governanceDecider.initialState
        for (const envelope of log.slice(0, k)) {
          const event = parseEvent(envelope.type, envelope.data)
          if (event !== undefined) state = governanceDecider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
        }
        const accounts = (await foldAt(ledger.store, accountsProjection, { sequence: k })).table
        for (const [key, account] of state.accounts) {
          expect(accounts.get(accountKey(key))).toMatchObject({ open: account.open, gopen: account.gopen, votingPower: currentVotingPower(state, key) })
        }
      }),
      { numRuns: 20 },
    )
  })

  it('as of a time equal the cut after the last envelope recorded at or before it', async () => {
    const ledger = await openTestLedger()
    for (const command of preamble) {
      await run(ledger, command)
      ledger.clock.advance(60_000)
    }
    const log = await collect(ledger.store.readAll())
    for (const envelope of [log[0], log[7], log[log.length - 1]]) {
      if (envelope === undefined) continue
      const last = log.filter((e) => e.recordedAt <= envelope.recordedAt).pop()?.sequence ?? 0
      const byTime = await foldAt(ledger.store, accountsProjection, parseCut(envelope.recordedAt))
      expect(byTime.checkpoint).toBe(last)
      const bySequence = await foldAt(ledger.store, accountsProjection, { sequence: last })
      expect(storedRows(accountsProjection, byTime.table)).toEqual(storedRows(accountsProjection, bySequence.table))
    }
    expect((await foldAt(ledger.store, accountsProjection, parseCut('2020-01-01T00:00:00Z'))).checkpoint).toBe(0)
    expect(parseCut('42')).toEqual({ sequence: 42 })
    expect(() => parseCut('yesterday')).toThrow(/not an RFC 3339 time/)
    // What Date.parse would read as some time, and what names no real instant, is refused.
    for (const hostile of ['-1', '1e30', '0', '9007199254740993', '2099-02-30T00:00:00.000Z', '2026-01-01T24:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T00:00:60Z', '2026-01-01 00:00:00Z']) {
      expect(() => parseCut(hostile), hostile).toThrow(RangeError)
    }
    expect(parseCut('2026-01-01T00:00:00+02:00')).toEqual({ time: '2026-01-01T00:00:00+02:00' })
  })
})
