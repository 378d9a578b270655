/**
 * From mandate to paid epoch on the real SQLite store, with real keys, real blobs and the generic
 * command handler running the economy vertical: an honest and a dishonest validator, a spam
 * contribution whose bond is slashed, a dataset version, an RLHF round with a penalty, a paid
 * reward epoch; then the store is reopened and replayed into the same state, and the epoch's map
 * recomputed from the log to the same bytes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isLeft } from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { commitmentOf } from '../../domain/alignment/commitment.js'
import { canonicalize } from '../../domain/canonical/jcs.js'
import { fromHex } from '../../domain/crypto/hex.js'
import { contributionIdOf } from '../../domain/datanets/ids.js'
import { economy, ECONOMY_COMMAND_CODECS, type EconomyCommand, type EconomyEvent, type EconomyState } from '../../domain/economy/index.js'
import { tokens } from '../../domain/governance/amounts.js'
import { GovernanceRequestC } from '../../domain/governance/commands.js'
import { accountOf, circulating } from '../../domain/governance/state.js'
import type { JsonValue } from '../../domain/json.js'
import { merkleRoot } from '../../domain/ledger/merkle.js'
import { decideRewards } from '../../domain/rewards/decide.js'
import { assertStoredBlob, blobDir, createBlobStore } from '../../infrastructure/blobs/blob-store.js'
import { manualClock } from '../../infrastructure/clock.js'
import { createCommandHandler } from '../../infrastructure/command-handler.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createSqliteBackend } from '../../infrastructure/store/sqlite-backend.js'
import { ALICE, BOB, CAROL, cmd as gov, DAVE, DAY, START } from '../domain/governance/fixtures.js'
import { keyOf, ledgerSigner, signAtClock, signRaw } from './command-handler-support.js'

const EVE = 'e5'.repeat(32)
const dir = mkdtempSync(join(tmpdir(), 'economy-e2e-'))
const file = join(dir, 'ledger.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const blobs = createBlobStore(blobDir(dir))
const text = (s: string) => new TextEncoder().encode(s)

async function open() {
  const clock = manualClock(START)
  signAtClock(clock)
  const store = await openLedgerStore({ backend: createSqliteBackend(file), signer: ledgerSigner, clock, anchorIntervalMs: 0 })
  return { store, clock, handler: createCommandHandler({ store, vertical: economy, clock }) }
}
type Harness = Awaited<ReturnType<typeof open>>

/** Encodes with the command's codec and signs as the real key behind the placeholder actor (placeholders in the payload become real keys). */
function signed(command: EconomyCommand, at: number) {
  const codec = [...ECONOMY_COMMAND_CODECS, ...GovernanceRequestC.types].find((c) => c.name === command.type)
  if (codec === undefined) throw new Error(`no codec for ${command.type}`)
  const { actor, ...request } = command
  const wire = (codec as { encode: (a: unknown) => { payload: JsonValue } }).encode(request)
  let json = JSON.stringify(wire.payload)
  for (const placeholder of [ALICE, BOB, CAROL, DAVE, EVE]) json = json.split(placeholder).join(keyOf(placeholder))
  return signRaw(actor, command.type, JSON.parse(json) as JsonValue, new Date(at).toISOString())
}

async function accept(h: Harness, command: EconomyCommand): Promise<string> {
  const result = await h.handler.handle(signed(command, h.clock.now()))
  if (!result.ok) throw new Error(`${command.type} refused: ${result.error.code}: ${result.error.message}`)
  return result.commandHash
}

async function refusal(h: Harness, command: EconomyCommand): Promise<string | undefined> {
  const result = await h.handler.handle(signed(command, h.clock.now()))
  return result.ok ? undefined : result.error.code
}

async function mandate(h: Harness): Promise<string> {
  await accept(h, gov.genesis())
  for (const who of [ALICE, BOB, CAROL, DAVE]) await accept(h, gov.register(who))
  for (const who of [ALICE, BOB]) {
    await accept(h, gov.wrap(who, tokens(20_000)))
    await accept(h, gov.delegate(who, who))
  }
  const id = await accept(h, gov.propose(ALICE, tokens(1_000), tokens(100_000)))
  h.clock.advance(DAY)
  await accept(h, gov.vote(ALICE, id, 'for'))
  await accept(h, gov.vote(BOB, id, 'for'))
  h.clock.advance(7 * DAY)
  await accept(h, gov.queue(DAVE, id))
  h.clock.advance(DAY)
  await accept(h, gov.execute(DAVE, id))
  return id
}

async function submit(h: Harness, who: string, mandateId: string, content: string): Promise<string> {
  const stored = await blobs.put(text(content))
  await assertStoredBlob(blobs, stored.hash, stored.byteLength)
  const payload = { datanetId: mandateId, contentHash: stored.hash, byteLength: stored.byteLength, mediaType: 'text/plain', licence: 'CC-BY-4.0', metadata: { lang: 'en' }, bond: true }
  await accept(h, { type: 'SubmitContribution', actor: who, payload })
  return contributionIdOf(mandateId, stored.hash)
}

const verdict = (actor: string, contributionId: string, decision: 'accept' | 'reject' | 'spam', quality: number): EconomyCommand => ({
  type: 'CastVerdict',
  actor,
  payload: { contributionId, decision, quality, relevance: quality, reason: decision },
})

describe('economy end to end on SQLite', () => {
  let live: EconomyState
  let mandateId = ''

  it('runs from mandate to a paid epoch; the spam bond and the dishonest validator are slashed to the treasury', async () => {
    const h = await open()
    mandateId = await mandate(h)
    for (const [who, amount] of [[BOB, 10_000], [CAROL, 20_000], [DAVE, 10_000]] as const) await accept(h, gov.lock(who, 'validator', tokens(amount)))
    await accept(h, gov.transfer(ALICE, EVE, tokens(1_000)))
    await accept(h, gov.register(EVE))
    await accept(h, { type: 'OpenDatanet', actor: ALICE, payload: { mandateId, mediaTypes: ['text/plain'], licences: ['CC-BY-4.0'] } })

    const good = await submit(h, ALICE, mandateId, 'Discharge summary: patient stable, follow up in 2 weeks.')
    const spam = await submit(h, EVE, mandateId, 'BUY CHEAP WATCHES '.repeat(20))
    expect(await refusal(h, { type: 'SubmitContribution', actor: BOB, payload: { datanetId: mandateId, contentHash: (await blobs.put(text('Discharge summary: patient stable, follow up in 2 weeks.'))).hash, byteLength: 56, mediaType: 'text/plain', licence: 'CC-BY-4.0', metadata: {}, bond: false } })).toBe('duplicate-content')

    // Bob and Carol judge honestly; Dave rejects the good item and accepts the spam.
    for (const [v, d] of [[BOB, 'accept'], [CAROL, 'accept'], [DAVE, 'reject']] as const) await accept(h, verdict(v, good, d, v === DAVE ? 5 : 80))
    for (const [v, d] of [[BOB, 'spam'], [CAROL, 'spam'], [DAVE, 'accept']] as const) await accept(h, verdict(v, spam, d, 10))
    expect(await refusal(h, verdict(BOB, good, 'accept', 80))).toBe('already-judged')
    await accept(h, { type: 'FinalizeContribution', actor: DAVE, payload: { contributionId: good } })
    await accept(h, { type: 'FinalizeContribution', actor: DAVE, payload: { contributionId: spam } })
    await accept(h, { type: 'SealDatasetVersion', actor: CAROL, payload: { datanetId: mandateId } })

    let state = await h.handler.state()
    const treasuryBefore = state.governance.treasury
    expect(state.data.datanets.get(mandateId)?.lastVersion).toEqual([good])
    expect(accountOf(state.governance, keyOf(EVE)).open).toBe(tokens(900))

    // The samples' prompts and outputs are blobs too; the round carries only their hashes.
    const samples = []
    for (const i of [0, 1]) samples.push({ promptHash: (await blobs.put(text(`prompt ${i}`))).hash, outputHash: (await blobs.put(text(`output ${i}`))).hash })
    const round = await accept(h, { type: 'OpenFeedbackRound', actor: ALICE, payload: { mandateId, checkpoint: 'cc'.repeat(32), samples, rewardPool: tokens(1_000) } })
    const ratings = new Map([[BOB, [5, 6]], [CAROL, [5, 5]], [DAVE, [1, 1]]])
    const salt = '5a'.repeat(16)
    for (const [v, scores] of ratings) await accept(h, { type: 'CommitRatings', actor: v, payload: { roundId: round, commitment: commitmentOf(round, keyOf(v), scores, salt) } })
    h.clock.advance(DAY)
    expect(await refusal(h, { type: 'RevealRatings', actor: DAVE, payload: { roundId: round, scores: [5, 5], salt } })).toBe('reveal-mismatch')
    for (const [v, scores] of ratings) await accept(h, { type: 'RevealRatings', actor: v, payload: { roundId: round, scores, salt } })
    h.clock.advance(DAY)
    await accept(h, { type: 'CloseFeedbackRound', actor: CAROL, payload: { roundId: round } })

    h.clock.advance(7 * DAY)
    await accept(h, { type: 'CloseRewardEpoch', actor: BOB, payload: { mandateId } })
    state = await h.handler.state()
    const g = state.governance
    // Treasury: Eve's 100 OPEN bond and 2% of Dave's 10,000 OPEN stake.
    expect(g.treasury - treasuryBefore).toBe(tokens(200))
    expect(accountOf(g, keyOf(DAVE)).stakes.get(1)?.amount).toBe(tokens(9_800))
    // Epoch: 10% of the unreserved 99,000 = 9,900; data 6,930 all to Alice; validators 2,970 by agreement 20k:40k; round 200 / 800.
    expect(accountOf(g, keyOf(ALICE)).open).toBe(tokens(50_000 - 20_000 - 1_000 + 6_930))
    expect(accountOf(g, keyOf(BOB)).open).toBe(tokens(50_000 - 20_000 - 10_000 + 990 + 200))
    expect(accountOf(g, keyOf(CAROL)).open).toBe(tokens(50_000 - 20_000 + 1_980 + 800))
    expect(accountOf(g, keyOf(DAVE)).open).toBe(tokens(50_000 - 10_000))
    expect(g.mandates.get(mandateId)?.escrowed).toBe(tokens(100_000 - 10_900))
    expect(circulating(g)).toBe(g.genesis?.supply)
    live = state
    await h.store.close()
  })

  it('replays from the reopened store into the same state and recomputes the epoch’s map to the same bytes', async () => {
    const h = await open()
    expect(await h.handler.state()).toEqual(live)
    let state = economy.decider.initialState
    let checked = 0
    for await (const envelope of h.store.readAll()) {
      const event = economy.parseEvent(envelope.type, envelope.data)
      if (event === undefined) continue
      if (event.type === 'RewardEpochClosed' && state.governance.genesis !== null) {
        const ctx = { recordedAt: envelope.recordedAt, commandHash: '00'.repeat(32), ledgerKey: h.store.ledgerPublicKey, issuedAt: envelope.recordedAt }
        const again = decideRewards({ type: 'CloseRewardEpoch', actor: keyOf(BOB), payload: { mandateId } }, state, state.governance.genesis.params.economics, ctx)
        if (isLeft(again)) throw new Error(again.left.code)
        expect(canonicalize(economy.encodeEvent(again.right[0] as EconomyEvent).data)).toBe(canonicalize(envelope.data))
        checked++
      }
      state = economy.decider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
    }
    expect(checked).toBe(1)
    const version = [...(await collect(h.store.readStream(`datanet-${mandateId}`)))].find((e) => e.type === 'DatasetVersionSealed')
    const contentHash = state.data.contributions.get(state.data.datanets.get(mandateId)?.lastVersion[0] ?? '')?.contentHash ?? ''
    expect(version?.data).toMatchObject({ version: 1, root: merkleRoot([fromHex(contentHash)]) })
    await h.store.close()
  })
})

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}
