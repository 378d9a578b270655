/**
 * Deployment and usage: the demo's gateway key stakes for the operator role; Alice deploys the
 * checkpoint whose evaluation passed and a quorum of staked validators attested (an unevaluated
 * one is refused), with that key as operator and a price per 1,000 tokens; she offers Dave an API
 * key with a token quota. Nothing is chargeable until Dave accepts: the gateway refuses the key
 * until then; Dave accepts the prices, a quota, an expiry and a spending cap, funds his usage
 * escrow, and his service calls the OpenAI-compatible gateway over HTTP. The gateway writes each
 * receipt ahead, appends them in a batch, and the ledger charges Dave's escrow and splits the fee
 * 50/20/20/10 between the contributors (by attribution), the validators, Alice and the treasury.
 * A withdrawal waits its notice period; revoking the key closes it.
 */
import { randomBytes } from 'node:crypto'
import { keyHashOf } from '../../gateway/access.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { FEE_SHARES } from '../../../domain/deployment/values.js'
import { isAttested, passedEvaluation, type Job } from '../../../domain/training/state.js'
import { formatTokens, short } from '../format.js'
import type { DemoContext } from './context.js'
import type { StageReport } from './stages.js'

const QUESTIONS = [
  'Chest pain radiating to the left arm, troponin raised, ECG changes: what ward?',
  'Wheeze and productive cough, inhaler used twice overnight: what ward?',
  'Fell on an outstretched hand, wrist fracture on x-ray, cast applied: what ward?',
]

interface Answer {
  readonly id: string
  readonly text: string
  readonly tokens: number
}

async function ask(url: string, key: string, model: string, question: string, stream: boolean): Promise<Answer> {
  const response = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: question }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
  })
  if (!response.ok) {
    const problem = (await response.json()) as { type: string; detail: string }
    return { id: '', text: `${response.status} ${problem.type}: ${problem.detail}`, tokens: 0 }
  }
  if (!stream) {
    const body = (await response.json()) as { id: string; choices: { message: { content: string } }[]; usage: { total_tokens: number } }
    return { id: body.id, text: body.choices[0]?.message.content ?? '', tokens: body.usage.total_tokens }
  }
  let text = ''
  let id = ''
  let used = 0
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue
    const chunk = JSON.parse(line.slice(6)) as { id: string; choices: { delta: { content?: string } }[]; usage?: { total_tokens: number } }
    id = chunk.id
    text += chunk.choices[0]?.delta.content ?? ''
    if (chunk.usage) used = chunk.usage.total_tokens
  }
  return { id, text, tokens: used }
}

export async function deploymentStage(ctx: DemoContext): Promise<StageReport> {
  const { alice, dave } = ctx.actors
  const gateway = ctx.gateway
  const state = await ctx.state()
  const deployable = (j: Job, root: string): boolean => passedEvaluation(j, root) !== undefined && isAttested(j, root)
  const job = [...state.training.jobs.values()].find((j) => j.status === 'completed' && j.evaluations.some((e) => deployable(j, e.checkpoint)))
  if (job === undefined) throw new Error('the demo has no training job whose evaluation passed and was attested')
  const passed = job.evaluations.find((e) => deployable(job, e.checkpoint))
  const unevaluated = job.checkpoints.find((k) => !job.evaluations.some((e) => e.checkpoint === k.root))
  const details: string[] = []
  await ctx.run(gateway.operator, { type: 'RegisterIdentity', payload: { displayName: 'demo gateway' } })
  const operatorStake = state.governance.genesis?.params.roleStakes.operator ?? tokens(1_000)
  await ctx.run(alice.signer, { type: 'TransferOpen', payload: { to: gateway.operatorKey, amount: operatorStake } })
  await ctx.run(gateway.operator, { type: 'LockStake', payload: { purpose: 'operator', amount: operatorStake } })
  details.push(`the gateway's operator key stakes ${formatTokens(operatorStake)} OPEN for the operator role (from alice): only a staked operator can be named to attest usage`)
  const pricing = { inputPer1k: tokens(2), outputPer1k: tokens(6) }
  const operator = gateway.operatorKey
  if (unevaluated !== undefined) {
    const code = await ctx.refusal(alice.signer, { type: 'DeployModel', payload: { jobId: job.id, checkpoint: unevaluated.root, operator, endpoint: `${gateway.url}`, pricing } })
    details.push(`alice tries to deploy the step-${unevaluated.step} checkpoint, which no evaluation passed: refused (${code})`)
  }
  const checkpoint = passed?.checkpoint ?? ''
  const deploymentId = await ctx.run(alice.signer, { type: 'DeployModel', payload: { jobId: job.id, checkpoint, operator, endpoint: gateway.url, pricing } })
  details.push(`alice deploys checkpoint ${short(checkpoint)} (evaluation passed at sequence ${passed?.sequence ?? '?'}, attested by a quorum) as deployment ${short(deploymentId)}, operated by gateway ${short(operator)}, at 2 OPEN per 1k input and 6 OPEN per 1k output tokens`)

  const apiKey = `sk-demo-${randomBytes(18).toString('base64url')}`
  const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString()
  const grantId = await ctx.run(alice.signer, { type: 'GrantAccess', payload: { deploymentId, consumer: dave.key, keyHash: keyHashOf(apiKey), quotaTokens: 2_000, expiresAt } })
  details.push(`alice offers dave an API key (only its SHA-256 is in the ledger; up to 2,000 tokens, 30 days)`)
  const early = await ask(gateway.url, apiKey, deploymentId, QUESTIONS[0] as string, false)
  details.push(`  before dave accepts, the gateway refuses the key: ${early.text.split(':')[0] ?? ''}`)
  await ctx.run(dave.signer, { type: 'AcceptGrant', payload: { deploymentId, grantId, pricing, quotaTokens: 2_000, expiresAt, spendCap: tokens(40) } })
  await ctx.run(dave.signer, { type: 'DepositUsageEscrow', payload: { amount: tokens(50) } })
  details.push(`dave accepts the grant with his signature: these prices, 2,000 tokens, until the expiry, at most 40 OPEN; the ledger charges nothing outside those terms. He puts 50 OPEN in his usage escrow`)

  for (const [i, question] of QUESTIONS.entries()) {
    const answer = await ask(gateway.url, apiKey, deploymentId, question, i === 1)
    details.push(`  dave asks${i === 1 ? ' (streaming)' : ''} "${question}" → ${answer.text} (${answer.tokens} tokens, receipt ${answer.id.slice(0, 17)}…)`)
  }
  await gateway.flush()
  for await (const envelope of ctx.events()) {
    if (envelope.type !== 'UsageRecorded') continue
    const usage = envelope.data as { receipts: unknown[]; charged: string; shares: Record<string, string>; payouts: { account: string; share: string; amount: string }[] }
    const shares = FEE_SHARES.map((share) => `${share} ${formatTokens(BigInt(usage.shares[share] ?? '0'))}`).join(', ')
    details.push(`the gateway appends ${usage.receipts.length} receipts in one batch (sequence ${envelope.sequence}): ${formatTokens(BigInt(usage.charged))} OPEN charged to dave's escrow, split ${shares}`)
    for (const p of usage.payouts) details.push(`  paid ${ctx.nameOf(p.account).padEnd(6)} ${formatTokens(BigInt(p.amount)).padStart(9)} OPEN (${p.share})`)
  }
  const notice = state.governance.genesis?.params.economics.usageWithdrawalNoticeMs ?? 0
  await ctx.run(dave.signer, { type: 'WithdrawUsageEscrow', payload: { amount: tokens(10) } })
  const notDue = await ctx.refusal(dave.signer, { type: 'CompleteUsageEscrowWithdrawal', payload: { account: dave.key } })
  details.push(`dave asks for 10 OPEN of his escrow back: it takes effect after ${notice / 86_400_000} days' notice, so usage already served is still charged (completing now is refused: ${notDue})`)
  await ctx.run(alice.signer, { type: 'RevokeAccess', payload: { deploymentId, grantId, reason: 'demo over' } })
  const after = await ask(gateway.url, apiKey, deploymentId, QUESTIONS[0] as string, false)
  details.push(`alice revokes the key; the next call is answered ${after.text.split(':')[0] ?? ''}`)
  return { name: 'deployment, gateway and usage fees', details }
}
