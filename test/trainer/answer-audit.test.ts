/**
 * Per-answer attribution, written as the cheating operator would: the gateway's operator signs a
 * receipt whose attribution over-claims a friend's contribution (a member of the served dataset
 * version, so the ledger accepts it: it checks membership, not the matching, and never holds the
 * answer). `model-ledger audit-answer` recomputes the weights from the answer's text and the
 * version's items read back from the blob store, and names every over- and under-claim; the honest
 * receipt for the same answer passes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditAnswerCommand } from '../../api/cli/commands/audit-answer.js'
import { EXIT } from '../../api/cli/io.js'
import { operatorSigner } from '../../api/gateway/index.js'
import { feeOf, type Attribution } from '../../domain/deployment/values.js'
import { economy, type EconomyState } from '../../domain/economy/index.js'
import { attributeAnswer, buildSpanIndex, type SpanItem } from '../../domain/lm/spans.js'
import type { Signer } from '../../domain/ports/crypto.js'
import { blobDir, createBlobStore } from '../../infrastructure/blobs/blob-store.js'
import { createCommandHandler } from '../../infrastructure/command-handler.js'
import { openLedger } from '../../infrastructure/data-dir.js'
import { materialize } from '../../trainer/dataset.js'
import { PRICING, deployedDataDir, submitAs, type DeployedDir } from '../api/gateway/fixture.js'
import { runCli } from '../support/cli.js'
import { FAST_COST } from './fixture.js'

let d: DeployedDir
let operator: Signer
let work: string
let answerFile: string
/** The contribution the answer copies 30 bytes of, and the operator's friend's, another member. */
let genuine: string
let friend: string

async function state(): Promise<EconomyState> {
  const { store } = await openLedger(d.dir)
  try {
    return await createCommandHandler({ store, vertical: economy }).state()
  } finally {
    await store.close()
  }
}

/** The operator records one answer's receipt with the attribution it chooses; the ledger's verdict. */
async function record(requestId: string, attribution: Attribution): Promise<string> {
  const receipt = { requestId, grantId: d.grantId, inputTokens: 40, outputTokens: 31, at: new Date().toISOString(), fee: feeOf(PRICING, 40, 31), attribution }
  try {
    await submitAs(d.dir, operator, { type: 'RecordUsage', payload: { deploymentId: d.deploymentId, receipts: [receipt] } })
    return 'accepted'
  } catch (error) {
    return (error as Error).message
  }
}

const audit = (requestId: string, ...extra: string[]) => runCli(auditAnswerCommand, [d.deploymentId, requestId, '--data', d.dir, '--answer', answerFile, ...extra])

beforeAll(async () => {
  d = await deployedDataDir()
  operator = await operatorSigner(d.dir, FAST_COST)
  work = mkdtempSync(join(tmpdir(), 'answer-audit-'))
  const s = await state()
  const job = s.training.jobs.get(d.jobId)
  if (job === undefined) throw new Error('no job')
  const items: SpanItem[] = (await materialize(job, s, createBlobStore(blobDir(d.dir)))).map((e) => ({ contributionId: e.contributionId, texts: [e.text, e.label] }))
  const index = buildSpanIndex(items, 16)
  // The answer: 30 bytes of one item's text that no other item shares a 16-byte span with.
  for (const item of items) {
    const text = item.texts[0] as string
    const answer = text.slice(0, 30)
    const w = attributeAnswer(index, answer)
    if (w.length === 1 && w[0]?.contribution === item.contributionId && w[0].weight === 30) {
      genuine = item.contributionId
      answerFile = join(work, 'answer.txt')
      writeFileSync(answerFile, answer)
      break
    }
  }
  if (genuine === undefined) throw new Error('no item has 30 bytes of its own')
  friend = items.map((i) => i.contributionId).find((id) => id !== genuine) as string
}, 180_000)

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
  if (d !== undefined) rmSync(d.dir, { recursive: true, force: true })
})

const ascending = (a: Attribution): Attribution => [...a].sort((x, y) => (x.contribution < y.contribution ? -1 : 1))

describe('an operator over-claiming a friend’s contribution in a receipt', () => {
  it('the honest receipt passes the audit', async () => {
    expect(await record('honest-1', [{ contribution: genuine, weight: 30 }])).toBe('accepted')
    const run = await audit('honest-1')
    expect(run.code, run.out + run.error).toBe(EXIT.ok)
    expect(run.out).toContain("✓ the recorded attribution is the answer's")
  })

  it('inflating the friend beside the genuine contribution: the ledger accepts it, the audit names the friend', async () => {
    // The friend's contribution is a member of the served version: membership is all the ledger checks.
    expect(await record('cheat-inflate', ascending([{ contribution: genuine, weight: 30 }, { contribution: friend, weight: 30_000 }]))).toBe('accepted')
    const recorded = (await state()).deployment.deployments.get(d.deploymentId)?.requests.has('cheat-inflate')
    expect(recorded).toBe(true)
    const run = await audit('cheat-inflate')
    expect(run.code).toBe(EXIT.failed)
    expect(run.out).toContain(`✗ contribution ${friend}: recorded weight 30000, the answer gives 0`)
    expect(run.out).not.toContain(`contribution ${genuine}:`)
    expect(run.error).toContain("differs from the answer's for 1 contributions")
  })

  it('naming the friend alone, at any weight, in place of the contribution copied: both named', async () => {
    expect(await record('cheat-swap', [{ contribution: friend, weight: 1 }])).toBe('accepted')
    const run = await audit('cheat-swap', '--json')
    expect(run.code).toBe(EXIT.failed)
    const out = JSON.parse(run.out) as { ok: boolean; differences: { contribution: string; recorded: number; recomputed: number }[] }
    expect(out.ok).toBe(false)
    const expected = [
      { contribution: genuine, recorded: 0, recomputed: 30 },
      { contribution: friend, recorded: 1, recomputed: 0 },
    ]
    expect(out.differences).toEqual(expected.sort((x, y) => (x.contribution < y.contribution ? -1 : 1)))
  })

  it('a receipt that is not recorded, or a span length other than the gateway’s, cannot pass', async () => {
    const missing = await audit('never-recorded')
    expect(missing.code).toBe(EXIT.failed)
    expect(missing.error).toContain('no receipt for request never-recorded')
    // With 31-byte spans the 30-byte answer attributes to nothing: the honest receipt's weight then differs.
    expect((await audit('honest-1', '--span-bytes', '31')).code).toBe(EXIT.failed)
    expect((await audit('honest-1', '--span-bytes', '0')).code).toBe(EXIT.usage)
  })
})
