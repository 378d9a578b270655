/**
 * Nobody moves another's money: the attacks reproduced against a demo ledger, written as the
 * attacker would, each refused with its stable code and leaving the log exactly as it was (the
 * head's sequence before and after). Dave is the attacker: he stakes for the operator role,
 * deploys the passed checkpoint naming himself operator at an absurd price, offers Bob grants Bob
 * never asked for, and signs receipts meant to drain Bob's usage escrow. Bob, the consumer, is
 * also tempted: he tries to take his escrow back between the gateway's answer and the meter's flush.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import { feeOf, type Pricing } from '../../../domain/deployment/values.js'
import { economy, type EconomyCommand, type EconomyState } from '../../../domain/economy/index.js'
import { tokens } from '../../../domain/governance/amounts.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { createCommandHandler } from '../../../infrastructure/command-handler.js'
import { keyHashOf, type Gateway } from '../../../api/gateway/index.js'
import type { RunningServer } from '../../../api/http/server.js'
import { DAVE } from '../../domain/governance/fixtures.js'
import { realKeys } from '../../infrastructure/command-handler-support.js'
import { signAs } from '../../trainer/fixture.js'
import { alice, API_KEY, bob, serveDeployed, type DeployedDir, type ServedGateway } from './fixture.js'

type Request = Omit<EconomyCommand, 'actor'>

let served: ServedGateway | undefined
let d: DeployedDir
let store: EventStore
let gateway: Gateway
let server: RunningServer
const dave = (): Signer => realKeys.get(DAVE) as Signer
const ABSURD: Pricing = { inputPer1k: tokens(1_000), outputPer1k: tokens(1_000) }
const FUTURE = '2030-01-01T00:00:00.000Z'

const handler = () => createCommandHandler({ store, vertical: economy })
const state = (): Promise<EconomyState> => handler().state()
const head = async (): Promise<number> => (await store.head()).sequence
const escrowOf = async (key: string): Promise<bigint> => (await state()).governance.usageEscrow.get(key) ?? 0n

async function run(who: Signer, request: Request): Promise<string> {
  const result = await handler().handle(signAs(who, request, store.ledgerPublicKey))
  if (!result.ok) throw new Error(`${request.type} refused: ${result.error.code}: ${result.error.message}`)
  // The gateway reads a state at most 50 ms old.
  await new Promise((resolve) => setTimeout(resolve, 60))
  return result.commandHash
}

/** Sends the attack and expects it refused with `code`, the log untouched and Bob's escrow whole. */
async function refused(who: Signer, request: Request, code: string): Promise<void> {
  const before = { head: await head(), escrow: await escrowOf(d.consumer) }
  const result = await handler().handle(signAs(who, request, store.ledgerPublicKey))
  expect(result.ok ? 'accepted' : result.error.code).toBe(code)
  expect(await head()).toBe(before.head)
  expect(await escrowOf(d.consumer)).toBe(before.escrow)
}

const receipt = (requestId: string, grantId: string, inputTokens: number, outputTokens: number, at: number, pricing: Pricing = ABSURD) => ({
  requestId,
  grantId,
  inputTokens,
  outputTokens,
  at: new Date(at).toISOString(),
  fee: feeOf(pricing, inputTokens, outputTokens),
})
const usage = (deploymentId: string, receipts: ReturnType<typeof receipt>[]): Request => ({ type: 'RecordUsage', payload: { deploymentId, receipts } })

let offers = 0
/** Dave offers Bob a grant on his deployment (an offer needs nobody's consent: it charges nothing). */
const offer = (deploymentId: string): Promise<string> =>
  run(dave(), { type: 'GrantAccess', payload: { deploymentId, consumer: d.consumer, keyHash: keyHashOf(`sk-attack-offer-${++offers}-0000000000`), quotaTokens: 1_000_000, expiresAt: FUTURE } })

beforeAll(async () => {
  served = await serveDeployed()
  ;({ d, store, gateway, server } = served)
}, 120_000)

afterAll(async () => {
  await served?.close()
})

describe('attacks on a consumer’s usage escrow', () => {
  let deploymentId: string

  it('deploying with an operator that never staked for the role is refused', async () => {
    // Bob is registered but holds no operator stake; even the mandate's proposer cannot name him.
    await refused(alice(), { type: 'DeployModel', payload: { jobId: d.jobId, checkpoint: d.checkpoint, operator: d.consumer, endpoint: 'https://evil.example/v1', pricing: ABSURD } }, 'operator-not-staked')
    await refused(dave(), { type: 'DeployModel', payload: { jobId: d.jobId, checkpoint: d.checkpoint, operator: toHex(dave().publicKey), endpoint: 'https://evil.example/v1', pricing: ABSURD } }, 'not-deployer')
  })

  it('an unsolicited grant charges nothing: 100,000,000 tokens dated before the grant existed are refused', async () => {
    await run(dave(), { type: 'LockStake', payload: { purpose: 'operator', amount: tokens(1_000) } })
    const beforeGrant = Date.now()
    deploymentId = await run(dave(), { type: 'DeployModel', payload: { jobId: d.jobId, checkpoint: d.checkpoint, operator: toHex(dave().publicKey), endpoint: 'https://evil.example/v1', pricing: ABSURD } })
    const grantId = await offer(deploymentId)
    await refused(dave(), usage(deploymentId, [receipt('drain-1', grantId, 100_000_000, 0, beforeGrant)]), 'grant-not-accepted')
    await refused(dave(), usage(deploymentId, [receipt('drain-2', grantId, 1, 0, Date.now())]), 'grant-not-accepted')
  })

  it('a receipt beyond the accepted quota or spending cap is refused', async () => {
    const grantId = await offer(deploymentId)
    // Bob accepts Dave's prices, but only up to 5 OPEN and 1,000 tokens.
    await run(bob(), { type: 'AcceptGrant', payload: { deploymentId, grantId, pricing: ABSURD, quotaTokens: 1_000, expiresAt: FUTURE, spendCap: tokens(5) } })
    const now = Date.now()
    await refused(dave(), usage(deploymentId, [receipt('drain-3', grantId, 100_000_000, 0, now)]), 'quota-exceeded')
    await refused(dave(), usage(deploymentId, [receipt('drain-4', grantId, 10, 0, now)]), 'spend-cap-exceeded')
  })

  it('a receipt dated before the acceptance, or after the accepted validity, is refused', async () => {
    const early = await offer(deploymentId)
    const offeredAt = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await run(bob(), { type: 'AcceptGrant', payload: { deploymentId, grantId: early, pricing: ABSURD, quotaTokens: 1_000, expiresAt: FUTURE, spendCap: tokens(5) } })
    await refused(dave(), usage(deploymentId, [receipt('drain-5', early, 1, 0, offeredAt)]), 'receipt-outside-validity')

    const brief = await offer(deploymentId)
    const expiresAt = Date.now() + 1_000
    await run(bob(), { type: 'AcceptGrant', payload: { deploymentId, grantId: brief, pricing: ABSURD, quotaTokens: 1_000, expiresAt: new Date(expiresAt).toISOString(), spendCap: tokens(5) } })
    await new Promise((resolve) => setTimeout(resolve, expiresAt + 300 - Date.now()))
    await refused(dave(), usage(deploymentId, [receipt('drain-6', brief, 1, 0, expiresAt + 100)]), 'receipt-outside-validity')
  })

  it('a receipt at another price after a pricing change is refused: the accepted price holds', async () => {
    const grantId = await offer(deploymentId)
    await run(bob(), { type: 'AcceptGrant', payload: { deploymentId, grantId, pricing: ABSURD, quotaTokens: 1_000, expiresAt: FUTURE, spendCap: tokens(5) } })
    const doubled = { inputPer1k: 2n * ABSURD.inputPer1k, outputPer1k: 2n * ABSURD.outputPer1k }
    await run(dave(), { type: 'ChangePricing', payload: { deploymentId, pricing: doubled } })
    await refused(dave(), usage(deploymentId, [receipt('drain-7', grantId, 1, 0, Date.now(), doubled)]), 'price-mismatch')
  })

  it('withdrawing escrow between the gateway’s answer and the meter’s flush gets no free usage', async () => {
    const held = await escrowOf(d.consumer)
    const answer = await fetch(`${server.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip bone' }] }),
    })
    expect(answer.status).toBe(200)
    const { id } = (await answer.json()) as { id: string }
    // The receipt is in the gateway's journal, not yet in the ledger. Bob asks for all of it back, and tries to complete at once.
    await run(bob(), { type: 'WithdrawUsageEscrow', payload: { amount: held } })
    await refused(bob(), { type: 'CompleteUsageEscrowWithdrawal', payload: { account: d.consumer } }, 'withdrawal-not-due')
    // Money on its way out is not available: the gateway serves nothing more against it.
    const more = await fetch(`${server.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] }),
    })
    expect(more.status).toBe(429)
    expect(await more.json()).toMatchObject({ type: '/problems/escrow-exhausted', code: 'escrow-exhausted' })
    // The flush still finds the escrow there: the answered request is charged in full.
    await gateway.meter.flush()
    const s = await state()
    expect([...(s.deployment.deployments.get(d.deploymentId)?.requests.keys() ?? [])]).toContain(id)
    expect(s.governance.usageEscrow.get(d.consumer) ?? 0n).toBeLessThan(held)
    expect(s.deployment.withdrawals.get(d.consumer)?.amount).toBe(held)
  })
})
