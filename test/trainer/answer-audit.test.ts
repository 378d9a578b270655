/**
 * Per-answer attribution, written as the cheating operator would: the gateway's operator signs a
 * receipt whose attribution over-claims a friend's contribution (a member of the served dataset
 * version, so the ledger accepts it: it checks membership, not the matching, and never holds the
 * answer). `model-ledger audit-answer` recomputes the weights from the answer's text and the
 * version's items read back from the blob store, and names every over- and under-claim; the honest
 * receipt for the same answer passes.
 *
 * Then the operator's second line: audited, it says it served another text, one made to give the
 * weights it claimed. Against a receipt without an answerHash that text passes (nothing binds the
 * text to the receipt); against one with the hash of the answer served it is refused, and the
 * consumer, who holds the served text, runs the audit that names the over-claim.
 */
import { createHash } from 'node:crypto'
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

/** The operator records one answer's receipt with the attribution (and answer hash) it chooses; the ledger's verdict. */
async function record(requestId: string, attribution: Attribution, answerHash?: string): Promise<string> {
  const receipt = { requestId, grantId: d.grantId, inputTokens: 40, outputTokens: 31, at: new Date().toISOString(), fee: feeOf(PRICING, 40, 31), attribution, ...(answerHash === undefined ? {} : { answerHash }) }
  try {
    await submitAs(d.dir, operator, { type: 'RecordUsage', payload: { deploymentId: d.deploymentId, receipts: [receipt] } })
    return 'accepted'
  } catch (error) {
    return (error as Error).message
  }
}

const audit = (requestId: string, ...extra: string[]) => runCli(auditAnswerCommand, [d.deploymentId, requestId, '--data', d.dir, '--answer', answerFile, ...extra])
const auditWith = (file: string, requestId: string, ...extra: string[]) => runCli(auditAnswerCommand, [d.deploymentId, requestId, '--data', d.dir, '--answer', file, ...extra])
const sha256 = (text: string): string => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')
let index: ReturnType<typeof buildSpanIndex>
/** The served answer's text. */
let served: string
/** The text the operator says it served when audited: the answer with the friend's item appended. */
let fabricated: string
let fabricatedFile: string

beforeAll(async () => {
  d = await deployedDataDir()
  operator = await operatorSigner(d.dir, FAST_COST)
  work = mkdtempSync(join(tmpdir(), 'answer-audit-'))
  const s = await state()
  const job = s.training.jobs.get(d.jobId)
  if (job === undefined) throw new Error('no job')
  const items: SpanItem[] = (await materialize(job, s, createBlobStore(blobDir(d.dir)))).map((e) => ({ contributionId: e.contributionId, texts: [e.text, e.label] }))
  index = buildSpanIndex(items, 16)
  // The answer: 30 bytes of one item's text that no other item shares a 16-byte span with.
  for (const item of items) {
    const text = item.texts[0] as string
    const answer = text.slice(0, 30)
    const w = attributeAnswer(index, answer)
    if (w.length === 1 && w[0]?.contribution === item.contributionId && w[0].weight === 30) {
      genuine = item.contributionId
      answerFile = join(work, 'answer.txt')
      writeFileSync(answerFile, answer)
      served = answer
      break
    }
  }
  if (genuine === undefined) throw new Error('no item has 30 bytes of its own')
  // A friend with text of its own to credit: another member whose item attributes to itself.
  const friendItem = items.find((i) => i.contributionId !== genuine && attributeAnswer(index, i.texts[0] as string).some((w) => w.contribution === i.contributionId)) as SpanItem
  friend = friendItem.contributionId
  fabricated = `${served}\n${friendItem.texts[0] as string}`
  fabricatedFile = join(work, 'fabricated.txt')
  writeFileSync(fabricatedFile, fabricated)
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

describe('the receipt bound to its answer (answerHash)', () => {
  /** What the operator claims: the weights of the text it will say it served, the friend among them. */
  const claimed = (): Attribution => attributeAnswer(index, fabricated)

  it('the over-claim is made to fit a fabricated text: without the hash, that text passes the audit', async () => {
    expect(claimed().some((w) => w.contribution === friend)).toBe(true)
    expect(await record('unbound-cheat', claimed())).toBe('accepted')
    const run = await auditWith(fabricatedFile, 'unbound-cheat', '--json')
    expect(run.code, run.out + run.error).toBe(EXIT.ok)
    expect(JSON.parse(run.out)).toMatchObject({ ok: true, bound: false, answerHash: null })
    expect((await auditWith(fabricatedFile, 'unbound-cheat')).out).toContain('the receipt records no answerHash')
  })

  it('with the hash of the answer served, the operator’s other text is refused by the hash', async () => {
    // The gateway hashes what it sends; the operator over-claims the friend on that receipt.
    expect(await record('bound-cheat', claimed(), sha256(served))).toBe('accepted')
    const run = await auditWith(fabricatedFile, 'bound-cheat')
    expect(run.code).toBe(EXIT.failed)
    expect(run.out).toBe('')
    expect(run.error.trim().split('\n')).toHaveLength(1)
    expect(run.error).toContain("the answer does not hash to the receipt's answerHash")
    expect(run.error).toContain(sha256(fabricated))
    // --json refuses alike: nothing printed as if audited.
    const json = await auditWith(fabricatedFile, 'bound-cheat', '--json')
    expect(json.code).toBe(EXIT.failed)
    expect(json.out).toBe('')
    // One byte off (a trailing newline an editor adds) is another text.
    const newline = join(work, 'newline.txt')
    writeFileSync(newline, `${served}\n`)
    expect((await auditWith(newline, 'bound-cheat')).error).toContain("does not hash to the receipt's answerHash")
  })

  it('the consumer, holding the served text, runs the audit: bound, and the over-claim named', async () => {
    const run = await audit('bound-cheat', '--json')
    expect(run.code).toBe(EXIT.failed)
    const out = JSON.parse(run.out) as { ok: boolean; bound: boolean; answerHash: string; differences: { contribution: string; recorded: number; recomputed: number }[] }
    expect(out).toMatchObject({ ok: false, bound: true, answerHash: sha256(served) })
    const friendWeight = claimed().find((w) => w.contribution === friend)?.weight as number
    expect(out.differences).toContainEqual({ contribution: friend, recorded: friendWeight, recomputed: 0 })
    expect(out.differences.find((x) => x.contribution === genuine)).toBeUndefined()
    const text = await audit('bound-cheat')
    expect(text.out).toContain("the answer is the one the receipt is for")
    expect(text.out).toContain(`✗ contribution ${friend}: recorded weight ${friendWeight}, the answer gives 0`)
  })

  it('an honest bound receipt passes, bound', async () => {
    expect(await record('bound-honest', [{ contribution: genuine, weight: 30 }], sha256(served))).toBe('accepted')
    const run = await audit('bound-honest', '--json')
    expect(run.code, run.out + run.error).toBe(EXIT.ok)
    expect(JSON.parse(run.out)).toMatchObject({ ok: true, bound: true, answerHash: sha256(served) })
  })
})
