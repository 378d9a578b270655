/**
 * Per-answer attribution in the fee split: a receipt naming the contributions its answer drew on
 * pays its contributors' share to those alone; receipts without it are pooled and split by the
 * job's attribution exactly as before; names outside the served version are refused; and under
 * any inputs the parts sum to the charged total to the base unit.
 */
import fc from 'fast-check'
import { isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { UsageRecordedC } from '../../../domain/deployment/codecs.js'
import { chargedPerReceipt, splitFees, splitUsage, type ChargedReceipt } from '../../../domain/deployment/split.js'
import { PricedReceiptC, ReceiptC } from '../../../domain/deployment/values.js'
import { idOf } from '../datanets/fixtures.js'
import { ALICE, BOB, espec, type ECmd } from './fixtures.js'
import { dcmd, deployed } from './fixtures.js'

const recordedOf = (cmd: ECmd, history = deployed().history) => {
  const [recorded] = espec.given(...history).when(cmd).events()
  if (recorded?.type !== 'UsageRecorded') throw new Error('expected UsageRecorded')
  return recorded.data
}
const contributorsOf = (d: { payouts: readonly { account: string; share: string; amount: bigint }[] }) => new Map(d.payouts.filter((p) => p.share === 'contributors').map((p) => [p.account, p.amount]))

function usageWith(deploymentId: string, grantId: string, attribution?: { contribution: string; weight: number }[], answerHash?: string): ECmd {
  const cmd = dcmd.usage(deploymentId, [{ requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }])
  const payload = cmd.payload as { receipts: object[] }
  const receipts = payload.receipts.map((r) => ({ ...r, ...(attribution === undefined ? {} : { attribution }), ...(answerHash === undefined ? {} : { answerHash }) }))
  return { ...cmd, payload: { ...payload, receipts } } as ECmd
}

describe('per-answer attribution in RecordUsage', () => {
  const { history, deploymentId, grantId } = deployed()

  it('pays the contributors share of an answer to the contribution it reused, not the job-level 3:1', () => {
    const jobLevel = recordedOf(usageWith(deploymentId, grantId), history)
    // Fee 1100 → contributors 550, split 3:1 by the job's attribution (Alice's a, Bob's b).
    expect([...contributorsOf(jobLevel).values()].reduce((a, b) => a + b, 0n)).toBe(550n)
    expect((contributorsOf(jobLevel).get(ALICE) as bigint) > (contributorsOf(jobLevel).get(BOB) as bigint)).toBe(true)

    // The answer copied Bob's contribution b: all 550 go to Bob.
    const copied = recordedOf(usageWith(deploymentId, grantId, [{ contribution: idOf('b'), weight: 40 }]), history)
    expect(contributorsOf(copied)).toEqual(new Map([[BOB, 550n]]))
    expect(copied.receipts[0]?.attribution).toEqual([{ contribution: idOf('b'), weight: 40 }])
    // The other shares are what they were; the total is the charged amount.
    expect(copied.shares).toEqual(jobLevel.shares)
    expect(copied.payouts.filter((p) => p.share !== 'contributors')).toEqual(jobLevel.payouts.filter((p) => p.share !== 'contributors'))
    // The event, attribution included, is in the ledger's format.
    expect(isRight(UsageRecordedC.decode(UsageRecordedC.encode({ type: 'UsageRecorded', data: copied } as never)))).toBe(true)
  })

  it('splits an answer drawing on both by its own weights (1:3 here, against the job-level 3:1)', () => {
    const both = recordedOf(usageWith(deploymentId, grantId, [{ contribution: idOf('a'), weight: 10 }, { contribution: idOf('b'), weight: 30 }].sort((x, y) => (x.contribution < y.contribution ? -1 : 1))), history)
    const c = contributorsOf(both)
    expect((c.get(ALICE) as bigint) + (c.get(BOB) as bigint)).toBe(550n)
    expect(c.get(BOB)).toBe(c.get(ALICE) === 137n ? 413n : 412n)
  })

  it('refuses an attribution to a contribution outside the served version', () => {
    espec.given(...history).when(usageWith(deploymentId, grantId, [{ contribution: 'ff'.repeat(32), weight: 1 }])).thenFails('bad-receipts')
  })

  it('the receipt codec refuses unsorted, duplicate, empty or zero-weight attributions', () => {
    const base = { requestId: 'r', grantId: 'aa'.repeat(32), inputTokens: 1, outputTokens: 1, at: '2026-01-01T00:00:00.000Z', fee: '1' }
    const ok = (attribution: unknown) => isRight(ReceiptC.decode({ ...base, ...(attribution === 'absent' ? {} : { attribution }) }))
    expect(ok('absent')).toBe(true)
    expect(ok([{ contribution: '01'.repeat(32), weight: 1 }, { contribution: '02'.repeat(32), weight: 5 }])).toBe(true)
    expect(ok([{ contribution: '02'.repeat(32), weight: 1 }, { contribution: '01'.repeat(32), weight: 5 }])).toBe(false)
    expect(ok([{ contribution: '01'.repeat(32), weight: 1 }, { contribution: '01'.repeat(32), weight: 5 }])).toBe(false)
    expect(ok([])).toBe(false)
    expect(ok(undefined)).toBe(false)
    expect(ok([{ contribution: '01'.repeat(32), weight: 0 }])).toBe(false)
    expect(ok([{ contribution: '01'.repeat(32), weight: 1, extra: true }])).toBe(false)
  })
})

describe('the answer hash of a receipt', () => {
  const { history, deploymentId, grantId } = deployed()
  const hash = '5e'.repeat(32)
  const attribution = [{ contribution: idOf('b'), weight: 40 }]

  it('is recorded in UsageRecorded as given and moves no money: the split is the one without it', () => {
    const bound = recordedOf(usageWith(deploymentId, grantId, attribution, hash), history)
    const unbound = recordedOf(usageWith(deploymentId, grantId, attribution), history)
    expect(bound.receipts[0]?.answerHash).toBe(hash)
    expect(unbound.receipts[0]).not.toHaveProperty('answerHash')
    expect(bound.payouts).toEqual(unbound.payouts)
    expect(bound.splitHash).toBe(unbound.splitHash)
    const encoded = UsageRecordedC.encode({ type: 'UsageRecorded', data: bound } as never)
    expect((encoded.data as { receipts: { answerHash?: string }[] }).receipts[0]?.answerHash).toBe(hash)
    const decoded = UsageRecordedC.decode(encoded)
    expect(isRight(decoded) && decoded.right.data.receipts[0]?.answerHash).toBe(hash)
    // Without attribution too: the hash binds any answer.
    expect(recordedOf(usageWith(deploymentId, grantId, undefined, hash), history).receipts[0]?.answerHash).toBe(hash)
  })

  it('the codecs take receipts without it (recorded before it existed) and refuse a malformed one', () => {
    const base = { requestId: 'r', grantId: 'aa'.repeat(32), inputTokens: 1, outputTokens: 1, at: '2026-01-01T00:00:00.000Z', fee: '1' }
    for (const codec of [ReceiptC, PricedReceiptC]) {
      const ok = (answerHash: unknown) => isRight(codec.decode({ ...base, ...(answerHash === 'absent' ? {} : { answerHash }) }))
      expect(ok('absent')).toBe(true)
      expect(ok(hash)).toBe(true)
      expect(ok('5E'.repeat(32))).toBe(false)
      expect(ok('5e'.repeat(31))).toBe(false)
      expect(ok('5e'.repeat(33))).toBe(false)
      expect(ok(undefined)).toBe(false)
      expect(ok(null)).toBe(false)
    }
  })
})

describe('splitting a batch with attributed answers (properties)', () => {
  const account = fc.constantFrom('a1', 'b2', 'c3', 'd4', 'e5')
  const weights = fc.record({ contributors: fc.nat(100), validators: fc.nat(100), proposer: fc.nat(100), treasury: fc.integer({ min: 1, max: 100 }) })
  const recipients = fc.record({
    contributors: fc.array(fc.tuple(account, fc.bigInt({ min: 0n, max: 10n ** 20n }))).map((e) => new Map(e)),
    validators: fc.array(fc.tuple(account, fc.bigInt({ min: 0n, max: 1000n }))).map((e) => new Map(e)),
    proposer: fc.option(account, { nil: null }),
  })
  const receipt = fc.record({
    requestId: fc.string({ minLength: 1, maxLength: 6 }),
    charged: fc.bigInt({ min: 0n, max: 10n ** 30n }),
    attribution: fc.option(fc.array(fc.record({ contribution: account, weight: fc.integer({ min: 1, max: 100_000_000 }) }), { maxLength: 5 }), { nil: undefined }),
  })

  it('payouts plus treasury equal the charged total exactly, nothing negative, pooled receipts as before', () => {
    fc.assert(
      fc.property(fc.array(receipt, { maxLength: 8 }), weights, recipients, (rs, w, to) => {
        const receipts: ChargedReceipt[] = rs.map((r) => (r.attribution === undefined ? { requestId: r.requestId, charged: r.charged } : r))
        // Contributions named by account here; a contribution of account "e5" is "revoked" (maps to nobody).
        const contributorsOf = (a: NonNullable<ChargedReceipt['attribution']>) => new Map(a.filter((x) => x.contribution !== 'e5').map((x) => [x.contribution, BigInt(x.weight)]))
        const split = splitUsage(receipts, w, to, contributorsOf)
        const total = receipts.reduce((s, r) => s + r.charged, 0n)
        const paid = split.payouts.reduce((s, p) => s + p.amount, 0n)
        if (paid + split.shares.treasury !== total) return false
        if (split.payouts.some((p) => p.amount <= 0n) || split.shares.treasury < 0n) return false
        for (const share of ['contributors', 'validators', 'proposer'] as const) {
          if (split.payouts.filter((p) => p.share === share).reduce((s, p) => s + p.amount, 0n) !== split.shares[share]) return false
        }
        if (receipts.every((r) => r.attribution === undefined)) expect(split).toEqual(splitFees(total, w, to))
        return true
      }),
      { numRuns: 300 },
    )
  })

  it('each consumer’s charged total is spread over their receipts exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ consumer: fc.constantFrom('x', 'y'), fee: fc.bigInt({ min: 0n, max: 10n ** 24n }) }), { maxLength: 10 }), fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.bigInt({ min: 0n, max: 10n ** 24n }), (rs, cx, cy) => {
        const receipts = rs.map((r, i) => ({ ...r, requestId: `r${i}` }))
        const owed = (c: string) => receipts.filter((r) => r.consumer === c).reduce((s, r) => s + r.fee, 0n)
        // What the ledger charges: the fee owed, or less when the escrow is short.
        const charged = new Map([['x', cx < owed('x') ? cx : owed('x')], ['y', cy < owed('y') ? cy : owed('y')]])
        const per = chargedPerReceipt(receipts, charged)
        for (const c of ['x', 'y']) {
          const sum = receipts.filter((r) => r.consumer === c).reduce((s, r) => s + (per.get(r.requestId) ?? 0n), 0n)
          if (sum !== (owed(c) === 0n ? 0n : (charged.get(c) as bigint))) return false
        }
        return receipts.every((r) => (per.get(r.requestId) ?? 0n) <= r.fee)
      }),
    )
  })
})

