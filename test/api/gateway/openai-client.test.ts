/**
 * The gateway called by the official `openai` npm client: chat and text completions, streaming
 * and not, model listing; usage lands in the ledger with its exact fee split; quota, revocation,
 * escrow, unknown keys and rollback each answer as documented.
 */
import { randomBytes } from 'node:crypto'
import { toHex } from '../../../domain/crypto/hex.js'
import { nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import OpenAI from 'openai'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { economy, type EconomyState } from '../../../domain/economy/index.js'
import type { DeploymentEventOf } from '../../../domain/deployment/codecs.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { createCommandHandler } from '../../../infrastructure/command-handler.js'
import { gatewayMount, keyHashOf, openGateway, operatorSigner, type Gateway } from '../../../api/gateway/index.js'
import { authorize } from '../../../api/gateway/access.js'
import { HttpProblem } from '../../../api/http/problem.js'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import { FAST_COST, signAs } from '../../trainer/fixture.js'
import { acceptGrant, alice, API_KEY, bob, serveDeployed, PRICING, type DeployedDir, type ServedGateway } from './fixture.js'

let served: ServedGateway | undefined
let d: DeployedDir
let store: EventStore
let gateway: Gateway
let server: RunningServer
let client: OpenAI

async function submit(who: ReturnType<typeof alice>, request: Parameters<typeof signAs>[1]): Promise<string> {
  const result = await createCommandHandler({ store, vertical: economy }).handle(signAs(who, request, store.ledgerPublicKey))
  if (!result.ok) throw new Error(`${request.type} refused: ${result.error.code}`)
  // The gateway answers admission from a state at most 50 ms old (stateTtlMs): a change made elsewhere takes effect within that.
  await new Promise((resolve) => setTimeout(resolve, 60))
  return result.commandHash
}

const state = (): Promise<EconomyState> => createCommandHandler({ store, vertical: economy }).state()

async function usageEvents(): Promise<DeploymentEventOf<'UsageRecorded'>['data'][]> {
  const out: DeploymentEventOf<'UsageRecorded'>['data'][] = []
  for await (const e of store.readAll(1)) if (e.type === 'UsageRecorded') out.push(economy.parseEvent(e.type, e.data)?.data as DeploymentEventOf<'UsageRecorded'>['data'])
  return out
}

async function receiptOf(id: string) {
  await gateway.meter.flush()
  const batches = await usageEvents()
  const batch = batches.find((b) => b.receipts.some((r) => r.requestId === id))
  return { batch, receipt: batch?.receipts.find((r) => r.requestId === id) }
}

/** Every 429 tells the client when to come back. */
function expectRetryAfter(error: unknown): void {
  expect(error).toBeInstanceOf(OpenAI.RateLimitError)
  expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toMatch(/^[1-9][0-9]*$/)
}

const clientWith = (apiKey: string): OpenAI => new OpenAI({ apiKey, baseURL: `${server.url}/openai/v1`, maxRetries: 0 })
const fee = (input: number, output: number): bigint => (BigInt(input) * PRICING.inputPer1k + BigInt(output) * PRICING.outputPer1k + 999n) / 1000n

beforeAll(async () => {
  served = await serveDeployed()
  ;({ d, store, gateway, server } = served)
  client = clientWith(API_KEY)
}, 120_000)

afterAll(async () => {
  await served?.close()
})

describe('the OpenAI-compatible gateway, through the openai client', () => {
  it('lists the deployment the key opens, with the checkpoint it serves', async () => {
    const models = await client.models.list()
    expect(models.data.map((m) => m.id)).toEqual([d.deploymentId])
    const one = await client.models.retrieve(d.deploymentId)
    expect(one).toMatchObject({ id: d.deploymentId, object: 'model', owned_by: d.operator, checkpoint: d.checkpoint })
  })

  it('answers a chat completion with what the model learned, and charges exactly its usage, split to the last unit', async () => {
    const before = await state()
    const answer = await client.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'chest pain troponin ecg angina' }] })
    expect(answer.choices[0]?.message.content).toBe('cardio')
    expect(answer.system_fingerprint).toBe(d.checkpoint)
    const usage = answer.usage as OpenAI.CompletionUsage
    expect(usage.prompt_tokens).toBe(5)
    expect(usage.completion_tokens).toBe(1)
    const { batch, receipt } = await receiptOf(answer.id)
    expect(receipt).toMatchObject({ inputTokens: 5, outputTokens: 1, fee: fee(5, 1) })
    if (batch === undefined) throw new Error('no batch')
    expect(batch.checkpoint).toBe(d.checkpoint)
    const charged = batch.charged
    expect(charged).toBe(fee(5, 1))
    // Alice proposed and contributed everything, Bob judged everything: exact shares of 50/20/20/10.
    const paid = (account: string, share: string) => batch.payouts.filter((p) => p.account === account && p.share === share).reduce((s, p) => s + p.amount, 0n)
    expect(paid(d.proposer, 'contributors') + paid(d.proposer, 'proposer') + paid(d.consumer, 'validators') + batch.shares.treasury).toBe(charged)
    for (const [share, pct] of [['contributors', 50n], ['validators', 20n], ['proposer', 20n], ['treasury', 10n]] as const) {
      const got = batch.shares[share]
      expect(got * 100n >= charged * pct - 100n && got * 100n <= charged * pct + 100n).toBe(true)
    }
    const after = await state()
    expect(after.governance.usageEscrow.get(d.consumer)).toBe((before.governance.usageEscrow.get(d.consumer) ?? 0n) - charged)
  })

  it('streams a chat completion with a final usage chunk, and meters it', async () => {
    const stream = await client.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'knee fracture cast physio' }], stream: true, stream_options: { include_usage: true } })
    let text = ''
    let id = ''
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) {
      id = chunk.id
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('ortho')
    expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 })
    const { receipt } = await receiptOf(id)
    expect(receipt).toMatchObject({ inputTokens: 4, outputTokens: 1 })
  })

  it('answers text completions, streaming and not', async () => {
    const whole = await client.completions.create({ model: d.deploymentId, prompt: 'cough wheeze asthma inhaler' })
    expect(whole.choices[0]?.text).toBe('resp')
    const stream = await client.completions.create({ model: d.deploymentId, prompt: 'cough wheeze asthma inhaler', stream: true })
    let text = ''
    let id = ''
    for await (const chunk of stream) {
      id = chunk.id
      text += chunk.choices[0]?.text ?? ''
    }
    expect(text).toBe('resp')
    expect((await receiptOf(whole.id)).receipt).toBeDefined()
    expect((await receiptOf(id)).receipt).toBeDefined()
  })

  it('refuses an unknown key (401) and a model the key does not open (404), as problem details the client reads', async () => {
    const stranger = clientWith('sk-not-a-granted-key-000000000000')
    const refused = await stranger.models.list().catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError)
    const other = await client.chat.completions.create({ model: 'ab'.repeat(32), messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)
    expect(other).toBeInstanceOf(OpenAI.NotFoundError)
    const res = await fetch(`${server.url}/openai/v1/models`, { headers: { authorization: 'Bearer sk-not-a-granted-key-000000000000' } })
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(await res.json()).toMatchObject({ type: '/problems/unauthorized', status: 401, error: { type: 'unauthorized' } })
  })

  it('refuses a malformed request in one sentence naming the parameter, as problem+json and OpenAI error', async () => {
    const post = async (body: unknown) => {
      const response = await fetch(`${server.url}/openai/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const text = await response.text()
      return { status: response.status, type: response.headers.get('content-type'), size: text.length, body: JSON.parse(text) as { type: string; detail: string; error: { message: string; param: string | null } } }
    }
    const cases: [unknown, string, string][] = [
      [{ model: d.deploymentId }, 'messages', 'messages is required'],
      [{ model: d.deploymentId, messages: 'hip' }, 'messages', 'messages must be an array'],
      [{ model: d.deploymentId, messages: [{ role: 'user', content: 7 }] }, 'messages[0].content', 'messages[0].content must be a string or an array or null'],
      [{ model: d.deploymentId, messages: [{ content: 'hip' }] }, 'messages[0].role', 'messages[0].role is required'],
      [{ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }], max_tokens: '16' }, 'max_tokens', 'max_tokens must be a number or null'],
      [{ messages: [{ role: 'user', content: 'hip' }] }, 'model', 'model is required'],
      [{ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }], n: 2 }, 'n', 'n must be 1: one choice per request'],
    ]
    for (const [body, param, message] of cases) {
      const answer = await post(body)
      expect(answer.status).toBe(400)
      expect(answer.type).toMatch(/^application\/problem\+json/)
      expect(answer.body).toMatchObject({ type: '/problems/malformed', detail: message, error: { message, param } })
      expect(answer.size).toBeLessThan(600)
    }
    // The official client surfaces the sentence and the parameter.
    const refused = await client.chat.completions.create({ model: d.deploymentId } as never).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError)
    expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ message: 'messages is required', param: 'messages' })
  })

  it('answers 429 when the quota is used up, and charges nothing for the refusal', async () => {
    const key = 'sk-ledger-small-quota-000000000001'
    const grantId = await submit(alice(), { type: 'GrantAccess', payload: { deploymentId: d.deploymentId, consumer: d.consumer, keyHash: keyHashOf(key), quotaTokens: 8, expiresAt: '2030-01-01T00:00:00.000Z' } })
    await submit(bob(), acceptGrant(d.deploymentId, grantId, 8))
    const small = clientWith(key)
    const first = await small.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip bone' }] })
    expect(first.usage?.total_tokens).toBe(3)
    const refused = await small.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'a much longer note about hip and knee bones' }] }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
    expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'quota-exhausted' })
    expectRetryAfter(refused)
    await small.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] })
    // 3 + 2 tokens used of 8: the next input (3 tokens) leaves nothing for output.
    const spent = await small.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip knee bone' }] }).catch((e: unknown) => e)
    expectRetryAfter(spent)
  })

  it('answers 403 to a grant its consumer has not accepted, and 429 past the accepted spending cap', async () => {
    const key = 'sk-ledger-unaccepted-000000000003'
    const grantId = await submit(alice(), { type: 'GrantAccess', payload: { deploymentId: d.deploymentId, consumer: d.consumer, keyHash: keyHashOf(key), quotaTokens: 1000, expiresAt: '2030-01-01T00:00:00.000Z' } })
    const c = clientWith(key)
    const unaccepted = await c.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] }).catch((e: unknown) => e)
    expect(unaccepted).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect((unaccepted as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'grant-not-accepted' })
    // A cap below one token's fee: the consumer agreed to pay at most that, so nothing is served.
    await submit(bob(), acceptGrant(d.deploymentId, grantId, 1000, 1n))
    const capped = await c.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] }).catch((e: unknown) => e)
    expect(capped).toBeInstanceOf(OpenAI.RateLimitError)
    expect((capped as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'spend-cap-exhausted' })
    expectRetryAfter(capped)
  })

  it('confirms a refusal against a caught-up state: a grant accepted a moment ago is served, even by a gateway whose cache lives a minute', async () => {
    const slow = await openGateway({ dir: d.dir, store, signer: await operatorSigner(d.dir, FAST_COST), flushMs: 0, stateTtlMs: 60_000, register: false })
    const slowServer = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [gatewayMount(slow)] })
    try {
      const key = 'sk-ledger-just-accepted-000000005'
      const c = new OpenAI({ apiKey: key, baseURL: `${slowServer.url}/openai/v1`, maxRetries: 0 })
      const handler = createCommandHandler({ store, vertical: economy })
      const offered = await handler.handle(signAs(alice(), { type: 'GrantAccess', payload: { deploymentId: d.deploymentId, consumer: d.consumer, keyHash: keyHashOf(key), quotaTokens: 1000, expiresAt: '2030-01-01T00:00:00.000Z' } }, store.ledgerPublicKey))
      if (!offered.ok) throw new Error(offered.error.code)
      // The slow gateway caches the state in which the grant is only offered.
      expect(await c.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.PermissionDeniedError)
      const accepted = await handler.handle(signAs(bob(), acceptGrant(d.deploymentId, offered.commandHash, 1000, 10n ** 21n), store.ledgerPublicKey))
      expect(accepted.ok).toBe(true)
      const answer = await c.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] })
      expect(answer.usage?.total_tokens).toBeGreaterThan(0)
    } finally {
      await slowServer.close()
      await slow.close()
    }
  })

  it('answers 403 once the grant is revoked', async () => {
    const key = 'sk-ledger-revoked-0000000000000002'
    const grantId = await submit(alice(), { type: 'GrantAccess', payload: { deploymentId: d.deploymentId, consumer: d.consumer, keyHash: keyHashOf(key), quotaTokens: 1000, expiresAt: '2030-01-01T00:00:00.000Z' } })
    await submit(bob(), acceptGrant(d.deploymentId, grantId, 1000))
    const c = clientWith(key)
    await c.models.list()
    await submit(alice(), { type: 'RevokeAccess', payload: { deploymentId: d.deploymentId, grantId, reason: 'contract ended' } })
    const refused = await c.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'access-revoked' })
  })

  it('answers 429 when the escrow cannot pay, counting a scheduled withdrawal as gone', async () => {
    const s = await state()
    const held = s.governance.usageEscrow.get(d.consumer) ?? 0n
    await submit(bob(), { type: 'WithdrawUsageEscrow', payload: { amount: held } })
    const refused = await client.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
    expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'escrow-exhausted' })
    expectRetryAfter(refused)
    await submit(bob(), { type: 'DepositUsageEscrow', payload: { amount: held } })
    await expect(client.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] })).resolves.toBeDefined()
  })

  it('serves the earlier checkpoint after a rollback, and usage names the checkpoint that answered', async () => {
    const earlier = d.earlier.checkpoint
    expect(earlier).not.toBe(d.checkpoint)
    await submit(alice(), { type: 'RollbackDeployment', payload: { deploymentId: d.deploymentId, jobId: d.earlier.jobId, checkpoint: earlier, reason: 'regression' } })
    const answer = await client.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'cough wheeze' }] })
    expect(answer.system_fingerprint).toBe(earlier)
    const { batch } = await receiptOf(answer.id)
    expect(batch?.checkpoint).toBe(earlier)
    const history = (await state()).deployment.deployments.get(d.deploymentId)?.history.map((h) => h.checkpoint)
    expect(history).toEqual([d.checkpoint, earlier])
  })

  it('counts answers, tokens, refusals and pending receipts in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text()
    const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? NaN)
    expect(value(new RegExp(`model_ledger_gateway_answers_total\\{deployment="${d.deploymentId}"\\} (\\d+)`))).toBeGreaterThanOrEqual(5)
    expect(value(new RegExp(`model_ledger_gateway_tokens_total\\{deployment="${d.deploymentId}",direction="input"\\} (\\d+)`))).toBeGreaterThan(0)
    expect(value(/model_ledger_gateway_refusals_total\{kind="unauthorized"\} (\d+)/)).toBeGreaterThanOrEqual(1)
    expect(value(/model_ledger_gateway_refusals_total\{kind="quota-exhausted"\} (\d+)/)).toBeGreaterThanOrEqual(2)
    expect(value(/model_ledger_gateway_receipts_pending (\d+)/)).toBeGreaterThanOrEqual(0)
  })

  it('registers a new operator key as an identity when it opens', async () => {
    const fresh = nativeEd25519.signer(randomBytes(32))
    expect((await state()).governance.identities.has(toHex(fresh.publicKey))).toBe(false)
    const other = await openGateway({ dir: d.dir, store, signer: fresh, flushMs: 0 })
    await other.close()
    expect((await state()).governance.identities.get(toHex(fresh.publicKey))?.displayName).toBe('inference gateway')
  })

  it('says in X-Model-Ledger-Consent when the model was trained on withdrawn data, and refuses it (451) past the retrain deadline', async () => {
    const ask = () => fetch(`${server.url}/openai/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }], max_tokens: 4 }) })
    const before = await ask()
    expect(before.status).toBe(200)
    expect(before.headers.get('x-model-ledger-consent')).toBe('consented')
    // Alice withdraws one of her items from the version the served checkpoint was trained on.
    const s = await state()
    const servedNow = s.deployment.deployments.get(d.deploymentId)?.history.at(-1)
    const job = s.training.jobs.get(servedNow?.jobId ?? '')
    const withdrawn = s.training.versions.get(`${d.mandateId}:${job?.datasetVersion ?? 0}`)?.contributions[0] ?? ''
    await submit(alice(), { type: 'RevokeContribution', payload: { contributionId: withdrawn } })
    const after = await ask()
    expect(after.status).toBe(200)
    const header = after.headers.get('x-model-ledger-consent') ?? ''
    expect(header).toMatch(new RegExp(`^revoked; count=1; contributions=${withdrawn}; retrain-by=\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z$`))
    const models = await fetch(`${server.url}/openai/v1/models`, { headers: { authorization: `Bearer ${API_KEY}` } })
    expect(models.headers.get('x-model-ledger-consent')).toBe(header)
    // Past the deadline the gateway's admission refuses it with its own problem, as the ledger refuses its receipts.
    const retrainBy = Date.parse(header.split('retrain-by=')[1] ?? '')
    const latest = await state()
    const late = (() => {
      try {
        return authorize(latest, gateway.operator, API_KEY, d.deploymentId, gateway.meter, retrainBy)
      } catch (error) {
        return error
      }
    })()
    expect(late).toBeInstanceOf(HttpProblem)
    expect(late).toMatchObject({ kind: 'consent-withdrawn', status: 451 })
  })

  it('answers 410 once the deployment is retired', async () => {
    await submit(alice(), { type: 'RetireDeployment', payload: { deploymentId: d.deploymentId, reason: 'superseded' } })
    const refused = await client.chat.completions.create({ model: d.deploymentId, messages: [{ role: 'user', content: 'hip' }] }).catch((e: unknown) => e)
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(410)
  })
})
