/** The deployment rules: who may deploy what, access grants, the usage escrow, metered usage and its split, retire and roll back. */
import { describe, expect, it } from 'vitest'
import { isRight } from 'fp-ts/lib/Either.js'
import { splitHash } from '../../../domain/deployment/split.js'
import { circulating } from '../../../domain/governance/state.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { checkpointRoot as checkpointRootOf } from '../../../domain/training/checkpoint.js'
import { idOf } from '../datanets/fixtures.js'
import { ALICE, BOB, CAROL, DAVE, DAY, espec, MANDATE, type ECmd } from './fixtures.js'
import { CONSUMER, dcmd, deployed, nextId, OPERATOR, PRICING, ROOT_1, ROOT_2, trained } from './fixtures.js'

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

describe('the usage escrow', () => {
  it('moves OPEN in and out, never past what is there, and conserves the supply', () => {
    const { history } = deployed(0n)
    espec.given(...history).when(dcmd.deposit(tokens(10_000_000))).thenFails('insufficient-open')
    const t = espec.play([...history, { command: dcmd.deposit(tokens(500)) }, { command: dcmd.withdraw(tokens(200)) }])
    expect(t.state.governance.usageEscrow.get(CONSUMER)).toBe(tokens(300))
    expect(circulating(t.state.governance)).toBe(t.state.governance.genesis?.supply)
    espec.given(...history, { command: dcmd.deposit(tokens(500)) }).when(dcmd.withdraw(tokens(501))).thenFails('insufficient-escrow')
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
