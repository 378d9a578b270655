/** The invariants of deployments and usage over random histories: conservation, exact splits, each receipt charged once, and the consent invariant under adversaries. */
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
import { feeOf, type Pricing } from '../../../domain/deployment/values.js'
import { ALICE, BOB, CAROL, DAVE, DAY, espec, type ECmd } from './fixtures.js'
import { CONSUMER, dcmd, deployed, PRICING, ROOT_2 } from './fixtures.js'

const base = deployed(tokens(2))
const start = espec.play(base.history)

type Action =
  | { kind: 'usage'; receipts: { id: number; input: number; output: number }[] }
  | { kind: 'stale'; id: number }
  | { kind: 'deposit' | 'withdraw'; amount: bigint }
  | { kind: 'revoke-grant' | 'rollback' | 'retire' | 'revoke-contribution' | 'advance' | 'dispute' }
  | { kind: 'resolve'; upheld: boolean }

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('usage' as const), receipts: fc.array(fc.record({ id: fc.integer({ min: 0, max: 30 }), input: fc.integer({ min: 0, max: 50_000 }), output: fc.integer({ min: 0, max: 50_000 }) }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('deposit' as const, 'withdraw' as const), amount: fc.bigInt({ min: 1n, max: tokens(1) }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), id: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('revoke-grant' as const, 'rollback' as const, 'retire' as const, 'revoke-contribution' as const, 'advance' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dispute' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resolve' as const), upheld: fc.boolean() }) },
)

/** Bob disputes the first of his receipts in the latest batch. */
function disputeOf(state: EconomyState): ECmd {
  const [usageSequence, batch] = [...state.appeals.batches].at(-1) ?? [1, { receipts: new Map<string, { consumer: string }>() }]
  const own = [...batch.receipts].find(([, r]) => r.consumer === CONSUMER)?.[0] ?? 'req-0'
  return { type: 'DisputeUsage', actor: CONSUMER, payload: { usageSequence, requestIds: [own], statement: 'random dispute' } }
}

/** A governance vote on the latest open dispute, from proposal to execution: commands with the time to wait before each (none without a dispute). */
function resolution(state: EconomyState, upheld: boolean, proposalId: string): [number, ECmd][] {
  const disputeId = [...state.appeals.disputes.values()].filter((d) => !d.resolved).at(-1)?.id
  if (disputeId === undefined) return []
  const propose: ECmd = { type: 'ProposeActions', actor: CAROL, payload: { title: 'Resolve a dispute', description: 'random', actions: [{ kind: 'resolve-dispute', disputeId, upheld, reason: 'random tribunal' }], stake: tokens(1_000), minBacking: 0n } }
  const vote = (actor: string): ECmd => ({ type: 'CastVote', actor, payload: { proposalId, support: 'for' } })
  return [[0, propose], [DAY, vote(ALICE)], [0, vote(BOB)], [0, vote(CAROL)], [7 * DAY, { type: 'QueueProposal', actor: DAVE, payload: { proposalId } }], [DAY, { type: 'ExecuteProposal', actor: DAVE, payload: { proposalId } }]]
}

function commandOf(a: Exclude<Action, { kind: 'resolve' }>, now: number, state: EconomyState): ECmd | undefined {
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
    case 'dispute':
      return disputeOf(state)
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
  const decide = (command: ECmd): void => {
    const ctx = { recordedAt: new Date(now).toISOString(), commandHash: hashFor(++n), ledgerKey: LEDGER, issuedAt: new Date(now).toISOString() }
    const outcome = decideAndRecord(economyDecider, state, command, ctx, sequence + 1)
    if (isLeft(outcome)) return
    check(outcome.right.recorded.map((r) => r.event), state, outcome.right.state)
    state = outcome.right.state
    sequence += outcome.right.recorded.length
    recorded.push(...outcome.right.recorded)
  }
  for (const a of actions) {
    if (a.kind === 'resolve') {
      for (const [wait, command] of resolution(state, a.upheld, hashFor(n + 1))) {
        now += wait
        decide(command)
      }
      continue
    }
    const command = commandOf(a, now, state)
    if (command === undefined) now += DAY
    else decide(command)
  }
  return { state, recorded }
}

const sum = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n)

describe('usage invariants over random histories', () => {
  it('conserves OPEN and never lets an escrow go below zero, disputes and their resolutions included', () => {
    const resolved = { upheld: 0, rejected: 0 }
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 25 }), (actions) => {
        run(actions, (events, _before, after) => {
          for (const e of events) if (e.type === 'DisputeResolved') resolved[e.data.upheld ? 'upheld' : 'rejected']++
          const g = after.governance
          expect(circulating(g)).toBe(g.genesis?.supply)
          for (const held of g.usageEscrow.values()) expect(held >= 0n).toBe(true)
          for (const a of g.accounts.values()) expect(a.open >= 0n).toBe(true)
        })
      }),
      { numRuns: 60, seed: 20261130 },
    )
    // Disputes were filed and decided both ways.
    expect(resolved.upheld).toBeGreaterThan(0)
    expect(resolved.rejected).toBeGreaterThan(0)
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
      { numRuns: 60, seed: 20261130 },
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
      { numRuns: 60, seed: 20261130 },
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

/**
 * Adversaries: any of the four actors sends any deployment command with any arguments (real or
 * made-up deployments and grants, any consumer, any prices, quotas, caps, dates and fees). Whatever
 * they do, nobody moves another's money.
 */
const ACTORS = [ALICE, BOB, CAROL, DAVE] as const
// Bob holds far more escrow than any one grant's cap (at most 2 OPEN), so a grant he accepted at an absurd price cannot leave him nothing to withdraw.
const funded = espec.play([...base.history, { command: dcmd.deposit(tokens(100)) }])
const PRICES: readonly Pricing[] = [PRICING, { inputPer1k: 1n, outputPer1k: 1n }, { inputPer1k: tokens(1_000), outputPer1k: tokens(1_000) }]
const KINDS = ['DeployModel', 'GrantAccess', 'AcceptGrant', 'RevokeAccess', 'ChangePricing', 'DepositUsageEscrow', 'WithdrawUsageEscrow', 'CompleteUsageEscrowWithdrawal', 'RecordUsage', 'RetireDeployment', 'advance'] as const
const OFFSETS = [0, 1, 60_000, DAY, 8 * DAY, -1_000] as const

// Biased toward what works (Dave, the real grant, the right price, receipts dated now), so that money does move and the invariant is tested on charges, not only on refusals.
const mostly = <T>(usual: T, any: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 2, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: any })
const attackArb = fc.record({
  kind: fc.oneof(
    { weight: 4, arbitrary: fc.constant('RecordUsage' as const) },
    { weight: 3, arbitrary: fc.constantFrom('advance' as const, 'WithdrawUsageEscrow' as const, 'CompleteUsageEscrowWithdrawal' as const) },
    { weight: 10, arbitrary: fc.constantFrom(...KINDS) },
  ),
  actor: mostly(3, fc.nat(3)),
  who: mostly(1, fc.nat(3)),
  deployment: fc.nat(2),
  grant: mostly(0, fc.nat(4)),
  price: mostly(0, fc.nat(PRICES.length - 1)),
  quota: fc.integer({ min: 1, max: 2_000_000 }),
  expiresIn: fc.integer({ min: -DAY, max: 30 * DAY }),
  cap: fc.bigInt({ min: 1n, max: tokens(2) }),
  amount: fc.bigInt({ min: 1n, max: tokens(3) }),
  advance: fc.integer({ min: 4 * DAY, max: 9 * DAY }),
  receipts: fc.array(
    fc.record({
      id: fc.nat(20),
      grant: mostly(0, fc.nat(4)),
      input: fc.nat(200_000),
      output: fc.nat(200_000),
      offset: mostly(0, fc.constantFrom(...OFFSETS)),
      price: mostly(0, fc.nat(PRICES.length)),
      fee: fc.bigInt({ min: 0n, max: tokens(1) }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
})
type Attack = typeof attackArb extends fc.Arbitrary<infer A> ? A : never

interface Memory {
  readonly deployments: string[]
  readonly grants: string[]
}

function attackOf(a: Attack, now: number, m: Memory): ECmd | { advance: number } {
  const actor = ACTORS[a.actor] as string
  const who = ACTORS[a.who] as string
  const deploymentId = m.deployments[a.deployment % m.deployments.length] ?? '12'.repeat(32)
  const pick = (i: number): string => m.grants[i] ?? '34'.repeat(32)
  const pricing = PRICES[a.price] as Pricing
  const iso = (ms: number): string => new Date(ms).toISOString()
  switch (a.kind) {
    case 'advance':
      return { advance: a.advance }
    case 'DeployModel':
      return { type: 'DeployModel', actor, payload: { jobId: base.jobId, checkpoint: ROOT_2, operator: who, endpoint: 'https://evil.example/v1', pricing } }
    case 'GrantAccess':
      return { type: 'GrantAccess', actor, payload: { deploymentId, consumer: who, keyHash: (a.grant + 16).toString(16).padStart(2, '0').repeat(32), quotaTokens: a.quota, expiresAt: iso(now + a.expiresIn) } }
    case 'AcceptGrant':
      return { type: 'AcceptGrant', actor, payload: { deploymentId, grantId: pick(a.grant), pricing, quotaTokens: a.quota, expiresAt: iso(now + a.expiresIn), spendCap: a.cap } }
    case 'RevokeAccess':
      return { type: 'RevokeAccess', actor, payload: { deploymentId, grantId: pick(a.grant), reason: 'adversary' } }
    case 'ChangePricing':
      return { type: 'ChangePricing', actor, payload: { deploymentId, pricing } }
    case 'DepositUsageEscrow':
      return { type: a.kind, actor, payload: { amount: a.amount } }
    case 'WithdrawUsageEscrow':
      // Mostly the consumer's own (anyone else's is their own escrow, usually empty).
      return { type: a.kind, actor: who, payload: { amount: a.amount } }
    case 'CompleteUsageEscrowWithdrawal':
      return { type: 'CompleteUsageEscrowWithdrawal', actor, payload: { account: who } }
    case 'RetireDeployment':
      return { type: 'RetireDeployment', actor, payload: { deploymentId, reason: 'adversary' } }
    case 'RecordUsage': {
      const unique = [...new Map(a.receipts.map((r) => [r.id, r])).values()]
      // A fee either priced at one of the prices (the index past the end: any fee at all).
      const feeFor = (r: (typeof unique)[number]): bigint => (r.price < PRICES.length ? feeOf(PRICES[r.price] as Pricing, r.input, r.output) : r.fee)
      const receipts = unique.map((r) => ({ requestId: `adv-${r.id}`, grantId: pick(r.grant), inputTokens: r.input, outputTokens: r.output, at: iso(now - r.offset), fee: feeFor(r) }))
      return { type: 'RecordUsage', actor, payload: { deploymentId, receipts } }
    }
  }
}

function stakedOf(state: EconomyState, key: string): bigint {
  let sum = 0n
  for (const s of state.governance.accounts.get(key)?.stakes.values() ?? []) sum += s.amount
  return sum
}

/** The consent invariant, checked on one accepted command: every decrease of an account's money is one it signed for. */
function expectConsent(command: ECmd, events: readonly EconomyEvent[], before: EconomyState, after: EconomyState, scheduledBy: Map<string, string>): void {
  const accounts = new Set([...before.governance.accounts.keys(), ...after.governance.accounts.keys(), ...before.governance.usageEscrow.keys()])
  for (const key of accounts) {
    const open = (s: EconomyState): bigint => s.governance.accounts.get(key)?.open ?? 0n
    if (open(after) < open(before) || stakedOf(after, key) < stakedOf(before, key)) expect(command.actor, `${command.type} took ${key.slice(0, 4)}’s OPEN or stake`).toBe(key)
    const escrow = (s: EconomyState): bigint => s.governance.usageEscrow.get(key) ?? 0n
    if (escrow(after) >= escrow(before)) continue
    const charged = events.some((e) => e.type === 'UsageCharged' && e.data.consumer === key)
    const withdrawn = events.some((e) => e.type === 'UsageEscrowWithdrawn' && e.data.account === key)
    expect(charged || withdrawn, `${command.type} lowered ${key.slice(0, 4)}’s escrow`).toBe(true)
    if (withdrawn) expect(scheduledBy.get(key), 'a withdrawal the account itself scheduled').toBe(key)
    if (!charged) continue
    const recorded = events.find((e) => e.type === 'UsageRecorded')
    if (recorded?.type !== 'UsageRecorded') throw new Error('a charge without its batch')
    const d = before.deployment.deployments.get(recorded.data.deploymentId)
    for (const r of recorded.data.receipts) {
      const g = d?.grants.get(r.grantId)
      const terms = g?.accepted
      if (g?.consumer !== key) continue
      // Charged only under terms this account signed: accepted, in its window, at its price, within its quota and cap.
      expect(terms, 'a charge to a grant its consumer never accepted').toBeTruthy()
      if (terms === null || terms === undefined) continue
      const at = Date.parse(r.at)
      expect(at >= terms.validFrom && at < terms.expiresAt && (g.revokedAt === null || at < g.revokedAt)).toBe(true)
      expect(r.fee).toBe(feeOf(terms.pricing, r.inputTokens, r.outputTokens))
      const later = after.deployment.deployments.get(recorded.data.deploymentId)?.grants.get(r.grantId)
      expect((later?.usedTokens ?? 0) <= terms.quotaTokens && (later?.billed ?? 0n) <= terms.spendCap).toBe(true)
    }
  }
}

describe('usage under adversaries who send any deployment command', () => {
  it('conserves OPEN, keeps every escrow non-negative, and moves nobody’s money without their signature', () => {
    let charges = 0
    let withdrawals = 0
    fc.assert(
      fc.property(fc.array(attackArb, { minLength: 10, maxLength: 40 }), (attacks) => {
        let state = funded.state
        let now = funded.now
        let sequence = funded.sequence
        let n = funded.commands
        const memory: Memory = { deployments: [base.deploymentId], grants: [base.grantId] }
        const scheduledBy = new Map<string, string>()
        for (const a of attacks) {
          const next = attackOf(a, now, memory)
          if ('advance' in next) {
            now += next.advance
            continue
          }
          now += 1_000
          const at = new Date(now).toISOString()
          const ctx = { recordedAt: at, commandHash: hashFor(++n), ledgerKey: LEDGER, issuedAt: at }
          const outcome = decideAndRecord(economyDecider, state, next, ctx, sequence + 1)
          if (isLeft(outcome)) continue
          const events = outcome.right.recorded.map((r) => r.event)
          expectConsent(next, events, state, outcome.right.state, scheduledBy)
          const g = outcome.right.state.governance
          expect(circulating(g)).toBe(g.genesis?.supply)
          for (const held of g.usageEscrow.values()) expect(held >= 0n).toBe(true)
          for (const e of events) {
            if (e.type === 'ModelDeployed') memory.deployments.push(e.data.deploymentId)
            if (e.type === 'AccessGranted') memory.grants.push(e.data.grantId)
            if (e.type === 'UsageEscrowWithdrawalScheduled') scheduledBy.set(e.data.account, next.actor)
            if (e.type === 'UsageCharged') charges++
            if (e.type === 'UsageEscrowWithdrawn') withdrawals++
          }
          state = outcome.right.state
          sequence += outcome.right.recorded.length
        }
      }),
      { numRuns: 150 },
    )
    // The adversaries did get money moving, so the invariant met charges and withdrawals, not only refusals.
    expect(charges).toBeGreaterThan(10)
    expect(withdrawals).toBeGreaterThan(0)
  })
})
