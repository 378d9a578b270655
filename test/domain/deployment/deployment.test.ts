/** The deployment rules: who may deploy what, access grants, the usage escrow, metered usage and its split, retire and roll back. */
import { describe, expect, it } from 'vitest'
import { isRight } from 'fp-ts/lib/Either.js'
import { splitHash } from '../../../domain/deployment/split.js'
import { circulating } from '../../../domain/governance/state.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { checkpointRoot as checkpointRootOf } from '../../../domain/training/checkpoint.js'
import { idOf } from '../datanets/fixtures.js'
import { ALICE, BOB, CAROL, DAVE, DAY, espec, MANDATE, type ECmd } from './fixtures.js'
import { CONSUMER, dcmd, deployed, EXPIRES, nextId, OPERATOR, PRICING, ROOT_1, ROOT_2, SPEND_CAP, trained } from './fixtures.js'

const usageEvents = (cmd: ECmd, history = deployed().history) => espec.given(...history).when(cmd).events()

describe('deploying a model', () => {
  it('records the served checkpoint with the evaluation that passed it', () => {
    const { history, jobId } = trained()
    const t = espec.play(history)
    const job = t.state.training.jobs.get(jobId)
    const evaluationSequence = job?.evaluations.find((e) => e.checkpoint === ROOT_2)?.sequence
    expect(evaluationSequence).toBeGreaterThan(0)
    espec.given(...history).when(dcmd.deploy(jobId)).then([
      {
        type: 'ModelDeployed',
        data: { deploymentId: nextId(history), mandateId: MANDATE, deployer: ALICE, operator: OPERATOR, endpoint: 'https://models.example/v1', pricing: PRICING, jobId, checkpoint: ROOT_2, evaluationSequence: evaluationSequence as number },
      },
    ])
  })

  it('refuses a checkpoint no evaluation passed, one the job never recorded, and an unknown job', () => {
    const { history, jobId, running } = trained()
    // A third checkpoint (before completion), evaluated below the rubric's 0.42.
    const files3 = [{ path: 'model.json', sha256: '33'.repeat(32), bytes: 9 }]
    const root3 = checkpointRootOf(files3)
    const h = [...running, { command: dcmd.checkpoint(jobId, 3, files3, root3) }, { command: dcmd.evaluate(jobId, 0.1) }]
    espec.given(...h).when(dcmd.deploy(jobId, root3)).thenFails('checkpoint-not-passed')
    espec.given(...history).when(dcmd.deploy(jobId, 'cd'.repeat(32))).thenFails('unknown-checkpoint')
    espec.given(...history).when(dcmd.deploy('ef'.repeat(32))).thenFails('unknown-job')
  })

  it('only the mandate’s proposer or an operator deploys', () => {
    const { history, jobId } = trained()
    espec.given(...history).when(dcmd.deploy(jobId, ROOT_2, BOB)).thenFails('not-deployer')
  })

  it('names only an operator holding a locked operator stake: registered is not enough, unbonding is leaving', () => {
    const { history, jobId } = trained()
    const unstaked = history.slice(0, -1)
    espec.given(...unstaked).when(dcmd.deploy(jobId)).thenFails('operator-not-staked')
    const stakeId = [...(espec.play(history).state.governance.accounts.get(OPERATOR)?.stakes.values() ?? [])].find((k) => k.purpose === 'operator')?.id as number
    espec.given(...history, { command: { type: 'RequestUnbond', actor: OPERATOR, payload: { stakeId } } }).when(dcmd.deploy(jobId)).thenFails('operator-not-staked')
  })
})

describe('access', () => {
  it('grants a key hash once, to a registered consumer, with an expiry in the future', () => {
    const { history, deploymentId } = deployed()
    espec.given(...history).when(dcmd.grant(deploymentId)).thenFails('key-in-use')
    espec.given(...history).when(dcmd.grant(deploymentId, { keyHash: 'a1'.repeat(32), expiresAt: '2025-12-31T00:00:00.000Z' })).thenFails('bad-expiry')
    espec.given(...history).when(dcmd.grant(deploymentId, { keyHash: 'a1'.repeat(32), actor: CAROL })).thenFails('not-deployment-operator')
    const events = espec.given(...history).when(dcmd.grant(deploymentId, { keyHash: 'a1'.repeat(32), actor: OPERATOR })).events()
    expect(events[0]?.type).toBe('AccessGranted')
    espec.given(...history).when(dcmd.grant('12'.repeat(32))).thenFails('unknown-deployment')
  })

  it('revokes once; a revoked grant stays revoked', () => {
    const { history, deploymentId, grantId } = deployed()
    espec.given(...history).when(dcmd.revoke(deploymentId, grantId)).then([{ type: 'AccessRevoked', data: { deploymentId, grantId, reason: 'key leaked' } }])
    espec.given(...history, { command: dcmd.revoke(deploymentId, grantId) }).when(dcmd.revoke(deploymentId, grantId)).thenFails('grant-revoked')
    espec.given(...history).when(dcmd.revoke(deploymentId, '34'.repeat(32))).thenFails('unknown-grant')
  })
})

describe('accepting a grant', () => {
  it('records the consumer’s terms, valid from the acceptance', () => {
    const { history, deploymentId, grantId } = deployed(0n, false)
    const t = espec.play(history)
    espec.given(...history).when(dcmd.accept(deploymentId, grantId)).then([
      {
        type: 'GrantAccepted',
        data: { deploymentId, grantId, consumer: CONSUMER, pricing: PRICING, quotaTokens: 1_000_000, validFrom: new Date(t.now).toISOString(), expiresAt: EXPIRES, spendCap: SPEND_CAP },
      },
    ])
  })

  it('is the consumer’s alone, once, at the deployment’s prices now, within the offer', () => {
    const { history, deploymentId, grantId } = deployed(0n, false)
    espec.given(...history).when(dcmd.accept(deploymentId, grantId, { actor: OPERATOR })).thenFails('not-grant-consumer')
    espec.given(...history).when(dcmd.accept(deploymentId, grantId, { pricing: { inputPer1k: 1n, outputPer1k: 3_000n } })).thenFails('price-mismatch')
    espec.given(...history).when(dcmd.accept(deploymentId, grantId, { quota: 1_000_001 })).thenFails('terms-exceed-offer')
    espec.given(...history).when(dcmd.accept(deploymentId, grantId, { expiresAt: '2027-01-02T00:00:00.000Z' })).thenFails('terms-exceed-offer')
    espec.given(...history).when(dcmd.accept(deploymentId, grantId, { expiresAt: '2025-01-01T00:00:00.000Z' })).thenFails('bad-expiry')
    espec.given(...history).when(dcmd.accept(deploymentId, '34'.repeat(32))).thenFails('unknown-grant')
    espec.given(...history, { command: dcmd.accept(deploymentId, grantId) }).when(dcmd.accept(deploymentId, grantId)).thenFails('grant-already-accepted')
    espec.given(...history, { command: dcmd.revoke(deploymentId, grantId) }).when(dcmd.accept(deploymentId, grantId)).thenFails('grant-revoked')
    espec.given(...history, { command: dcmd.retire(deploymentId) }).when(dcmd.accept(deploymentId, grantId)).thenFails('deployment-retired')
    // Less than offered is the consumer's choice.
    expect(espec.given(...history).when(dcmd.accept(deploymentId, grantId, { quota: 10, expiresAt: '2026-06-01T00:00:00.000Z' })).events()[0]?.type).toBe('GrantAccepted')
  })

  it('the consumer may revoke its own grant', () => {
    const { history, deploymentId, grantId } = deployed()
    expect(espec.given(...history).when(dcmd.revoke(deploymentId, grantId, CONSUMER)).events()[0]?.type).toBe('AccessRevoked')
    // A stranger cannot end another consumer's grant by claiming that right.
    espec.given(...history).when(dcmd.revoke(deploymentId, grantId, CAROL)).thenFails('not-deployment-operator')
  })

  it('a new price applies to grants accepted from then on; accepted ones keep theirs', () => {
    const { history, deploymentId, grantId } = deployed()
    const dearer = { inputPer1k: 5_000n, outputPer1k: 9_000n }
    espec.given(...history).when(dcmd.reprice(deploymentId, dearer, OPERATOR)).thenFails('not-deployment-operator')
    const repriced = [...history, { command: dcmd.reprice(deploymentId, dearer) }]
    const r = { requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }
    espec.given(...repriced).when(dcmd.usage(deploymentId, [r], OPERATOR, dearer)).thenFails('price-mismatch')
    const [recorded] = espec.given(...repriced).when(dcmd.usage(deploymentId, [r])).events()
    if (recorded?.type !== 'UsageRecorded') throw new Error('expected UsageRecorded')
    expect(recorded.data.receipts[0]?.fee).toBe(1100n)
    const second = nextId(repriced)
    const offered = [...repriced, { command: dcmd.grant(deploymentId, { keyHash: 'a1'.repeat(32) }) }]
    espec.given(...offered).when(dcmd.accept(deploymentId, second)).thenFails('price-mismatch')
    expect(espec.given(...offered).when(dcmd.accept(deploymentId, second, { pricing: dearer })).events()[0]?.type).toBe('GrantAccepted')
  })
})

describe('the usage escrow', () => {
  it('takes deposits at once, never past the OPEN there', () => {
    const { history } = deployed(0n)
    espec.given(...history).when(dcmd.deposit(tokens(10_000_000))).thenFails('insufficient-open')
    const t = espec.play([...history, { command: dcmd.deposit(tokens(500)) }])
    expect(t.state.governance.usageEscrow.get(CONSUMER)).toBe(tokens(500))
    expect(circulating(t.state.governance)).toBe(t.state.governance.genesis?.supply)
  })

  it('pays a withdrawal out only after the notice period, to the consumer, whoever completes it', () => {
    const { history } = deployed(tokens(500))
    espec.given(...history).when(dcmd.withdraw(tokens(501))).thenFails('insufficient-escrow')
    const start = espec.play(history).now
    const scheduled = [...history, { command: dcmd.withdraw(tokens(200)) }]
    espec.given(...history).when(dcmd.withdraw(tokens(200))).then([
      { type: 'UsageEscrowWithdrawalScheduled', data: { account: CONSUMER, amount: tokens(200), dueAt: new Date(start + 8 * DAY).toISOString() } },
    ])
    expect(espec.play(scheduled).state.governance.usageEscrow.get(CONSUMER)).toBe(tokens(500))
    espec.given(...scheduled).when(dcmd.withdraw(tokens(1))).thenFails('withdrawal-pending')
    espec.given(...scheduled, { advance: 8 * DAY - 1 }).when(dcmd.complete()).thenFails('withdrawal-not-due')
    espec.given(...history, { advance: 9 * DAY }).when(dcmd.complete()).thenFails('no-pending-withdrawal')
    // Permissionless once due: Carol completes it, the OPEN goes back to Bob.
    const t = espec.play([...scheduled, { advance: 8 * DAY }, { command: dcmd.complete(CONSUMER, CAROL) }])
    expect(t.state.governance.usageEscrow.get(CONSUMER)).toBe(tokens(300))
    expect(t.state.deployment.withdrawals.size).toBe(0)
    expect(circulating(t.state.governance)).toBe(t.state.governance.genesis?.supply)
  })

  it('charges receipts during the notice period; the withdrawal takes what is left', () => {
    const { history, deploymentId, grantId } = deployed(2_000n)
    const t = espec.play([
      ...history,
      { command: dcmd.withdraw(2_000n) },
      { command: dcmd.usage(deploymentId, [{ requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }]) },
      { advance: 8 * DAY },
    ])
    expect(t.state.governance.usageEscrow.get(CONSUMER)).toBe(900n)
    espec.given(...history, { command: dcmd.withdraw(2_000n) }, { command: dcmd.usage(deploymentId, [{ requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }]) }, { advance: 8 * DAY })
      .when(dcmd.complete())
      .then([{ type: 'UsageEscrowWithdrawn', data: { account: CONSUMER, requested: 2_000n, amount: 900n } }])
  })
})

describe('recording usage', () => {
  it('prices each receipt, charges the escrow and splits the total 50/20/20/10, then by attribution and agreement', () => {
    const { history, deploymentId, grantId } = deployed()
    const events = usageEvents(
      dcmd.usage(deploymentId, [
        { requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 },
        { requestId: 'r2', grantId, inputTokens: 1, outputTokens: 1 },
      ]),
      history,
    )
    const [recorded, charged] = events
    if (recorded?.type !== 'UsageRecorded') throw new Error('expected UsageRecorded')
    // 500 × 1000 + 200 × 3000 = 1,100,000 milli → 1100; 1 × 1000 + 1 × 3000 → 4. Total 1104.
    expect(recorded.data.receipts.map((r) => r.fee)).toEqual([1100n, 4n])
    expect(recorded.data.charges).toEqual([{ consumer: CONSUMER, fee: 1104n, charged: 1104n }])
    // 1104 × (50, 20, 20, 10)% = 552, 220.8, 220.8, 110.4: the two .8 remainders win a unit each.
    expect(recorded.data.shares).toEqual({ contributors: 552n, validators: 221n, proposer: 221n, treasury: 110n })
    // Contributors 3:1 by attribution (Alice 414, Bob 138); validators by agreeing verdicts Bob 1, Carol 2, Dave 1 (55.25, 110.5, 55.25).
    expect(recorded.data.payouts).toEqual([
      { account: [ALICE, BOB].sort()[0], share: 'contributors', amount: ALICE < BOB ? 414n : 138n },
      { account: [ALICE, BOB].sort()[1], share: 'contributors', amount: ALICE < BOB ? 138n : 414n },
      ...[
        [BOB, 55n],
        [CAROL, 111n],
        [DAVE, 55n],
      ]
        .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1))
        .map(([account, amount]) => ({ account: account as string, share: 'validators' as const, amount: amount as bigint })),
      { account: ALICE, share: 'proposer', amount: 221n },
    ])
    expect(recorded.data.splitHash).toBe(splitHash({ shares: recorded.data.shares, payouts: recorded.data.payouts }))
    expect(charged).toEqual({ type: 'UsageCharged', data: { deploymentId, consumer: CONSUMER, amount: 1104n } })
  })

  it('charges the same receipt once: a batch of only known receipts is refused, known ones in a mixed batch are listed, not charged', () => {
    const { history, deploymentId, grantId } = deployed()
    const first = dcmd.usage(deploymentId, [{ requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }])
    espec.given(...history, { command: first }).when(first).thenFails('usage-already-recorded')
    const mixed = dcmd.usage(deploymentId, [
      { requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 },
      { requestId: 'r2', grantId, inputTokens: 1000, outputTokens: 0 },
    ])
    const [recorded] = espec.given(...history, { command: first }).when(mixed).events()
    if (recorded?.type !== 'UsageRecorded') throw new Error('expected UsageRecorded')
    expect(recorded.data.duplicates).toEqual(['r1'])
    expect(recorded.data.receipts.map((r) => r.requestId)).toEqual(['r2'])
    expect(recorded.data.charged).toBe(1000n)
  })

  it('charges no more than the escrow holds and records the shortfall', () => {
    const { history, deploymentId, grantId } = deployed(700n)
    const [recorded] = usageEvents(dcmd.usage(deploymentId, [{ requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }]), history)
    if (recorded?.type !== 'UsageRecorded') throw new Error('expected UsageRecorded')
    expect(recorded.data.charges).toEqual([{ consumer: CONSUMER, fee: 1100n, charged: 700n }])
    expect(recorded.data.charged).toBe(700n)
  })

  it('refuses receipts from another signer, for unknown grants, repeated in the batch or dated after it', () => {
    const { history, deploymentId, grantId } = deployed()
    const r = { requestId: 'r1', grantId, inputTokens: 5, outputTokens: 5 }
    espec.given(...history).when(dcmd.usage(deploymentId, [r], ALICE)).thenFails('not-deployment-operator')
    espec.given(...history).when(dcmd.usage(deploymentId, [{ ...r, grantId: '56'.repeat(32) }])).thenFails('bad-receipts')
    espec.given(...history).when(dcmd.usage(deploymentId, [r, r])).thenFails('bad-receipts')
    espec.given(...history).when(dcmd.usage(deploymentId, [{ ...r, at: '2030-01-01T00:00:00.000Z' }])).thenFails('bad-receipts')
  })

  it('charges only within the terms the consumer accepted: accepted, in validity, at the price, within quota and cap', () => {
    const { history, deploymentId, grantId } = deployed()
    const start = espec.play(history).now
    const iso = (ms: number): string => new Date(ms).toISOString()
    const r = { requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }
    const unaccepted = deployed(tokens(1_000), false)
    espec.given(...unaccepted.history).when(dcmd.usage(unaccepted.deploymentId, [{ ...r, grantId: unaccepted.grantId }])).thenFails('grant-not-accepted')
    espec.given(...history).when(dcmd.usage(deploymentId, [{ ...r, at: iso(start - 1) }])).thenFails('receipt-outside-validity')
    espec.given(...history).when(dcmd.usage(deploymentId, [{ ...r, fee: 1101n }])).thenFails('price-mismatch')
    espec.given(...history).when(dcmd.usage(deploymentId, [{ ...r, inputTokens: 1_000_000 }])).thenFails('quota-exceeded')
    // Quota and cap count the batch's receipts together, in order.
    espec.given(...history).when(dcmd.usage(deploymentId, [{ ...r, inputTokens: 600_000 }, { ...r, requestId: 'r2', inputTokens: 400_000 }])).thenFails('quota-exceeded')
    const capped = [...history.slice(0, -2), { command: dcmd.accept(deploymentId, grantId, { spendCap: 2_000n }) }, { command: dcmd.deposit(tokens(1_000)) }]
    espec.given(...capped).when(dcmd.usage(deploymentId, [r, { ...r, requestId: 'r2' }])).thenFails('spend-cap-exceeded')
    expect(espec.given(...capped).when(dcmd.usage(deploymentId, [r])).events()[0]?.type).toBe('UsageRecorded')
    // After the accepted expiry, or from its revocation on, nothing is chargeable.
    const short = [...history.slice(0, -2), { command: dcmd.accept(deploymentId, grantId, { expiresAt: iso(start + DAY) }) }, { command: dcmd.deposit(tokens(1_000)) }, { advance: 2 * DAY }]
    espec.given(...short).when(dcmd.usage(deploymentId, [{ ...r, at: iso(start + DAY) }])).thenFails('receipt-outside-validity')
    expect(espec.given(...short).when(dcmd.usage(deploymentId, [{ ...r, at: iso(start + DAY - 1) }])).events()[0]?.type).toBe('UsageRecorded')
    const revoked = [...history, { advance: 1_000 }, { command: dcmd.revoke(deploymentId, grantId) }]
    espec.given(...revoked).when(dcmd.usage(deploymentId, [{ ...r, at: iso(start + 1_000) }])).thenFails('receipt-outside-validity')
    expect(espec.given(...revoked).when(dcmd.usage(deploymentId, [{ ...r, at: iso(start + 999) }])).events()[0]?.type).toBe('UsageRecorded')
  })

  it('refuses a receipt older than the receipt window, and forgets ids once they leave it', () => {
    const { history, deploymentId, grantId } = deployed()
    const start = espec.play(history).now
    const iso = (ms: number): string => new Date(ms).toISOString()
    const old = { requestId: 'old', grantId, inputTokens: 1, outputTokens: 1, at: iso(start - 7 * DAY - 1) }
    espec.given(...history).when(dcmd.usage(deploymentId, [old])).thenFails('bad-receipts')
    const first = dcmd.usage(deploymentId, [{ requestId: 'r1', grantId, inputTokens: 1, outputTokens: 1, at: iso(start) }])
    const t = espec.play([...history, { command: first }, { advance: 8 * DAY }, { command: dcmd.usage(deploymentId, [{ requestId: 'r2', grantId, inputTokens: 1, outputTokens: 1, at: iso(start + 8 * DAY) }]) }])
    // r1 is out of the window of the second batch: its id is no longer held, only r2's.
    expect([...(t.state.deployment.deployments.get(deploymentId)?.requests.keys() ?? [])]).toEqual(['r2'])
  })

  it('keeps the supply whole and counts the tokens against the grant', () => {
    const { history, deploymentId, grantId } = deployed()
    const t = espec.play([...history, { command: dcmd.usage(deploymentId, [{ requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }]) }])
    expect(circulating(t.state.governance)).toBe(t.state.governance.genesis?.supply)
    expect(t.state.deployment.deployments.get(deploymentId)?.grants.get(grantId)?.usedTokens).toBe(700)
    expect(t.state.governance.usageEscrow.get(CONSUMER)).toBe(tokens(1_000) - 1100n)
  })

  it('pays nothing to a contributor who revoked: their share goes to the others', () => {
    const { history, deploymentId, grantId } = deployed()
    const [recorded] = usageEvents(dcmd.usage(deploymentId, [{ requestId: 'r1', grantId, inputTokens: 500, outputTokens: 200 }]), [...history, { command: { type: 'RevokeContribution', actor: BOB, payload: { contributionId: idOf('b') } } }])
    if (recorded?.type !== 'UsageRecorded') throw new Error('expected UsageRecorded')
    expect(recorded.data.payouts.filter((p) => p.share === 'contributors')).toEqual([{ account: ALICE, share: 'contributors', amount: 550n }])
  })
})

describe('retiring and rolling back', () => {
  it('rolls back to an earlier passed checkpoint only, and keeps the history', () => {
    const { history, deploymentId, jobId } = deployed()
    espec.given(...history).when(dcmd.rollback(deploymentId, jobId, ROOT_2)).thenFails('not-earlier-checkpoint')
    const t = espec.play([...history, { command: dcmd.rollback(deploymentId, jobId) }])
    const d = t.state.deployment.deployments.get(deploymentId)
    expect(d?.history.map((h) => h.checkpoint)).toEqual([ROOT_2, ROOT_1])
    espec.given(...history).when(dcmd.rollback(deploymentId, jobId, ROOT_1, OPERATOR)).thenFails('not-deployment-operator')
  })

  it('after retirement nothing changes but late receipts, which still count', () => {
    const { history, deploymentId, grantId, jobId } = deployed()
    const retired = [...history, { command: dcmd.retire(deploymentId) }]
    espec.given(...retired).when(dcmd.grant(deploymentId, { keyHash: 'a2'.repeat(32) })).thenFails('deployment-retired')
    espec.given(...retired).when(dcmd.rollback(deploymentId, jobId)).thenFails('deployment-retired')
    espec.given(...retired).when(dcmd.retire(deploymentId)).thenFails('deployment-retired')
    const late = espec.given(...retired).when(dcmd.usage(deploymentId, [{ requestId: 'late', grantId, inputTokens: 10, outputTokens: 10 }]))
    expect(isRight(late.result)).toBe(true)
  })

  it('time moves on without changing a grant’s expiry', () => {
    const { history, deploymentId, grantId } = deployed()
    const t = espec.play([...history, { advance: 30 * DAY }])
    expect(t.state.deployment.deployments.get(deploymentId)?.grants.get(grantId)?.expiresAt).toBe(Date.parse('2027-01-01T00:00:00.000Z'))
  })
})
