/**
 * The usage read model under random usage of a real deployment: escrow deposits and withdrawals
 * by two consumers, batches of receipts (repeats and shortfalls included), consents withdrawn and a
 * rollback, all decided by the economy vertical. Whatever happened, the fees split to the base
 * unit: per deployment and per batch the recipients' payouts plus the treasury's share are exactly
 * what was charged, each share is the sum of what its recipients got, fees are charged plus
 * unpaid, and every escrow balance is what the accounts read model and the economy fold say.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { economy, type EconomyState } from '../../../domain/economy/index.js'
import { foldFromZero } from '../../../projections/fold.js'
import { accountKey, accountsProjection, TREASURY_KEY, type AccountsRow } from '../../../projections/read-models/accounts.js'
import { usageProjection, type UsageRow } from '../../../projections/read-models/usage.js'
import { collect } from '../support.js'
import { acceptRequest, ALICE, CAROL, DAVE, deployRequest, EVE, grantRequest, keyOf, openDriver, receipt, trainedModel, type Driver } from '../story.js'

const CONSUMERS = [EVE, CAROL] as const
const consumer = fc.constantFrom(0, 1)
const amount = fc.bigInt({ min: 1n, max: 40_000_000n })
const receiptArb = fc.record({ grant: consumer, inputTokens: fc.nat(6000), outputTokens: fc.nat(6000) })

type Step =
  | { readonly kind: 'deposit' | 'withdraw'; readonly who: number; readonly amount: bigint }
  | { readonly kind: 'usage'; readonly receipts: readonly { grant: number; inputTokens: number; outputTokens: number; id: number }[] }
  | { readonly kind: 'revoke'; readonly which: number }
  | { readonly kind: 'rollback' }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deposit' as const), who: consumer, amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), who: consumer, amount }) },
  {
    weight: 5,
    arbitrary: fc
      .uniqueArray(fc.nat(15), { minLength: 1, maxLength: 4 })
      .chain((ids) => fc.tuple(...ids.map((id) => receiptArb.map((r) => ({ ...r, id })))))
      .map((receipts): Step => ({ kind: 'usage', receipts })),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), which: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rollback' as const }) },
)

interface World {
  readonly d: Driver
  readonly deploymentId: string
  readonly grants: readonly string[]
  readonly contributions: readonly string[]
  readonly earlier: { jobId: string; checkpoint: string }
}

async function play(w: World, step: Step): Promise<void> {
  const { d } = w
  d.clock.advance(1_000)
  switch (step.kind) {
    case 'deposit':
      return void (await d.attempt(CONSUMERS[step.who] as string, { type: 'DepositUsageEscrow', payload: { amount: step.amount } }))
    case 'withdraw':
      return void (await d.attempt(CONSUMERS[step.who] as string, { type: 'WithdrawUsageEscrow', payload: { amount: step.amount } }))
    case 'usage': {
      const receipts = step.receipts.map((r) => receipt(d, w.grants[r.grant] as string, `req-${r.id}`, r.inputTokens, r.outputTokens))
      return void (await d.attempt(DAVE, { type: 'RecordUsage', payload: { deploymentId: w.deploymentId, receipts } }))
    }
    case 'revoke': {
      // The first and third contributions are Alice's, the second Eve's: only the contributor withdraws consent.
      const contributor = step.which === 1 ? EVE : ALICE
      return void (await d.attempt(contributor, { type: 'RevokeContribution', payload: { contributionId: w.contributions[step.which] as string } }))
    }
    case 'rollback':
      return void (await d.attempt(ALICE, { type: 'RollbackDeployment', payload: { deploymentId: w.deploymentId, ...w.earlier, reason: 'random rollback' } }))
  }
}

const sum = (values: Iterable<bigint>): bigint => [...values].reduce((a, b) => a + b, 0n)

function expectSplitsExact(rows: readonly UsageRow[]): void {
  for (const u of rows) {
    if (u.kind !== 'deployment') continue
    const recipients = rows.filter((r): r is Extract<UsageRow, { kind: 'recipient' }> => r.kind === 'recipient' && r.deploymentId === u.deploymentId)
    expect(sum(recipients.map((r) => r.total)) + u.shares.treasury).toBe(u.charged)
    for (const share of ['contributors', 'validators', 'proposer'] as const) expect(sum(recipients.map((r) => r[share])), share).toBe(u.shares[share])
    expect(u.fees).toBe(u.charged + u.unpaid)
    const batches = rows.filter((r): r is Extract<UsageRow, { kind: 'batch' }> => r.kind === 'batch' && r.deploymentId === u.deploymentId)
    expect(sum(batches.map((b) => b.charged))).toBe(u.charged)
    for (const b of batches) expect(sum(b.payouts.map((p) => p.amount)) + b.shares.treasury, `batch ${b.sequence}`).toBe(b.charged)
    const grants = rows.filter((r): r is Extract<UsageRow, { kind: 'grant' }> => r.kind === 'grant' && r.deploymentId === u.deploymentId)
    expect(sum(grants.map((g) => g.fees))).toBe(u.fees)
    expect(grants.reduce((n, g) => n + g.usedTokens, 0)).toBe(u.inputTokens + u.outputTokens)
  }
}

async function economyState(d: Driver): Promise<EconomyState> {
  let state: EconomyState = economy.decider.initialState
  for (const envelope of await collect(d.store.readAll())) {
    const event = economy.parseEvent(envelope.type, envelope.data)
    if (event !== undefined) state = economy.decider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
  }
  return state
}

describe('usage read model under random usage', () => {
  it('splits every charge exactly and keeps escrow balances equal to accounts and the economy fold', async () => {
    // What the runs went through, so the property is known to have met shortfalls, repeats and rollbacks.
    const seen = { batches: 0, shortfalls: 0, duplicates: 0, rollbacks: 0 }
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 14 }), async (steps) => {
        const d = await openDriver()
        const trained = await trainedModel(d)
        const deploymentId = await d.run(ALICE, deployRequest(trained.jobId, trained.checkpoints[1]))
        const grants = []
        for (const who of CONSUMERS) {
          const grantId = await d.run(ALICE, grantRequest(deploymentId, who))
          await d.run(who, acceptRequest(deploymentId, grantId))
          grants.push(grantId)
        }
        const world: World = { d, deploymentId, grants, contributions: trained.inVersion, earlier: { jobId: trained.jobId, checkpoint: trained.checkpoints[0] } }
        for (const step of steps) await play(world, step)

        const usage = [...(await foldFromZero(d.store, usageProjection)).table.rows.values()]
        expectSplitsExact(usage)
        for (const row of usage) {
          if (row.kind !== 'batch') continue
          seen.batches++
          seen.duplicates += row.duplicates
          if (row.charged < row.fees) seen.shortfalls++
          if (row.checkpoint === trained.checkpoints[0]) seen.rollbacks++
        }
        const accounts = (await foldFromZero(d.store, accountsProjection)).table.rows as Map<string, AccountsRow>
        const state = await economyState(d)
        for (const who of CONSUMERS) {
          const key = keyOf(who)
          const escrow = usage.find((r) => r.kind === 'escrow' && r.account === key)
          const held = state.governance.usageEscrow.get(key) ?? 0n
          expect(escrow === undefined ? 0n : escrow.kind === 'escrow' && escrow.balance).toBe(held)
          if (escrow?.kind === 'escrow') expect(escrow.balance).toBe(escrow.deposited - escrow.withdrawn - escrow.charged)
          expect(accounts.get(accountKey(key))).toMatchObject({ usageEscrow: held, open: state.governance.accounts.get(key)?.open })
        }
        for (const [key, account] of state.governance.accounts) expect(accounts.get(accountKey(key)), key).toMatchObject({ open: account.open })
        expect(accounts.get(TREASURY_KEY)).toMatchObject({ free: state.governance.treasury })
        await d.store.close()
      }),
      { numRuns: 15, seed: 5 },
    )
    expect(Math.min(seen.batches, seen.shortfalls, seen.duplicates, seen.rollbacks)).toBeGreaterThan(0)
  }, 120_000)
})
