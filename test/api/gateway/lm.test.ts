/**
 * The gateway serving a language-model checkpoint: files verified against the root before
 * anything is served, generated text (whole and streamed, the stream concatenating to the whole),
 * real token counts metered, requests it cannot honour refused by name with nothing metered, and
 * each answer's receipt naming the contribution whose text it copied, which the ledger then pays.
 *
 * The deployed data directory is the reference fixture's (a classifier job, trained, attested and
 * deployed for real). Until the LM executor records LM checkpoints (branch lm1), the LM files
 * here stand in for the served checkpoint: the backend is asked for the deployment with the LM
 * files' root in place of the classifier's (`asLm`), and verifies the files against that root
 * exactly as it does for a recorded one. Access, admission, metering and the ledger are real.
 */
import { createHash } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BackendError, type Backend, type Target } from '../../../api/gateway/backend.js'
import { gatewayRouter, openMeter, operatorSigner, type Meter } from '../../../api/gateway/index.js'
import { lmBackend, readVerifiedCheckpoint } from '../../../api/gateway/lm-backend.js'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import { economy } from '../../../domain/economy/index.js'
import type { DeploymentEventOf } from '../../../domain/deployment/codecs.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { createCommandHandler } from '../../../infrastructure/command-handler.js'
import { openLedger } from '../../../infrastructure/data-dir.js'
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { materialize } from '../../../trainer/dataset.js'
import { hashCheckpointDir } from '../../../trainer/hash-files.js'
import { inProcessLedger } from '../../../trainer/ledger.js'
import { FAST_COST } from '../../trainer/fixture.js'
import { API_KEY, deployedDataDir, type DeployedDir } from './fixture.js'
import { copyModel, writeCheckpoint } from './lm-model.js'
import { attributeAnswer, buildSpanIndex } from '../../../domain/lm/spans.js'
import { tinyFiles } from '../../domain/lm/tiny.js'
import { scratchDirs } from '../../support/scratch.js'

const QUESTION = 'what did the note say?'

let d: DeployedDir
let store: EventStore
let meter: Meter
let server: RunningServer
const temp = scratchDirs('lm-gateway-')
let work: string
let lmRoot: string
let copied: { contributionId: string; text: string }
let copiedAnswer: string
const errors: string[] = []
const lmDir = (): string => join(work, 'lm')
let index: ReturnType<typeof buildSpanIndex>
const sha256 = (text: string): string => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')

/** The deployment as if it served the LM files (see the header). */
function asLm(backend: Backend): Backend {
  const swap = (t: Target): Target => ({ ...t, served: { ...t.served, checkpoint: lmRoot } })
  return {
    prepare: (t, m) => (backend.prepare as NonNullable<Backend['prepare']>)(swap(t), m),
    generate: (t, r, s) => backend.generate(swap(t), r, s),
    stream: (t, r, s) => backend.stream(swap(t), r, s),
  }
}

beforeAll(async () => {
  d = await deployedDataDir()
  work = temp()
  ;({ store } = await openLedger(d.dir))
  const ledger = inProcessLedger(store, await operatorSigner(d.dir, FAST_COST), createCommandHandler({ store, vertical: economy }))
  const state = await ledger.state()
  const job = state.training.jobs.get(d.jobId)
  if (job === undefined) throw new Error('no job')
  const items = (await materialize(job, state, createBlobStore(blobDir(d.dir)))).map((e) => ({ contributionId: e.contributionId, texts: [e.text, e.label] }))
  // The answer copies 30 bytes of one training item's text that no other item shares a 16-byte span with.
  index = buildSpanIndex(items, 16)
  const pickUnique = (): { contributionId: string; text: string; answer: string } => {
    for (const item of items) {
      const text = item.texts[0] as string
      for (const answer of [text.slice(-30), text.slice(0, 30)]) {
        const w = attributeAnswer(index, answer)
        if (w.length === 1 && w[0]?.contribution === item.contributionId && w[0].weight === 30) return { contributionId: item.contributionId, text, answer }
      }
    }
    throw new Error('no item has 30 bytes of its own')
  }
  const unique = pickUnique()
  copied = unique
  copiedAnswer = unique.answer
  writeCheckpoint(lmDir(), copyModel(QUESTION, copiedAnswer))
  lmRoot = (await hashCheckpointDir(lmDir())).root
  meter = await openMeter({ path: join(work, 'receipts.db'), submit: (r) => ledger.submit(r), flushMs: 0 })
  const backend = lmBackend({ dirOf: async (s) => (s.checkpoint === lmRoot ? lmDir() : undefined), itemsOf: async () => items, spanBytes: 16, onError: (m) => errors.push(m) })
  const router = gatewayRouter({ operator: ledger.key, state: () => ledger.state(), meter, backendFor: () => asLm(backend) })
  server = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [{ path: '/openai/v1', router }] })
}, 180_000)

afterAll(async () => {
  await server?.close()
  await meter?.close()
  await store?.close()
  rmSync(d.dir, { recursive: true, force: true })
})

const post = (body: unknown, path = '/chat/completions') =>
  fetch(`${server.url}/openai/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify(body) })
const chat = (extra: Record<string, unknown> = {}) => ({ model: d.deploymentId, messages: [{ role: 'user', content: QUESTION }], max_tokens: 64, ...extra })
const pending = async () => (await meter.stats()).pending

async function usageEvents(): Promise<DeploymentEventOf<'UsageRecorded'>['data'][]> {
  const out: DeploymentEventOf<'UsageRecorded'>['data'][] = []
  for await (const e of store.readAll(1)) if (e.type === 'UsageRecorded') out.push(economy.parseEvent(e.type, e.data)?.data as DeploymentEventOf<'UsageRecorded'>['data'])
  return out
}

describe('the LM backend in the gateway', () => {
  it('answers with generated text, counts real tokens and names the copied contribution in the receipt', async () => {
    const res = await post(chat({ temperature: 0 }))
    expect(res.status).toBe(200)
    const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number }; system_fingerprint: string }
    expect(body.choices[0]?.message.content).toBe(copiedAnswer)
    expect(body.choices[0]?.finish_reason).toBe('stop')
    const promptBytes = new TextEncoder().encode(`### Question:\n${QUESTION}\n### Answer:\n`).length
    // Bytes in; the answer's bytes and END out.
    expect(body.usage).toMatchObject({ prompt_tokens: promptBytes, completion_tokens: new TextEncoder().encode(copiedAnswer).length + 1 })
    expect(res.headers.get('x-ledger-seed')).toMatch(/^\d+$/)
    const id = res.headers.get('x-ledger-receipt') as string
    await meter.flush()
    const recorded = (await usageEvents()).flatMap((e) => e.receipts).find((r) => r.requestId === id)
    expect(recorded).toMatchObject({ inputTokens: promptBytes, outputTokens: body.usage.completion_tokens })
    expect(recorded?.attribution).toEqual([{ contribution: copied.contributionId, weight: 30 }])
    // The receipt is bound to the answer's bytes, and the client is told the hash.
    expect(res.headers.get('x-ledger-answer-hash')).toBe(sha256(copiedAnswer))
    expect(recorded?.answerHash).toBe(sha256(copiedAnswer))
  })

  it('binds every answer, streamed or not, cut at a stop or not, to the bytes the client got and the attribution was computed over', async () => {
    const stop = copiedAnswer.slice(20, 24)
    const cut = copiedAnswer.slice(0, 20)
    const cases: [Record<string, unknown>, string][] = [
      [{ temperature: 0 }, copiedAnswer],
      [{ temperature: 0, stop: [stop] }, cut],
      [{ temperature: 1, seed: 5 }, ''],
    ]
    for (const [extra, expected] of cases) {
      const whole = await post(chat(extra))
      const text = ((await whole.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content as string
      if (expected !== '') expect(text).toBe(expected)
      const hash = whole.headers.get('x-ledger-answer-hash')
      expect(hash).toBe(sha256(text))
      for (const usage of [false, true]) {
        const res = await post(chat({ ...extra, stream: true, ...(usage ? { stream_options: { include_usage: true } } : {}) }))
        expect(res.headers.get('x-ledger-answer-hash')).toBeNull() // sent before the answer existed: in the stream instead
        const chunks = (await res.text()).split('\n\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)) as Record<string, unknown> & { choices: { delta?: { content?: string } }[] })
        const streamed = chunks.flatMap((c) => c.choices.map((x) => x.delta?.content ?? '')).join('')
        expect(streamed).toBe(text)
        // Only the last chunk before [DONE] (the usage chunk when asked for) carries it.
        expect(chunks.at(-1)?.x_ledger_answer_hash).toBe(hash)
        expect(chunks.slice(0, -1).every((c) => !('x_ledger_answer_hash' in c))).toBe(true)
        if (usage) expect(chunks.at(-1)).toHaveProperty('usage')
        await meter.flush()
        const receipts = (await usageEvents()).flatMap((e) => e.receipts)
        const bound = receipts.find((r) => r.requestId === chunks[0]?.id)
        const unstreamed = receipts.find((r) => r.requestId === whole.headers.get('x-ledger-receipt'))
        expect(bound?.answerHash).toBe(hash)
        expect(unstreamed?.answerHash).toBe(hash)
        // The attribution is over those very bytes: recomputed from the text the client holds, it is the receipt's.
        expect(bound?.attribution ?? []).toEqual(attributeAnswer(index, text))
        expect(unstreamed?.attribution ?? []).toEqual(attributeAnswer(index, text))
      }
    }
    expect(attributeAnswer(index, cut)).toEqual([{ contribution: copied.contributionId, weight: 20 }])
  })

  it('pays the contributors share of that answer to the copied contribution’s contributor', async () => {
    const state = await createCommandHandler({ store, vertical: economy }).state()
    const contributor = state.data.contributions.get(copied.contributionId)?.contributor as string
    await post(chat({ temperature: 0 }))
    await meter.flush()
    const events = await usageEvents()
    const last = events.at(-1)
    const contributors = last?.payouts.filter((p) => p.share === 'contributors') ?? []
    // The fixture's items are all Alice's, so here the whole share reaching the copied item's contributor
    // is what can be seen; that another contributor's item earns nothing from it is the domain spec's
    // (test/domain/deployment/answer-attribution.test.ts, Alice against Bob).
    expect(last?.receipts[0]?.attribution).toEqual([{ contribution: copied.contributionId, weight: 30 }])
    expect(last?.shares.contributors).toBeGreaterThan(0n)
    expect(contributors).toEqual([{ account: contributor, share: 'contributors', amount: last?.shares.contributors }])
  })

  it('is deterministic for a seed, and streams chunks that concatenate to the whole answer', async () => {
    const whole = (await (await post(chat({ temperature: 1, seed: 11 }))).json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } }
    const again = (await (await post(chat({ temperature: 1, seed: 11 }))).json()) as typeof whole
    expect(again.choices[0]?.message.content).toBe(whole.choices[0]?.message.content)
    const res = await post(chat({ temperature: 1, seed: 11, stream: true, stream_options: { include_usage: true } }))
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const lines = (await res.text()).split('\n\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)) as { choices: { delta?: { content?: string }; finish_reason: string | null }[]; usage?: { completion_tokens: number } })
    const deltas = lines.flatMap((c) => c.choices.map((x) => x.delta?.content ?? ''))
    expect(deltas.filter((x) => x !== '').length).toBeGreaterThan(5) // token by token, not one lump
    expect(deltas.join('')).toBe(whole.choices[0]?.message.content)
    expect(lines.at(-1)?.usage?.completion_tokens).toBe(whole.usage.completion_tokens)
  })

  it('ends at a stop string, excluded, and at max_tokens with finish length', async () => {
    const stop = copiedAnswer.slice(10, 14)
    const s = (await (await post(chat({ temperature: 0, stop: [stop] }))).json()) as { choices: { message: { content: string }; finish_reason: string }[] }
    expect(s.choices[0]).toMatchObject({ message: { content: copiedAnswer.slice(0, 10) }, finish_reason: 'stop' })
    const l = (await (await post(chat({ temperature: 0, max_tokens: 5 }))).json()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } }
    expect(l.choices[0]).toMatchObject({ message: { content: copiedAnswer.slice(0, 5) }, finish_reason: 'length' })
    expect(l.usage.completion_tokens).toBe(5)
  })

  it.each([
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }],
    ['tool_choice', { tool_choice: 'auto' }],
    ['functions', { functions: [{ name: 'f' }] }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['logprobs', { logprobs: true }],
    ['n', { n: 2 }],
    ['top_p', { top_p: 0 }],
    ['seed', { seed: -1 }],
    ['messages[0].content[1]', { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }],
    ['messages[1].role', { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] }],
  ])('refuses %s with a 400 naming it, and meters nothing', async (param, extra) => {
    const before = await pending()
    const res = await post(chat(extra))
    expect(res.status).toBe(400)
    const problem = (await res.json()) as { error: { param: string | null; code: string }; details?: { param: string } }
    expect(problem.error.param).toBe(param)
    expect(problem.details?.param).toBe(param)
    expect(await pending()).toBe(before)
  })

  it('accepts response_format text', async () => {
    expect((await post(chat({ response_format: { type: 'text' }, temperature: 0 }))).status).toBe(200)
    expect(errors).toEqual([])
  })
})

describe('checkpoint verification', () => {
  it('refuses files that do not hash to the root: a changed byte, an extra file, a missing file', async () => {
    const dir = join(work, 'tampered')
    const files = tinyFiles(2)
    writeCheckpoint(dir, files)
    const { root } = await hashCheckpointDir(dir)
    await expect(readVerifiedCheckpoint(dir, root)).resolves.toBeInstanceOf(Map)
    const changed = Uint8Array.from(files.weights)
    changed[100] = (changed[100] as number) ^ 1
    writeFileSync(join(dir, 'weights.bin'), changed)
    await expect(readVerifiedCheckpoint(dir, root)).rejects.toThrow(BackendError)
    await expect(readVerifiedCheckpoint(dir, root)).rejects.toThrow(/missing or changed/)
    writeFileSync(join(dir, 'weights.bin'), files.weights)
    writeFileSync(join(dir, 'extra.txt'), 'x')
    await expect(readVerifiedCheckpoint(dir, root)).rejects.toThrow(/missing or changed/)
    await expect(readVerifiedCheckpoint(join(work, 'nowhere'), root)).rejects.toThrow(/missing on this host/)
  })

  it('answers 502 and meters nothing when the served files changed', async () => {
    const before = await pending()
    const dir = join(work, 'served-changed')
    writeCheckpoint(dir, tinyFiles(3))
    const root = (await hashCheckpointDir(dir)).root
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...JSON.parse(tinyFiles(3).modelJson), note: 'edited' }))
    const backend = lmBackend({ dirOf: async () => dir })
    const router = gatewayRouter({
      operator: (await createCommandHandler({ store, vertical: economy }).state()).deployment.deployments.get(d.deploymentId)?.operator as string,
      state: () => createCommandHandler({ store, vertical: economy }).state(),
      meter,
      backendFor: () => ({
        prepare: (t, m) => (backend.prepare as NonNullable<Backend['prepare']>)({ ...t, served: { ...t.served, checkpoint: root } }, m),
        generate: (t, r, s) => backend.generate({ ...t, served: { ...t.served, checkpoint: root } }, r, s),
        stream: (t, r, s) => backend.stream({ ...t, served: { ...t.served, checkpoint: root } }, r, s),
      }),
    })
    const other = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [{ path: '/openai/v1', router }] })
    try {
      for (const stream of [false, true]) {
        const res = await fetch(`${other.url}/openai/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify({ ...chat(), stream }) })
        expect(res.status).toBe(502)
        expect(((await res.json()) as { detail: string }).detail).toMatch(/missing or changed on this host/)
      }
      expect(await pending()).toBe(before)
    } finally {
      await other.close()
    }
  })
})
