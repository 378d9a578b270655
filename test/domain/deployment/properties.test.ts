/** The invariants of deployments and usage over random histories: conservation, exact splits, each receipt charged once. */
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decideAndRecord, type Recorded } from '../../../domain/decider.js'
import { economyDecider } from '../../../domain/economy/decider.js'
import type { EconomyEvent } from '../../../domain/economy/events.js'
import type { EconomyState } from '../../../domain/economy/state.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { circulating } from '../../../domain/governance/state.js'
import { hashFor } from '../decider-spec.js'
import { idOf, LEDGER } from '../datanets/fixtures.js'
import { ALICE, BOB, DAY, espec, type ECmd } from './fixtures.js'
import { CONSUMER, dcmd, deployed } from './fixtures.js'

const base = deployed(tokens(2))
const start = espec.play(base.history)

type Action =
  | { kind: 'usage'; receipts: { id: number; input: number; output: number }[] }
  | { kind: 'stale'; id: number }
  | { kind: 'deposit' | 'withdraw'; amount: bigint }
  | { kind: 'revoke-grant' | 'rollback' | 'retire' | 'revoke-contribution' | 'advance' }

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('usage' as const), receipts: fc.array(fc.record({ id: fc.integer({ min: 0, max: 30 }), input: fc.integer({ min: 0, max: 50_000 }), output: fc.integer({ min: 0, max: 50_000 }) }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('deposit' as const, 'withdraw' as const), amount: fc.bigInt({ min: 1n, max: tokens(1) }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), id: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('revoke-grant' as const, 'rollback' as const, 'retire' as const, 'revoke-contribution' as const, 'advance' as const) }) },
)

function commandOf(a: Action, now: number): ECmd | undefined {
  const { deploymentId, grantId, jobId } = base
  const at = new Date(now).toISOString()
  switch (a.kind) {
    case 'usage': {
      // Receipts are deduplicated by id within a batch the way the gateway builds one; across batches ids repeat on purpose.
      const unique = [...new Map(a.receipts.map((r) => [r.id, r])).values()]
      return dcmd.usage(deploymentId, unique.map((r) => ({ requestId: `req-${r.id}`, grantId, inputTokens: r.input, outputTokens: r.output, at })))
    }
    case 'stale':
      // A receipt dated before the window: the ledger can no longer tell it from a duplicate, so it must refuse it.
      return dcmd.usage(deploymentId, [{ requestId: `req-${a.id}`, grantId, inputTokens: 1, outputTokens: 1, at: new Date(now - 8 * DAY).toISOString() }])
    case 'deposit':
      return dcmd.deposit(a.amount)
    case 'withdraw':
      return dcmd.withdraw(a.amount)
    case 'revoke-grant':
      return dcmd.revoke(deploymentId, grantId)
    case 'rollback':
      return dcmd.rollback(deploymentId, jobId)
    case 'retire':
      return dcmd.retire(deploymentId)
    case 'revoke-contribution':
      return { type: 'RevokeContribution', actor: BOB, payload: { contributionId: idOf('b') } }
    case 'advance':
      return undefined
  }
}

interface Run {
  readonly state: EconomyState
  readonly recorded: Recorded<EconomyEvent>[]
}

function run(actions: readonly Action[], check: (events: readonly EconomyEvent[], before: EconomyState, after: EconomyState) => void): Run {
  let state = start.state
  let now = start.now
  let sequence = start.sequence
  let n = start.commands
  const recorded: Recorded<EconomyEvent>[] = []
  for (const a of actions) {
    const command = commandOf(a, now)
    if (command === undefined) {
      now += DAY
      continue
    }
    const ctx = { recordedAt: new Date(now).toISOString(), commandHash: hashFor(++n), ledgerKey: LEDGER, issuedAt: new Date(now).toISOString() }
    const outcome = decideAndRecord(economyDecider, state, command, ctx, sequence + 1)
    if (isLeft(outcome)) continue
    check(outcome.right.recorded.map((r) => r.event), state, outcome.right.state)
    state = outcome.right.state
    sequence += outcome.right.recorded.length
    recorded.push(...outcome.right.recorded)
  }
  return { state, recorded }
}

const sum = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n)

describe('usage invariants over random histories', () => {
  it('conserves OPEN and never lets an escrow go below zero', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 25 }), (actions) => {
        run(actions, (_events, _before, after) => {
          const g = after.governance
          expect(circulating(g)).toBe(g.genesis?.supply)
          for (const held of g.usageEscrow.values()) expect(held >= 0n).toBe(true)
          for (const a of g.accounts.values()) expect(a.open >= 0n).toBe(true)
        })
      }),
      { numRuns: 60 },
    )
  })

  it('splits every batch exactly: payouts and the treasury share sum to what was charged, and debits equal it', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 25 }), (actions) => {
        run(actions, (events, before) => {
          const recorded = events.find((e) => e.type === 'UsageRecorded')
          if (recorded?.type !== 'UsageRecorded') return
          const d = recorded.data
          expect(sum(d.payouts.map((p) => p.amount)) + d.shares.treasury).toBe(d.charged)
          expect(sum([d.shares.contributors, d.shares.validators, d.shares.proposer, d.shares.treasury])).toBe(d.charged)
          expect(sum(d.charges.map((c) => c.charged))).toBe(d.charged)
          expect(sum(events.flatMap((e) => (e.type === 'UsageCharged' ? [e.data.amount] : [])))).toBe(d.charged)
          expect(sum(d.receipts.map((r) => r.fee))).toBe(sum(d.charges.map((c) => c.fee)))
          const held = before.governance.usageEscrow.get(CONSUMER) ?? 0n
          expect(d.charged).toBe(sum(d.charges.map((c) => c.fee)) < held ? sum(d.charges.map((c) => c.fee)) : held)
          expect(d.payouts.every((p) => p.amount > 0n)).toBe(true)
        })
      }),
      { numRuns: 60 },
    )
  })

  it('charges each request id once across the whole history', () => {
    let batches = 0
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 25 }), (actions) => {
        const { recorded } = run(actions, () => undefined)
        // An id is charged again only once its earlier receipt has left the receipt window (7 days) of the later batch.
        const last = new Map<string, number>()
        for (const r of recorded) {
          if (r.event.type !== 'UsageRecorded') continue
          for (const x of r.event.data.receipts) {
            const before = last.get(x.requestId)
            if (before !== undefined) expect(before).toBeLessThan(Date.parse(r.recordedAt) - 7 * DAY)
            last.set(x.requestId, Date.parse(x.at))
          }
        }
        const stale = recorded.flatMap((r) => (r.event.type === 'UsageRecorded' ? r.event.data.receipts.filter((x) => Date.parse(x.at) < Date.parse(r.recordedAt) - 7 * DAY) : []))
        expect(stale).toEqual([])
        batches += recorded.filter((r) => r.event.type === 'UsageRecorded').length
      }),
      { numRuns: 60 },
    )
    // The histories did exercise usage: many batches recorded, not every command refused.
    expect(batches).toBeGreaterThan(60)
  })

  it('the proposer’s share goes to the proposer, whoever else is paid', () => {
    const { recorded } = run([{ kind: 'usage', receipts: [{ id: 1, input: 1000, output: 1000 }] }], () => undefined)
    const e = recorded.find((r) => r.event.type === 'UsageRecorded')?.event
    if (e?.type !== 'UsageRecorded') throw new Error('expected usage')
    expect(e.data.payouts.filter((p) => p.share === 'proposer')).toEqual([{ account: ALICE, share: 'proposer', amount: e.data.shares.proposer }])
  })
})
