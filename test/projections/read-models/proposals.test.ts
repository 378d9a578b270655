/**
 * The proposals, parameters and appeals read models over a scripted governance story on a real
 * ledger (commands signed and decided by the economy vertical through the command handler):
 * an executable proposal backed by another governor, voted with reasons, that names a guardian
 * and halves the appeal bond; the guardian cancelling a proposal with a reason; a late whale vote
 * that extends the deadline. Kept live by runners on SQLite while the story is told, the rows
 * equal a fold from zero at the head and at every sequence.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { foldFromZero } from '../../../projections/fold.js'
import { foldAt } from '../../../projections/point-in-time.js'
import type { AnyProjection } from '../../../projections/projection.js'
import { appealsProjection } from '../../../projections/read-models/appeals.js'
import { changeKey, parameterKey, parametersProjection, type ParametersRow } from '../../../projections/read-models/parameters.js'
import { backerKey, proposalKey, proposalPhase, proposalsProjection, voteKey, type ProposalRow, type ProposalsRow } from '../../../projections/read-models/proposals.js'
import { createRunner } from '../../../projections/runner.js'
import { createSqliteReadModelStore } from '../../../projections/store/sqlite-store.js'
import { storedRows } from '../../../projections/table.js'
import { ALICE, BOB, CAROL, cmd as gov, DAVE, DAY, LEDGER } from '../../domain/governance/fixtures.js'
import { arrayLog, collect, tempDir } from '../support.js'
import { keyOf, openDriver, type Driver } from '../story.js'

const HOUR = 60 * 60 * 1000
const { dir, cleanup } = tempDir('proposals-read-model-')
const MODELS = [proposalsProjection, parametersProjection, appealsProjection] as readonly AnyProjection[]

let d: Driver
let log: Envelope[]
const live = new Map<string, { key: string; json: string }[]>()
const ids = { enacted: '', canceled: '', late: '' }
let changedAt = 0

beforeAll(async () => {
  d = await openDriver(join(dir, 'ledger.db'))
  const rowStore = createSqliteReadModelStore(join(dir, 'projections.db'))
  const runners = MODELS.map((p) => createRunner(d.store, rowStore, p, { batchSize: 3, flushAfterMs: 2 }))
  await Promise.all(runners.map((r) => r.start()))

  // A quorum of 25% of the 80,000 gOPEN: one governor's 20,000 reaches it.
  await d.run(LEDGER, gov.genesis({ quorum: { numerator: 25, denominator: 100 } }))
  for (const who of [ALICE, BOB, CAROL, DAVE]) {
    await d.run(who, gov.register(who))
    await d.run(who, gov.wrap(who, tokens(20_000)))
    await d.run(who, gov.delegate(who, who))
  }
  ids.enacted = await d.run(ALICE, gov.proposeActions(ALICE, [
    { kind: 'set-guardian', guardian: CAROL },
    { kind: 'change-parameter', name: 'appealBond', value: tokens(50).toString() },
  ], { minBacking: tokens(2_000) }))
  await d.run(BOB, gov.back(BOB, ids.enacted, tokens(3_000)))
  d.clock.advance(DAY)
  await d.run(ALICE, gov.voteWithReason(ALICE, ids.enacted, 'for', 'appeals should be affordable'))
  await d.run(BOB, gov.voteWithReason(BOB, ids.enacted, 'for', 'a guardian is a cheap safeguard'))
  await d.run(DAVE, gov.vote(DAVE, ids.enacted, 'against'))
  d.clock.advance(7 * DAY)
  await d.run(DAVE, gov.queue(DAVE, ids.enacted))
  d.clock.advance(DAY)
  await d.run(DAVE, gov.execute(DAVE, ids.enacted))

  ids.canceled = await d.run(DAVE, gov.proposeActions(DAVE, [{ kind: 'transfer-treasury', to: DAVE, amount: tokens(900_000), memo: 'to me' }]))
  await d.run(CAROL, gov.guardianCancel(CAROL, ids.canceled, 'the transfer would empty the treasury'))

  ids.late = await d.run(BOB, gov.proposeActions(BOB, [{ kind: 'transfer-treasury', to: BOB, amount: tokens(10), memo: 'late' }]))
  d.clock.advance(DAY + 7 * DAY - HOUR)
  await d.run(DAVE, gov.vote(DAVE, ids.late, 'for'))

  const head = await d.head()
  await Promise.all(runners.map((r) => r.reached(head)))
  await Promise.all(runners.map((r) => r.stop()))
  for (const p of MODELS) live.set(p.name, await rowStore.rows(p.name))
  await rowStore.close()
  log = await collect(d.store.readAll())
  changedAt = log.find((e) => e.type === 'ParameterChanged')?.sequence ?? 0
}, 60_000)
afterAll(async () => {
  await d.store.close()
  cleanup()
})

async function rows<V>(projection: AnyProjection, sequence?: number): Promise<Map<string, V>> {
  const folded = sequence === undefined ? await foldFromZero(d.store, projection) : await foldAt(d.store, projection, { sequence })
  return folded.table.rows as Map<string, V>
}

function proposalOf(all: ReadonlyMap<string, ProposalsRow>, id: string): ProposalRow {
  const row = all.get(proposalKey(id))
  if (row?.kind !== 'proposal') throw new Error(`no proposal ${id}`)
  return row
}

describe('an executable proposal', () => {
  it('shows its actions and what each did: the guardian named, the parameter old → new from its sequence on', async () => {
    const p = proposalOf(await rows<ProposalsRow>(proposalsProjection), ids.enacted)
    expect(p).toMatchObject({ type: 'actions', proposer: keyOf(ALICE), status: 'executed', minBacking: tokens(2_000), backers: 1, backing: tokens(3_000) })
    expect(p.votes).toEqual({ for: tokens(40_000), against: tokens(20_000), abstain: 0n })
    expect(p.quorum).toEqual({ basis: 'supply', ratio: { numerator: 25, denominator: 100 }, snapshotSupply: tokens(80_000), required: tokens(20_000) })
    const [guardian, bond] = p.actions
    expect(guardian?.summary).toBe(`make ${keyOf(CAROL)} the guardian`)
    expect(guardian?.executed?.events.map((e) => e.type)).toEqual(['GuardianSet'])
    expect(bond?.summary).toBe(`set appealBond to "${tokens(50)}"`)
    expect(bond?.executed).toEqual({ sequence: changedAt, events: [{ type: 'ParameterChanged', sequence: changedAt }], from: tokens(100).toString(), to: tokens(50).toString(), amount: null })
  })

  it('keeps each vote’s reason, and the backer', async () => {
    const all = await rows<ProposalsRow>(proposalsProjection)
    expect(all.get(voteKey(ids.enacted, keyOf(ALICE)))).toMatchObject({ support: 'for', weight: tokens(20_000), reason: 'appeals should be affordable' })
    expect(all.get(voteKey(ids.enacted, keyOf(DAVE)))).toMatchObject({ support: 'against', reason: null })
    expect(all.get(backerKey(ids.enacted, keyOf(BOB)))).toMatchObject({ amount: tokens(3_000) })
  })

  it('changes the parameter from its sequence on and never before, in the parameters read model too', async () => {
    const sequence = changedAt
    const change = (await rows<ParametersRow>(parametersProjection)).get(changeKey(sequence))
    expect(change).toMatchObject({ name: 'appealBond', proposalId: ids.enacted, from: tokens(100).toString(), to: tokens(50).toString() })
    expect((await rows<ParametersRow>(parametersProjection, sequence - 1)).get(parameterKey('appealBond'))).toMatchObject({ value: tokens(100).toString(), changes: 0 })
    expect((await rows<ParametersRow>(parametersProjection, sequence)).get(parameterKey('appealBond'))).toMatchObject({ value: tokens(50).toString(), since: sequence, changes: 1 })
  })
})

describe('the guardian and the deadline', () => {
  it('a guardian’s cancel names the guardian and the reason', async () => {
    const p = proposalOf(await rows<ProposalsRow>(proposalsProjection), ids.canceled)
    expect(p.status).toBe('canceled')
    expect(p.canceled).toMatchObject({ by: 'guardian', guardian: keyOf(CAROL), reason: 'the transfer would empty the treasury' })
    expect(proposalPhase(p, d.clock.now())).toBe('canceled')
  })

  it('a late vote that brings quorum extends the deadline past the scheduled one', async () => {
    const p = proposalOf(await rows<ProposalsRow>(proposalsProjection), ids.late)
    const scheduled = Date.parse(p.scheduledVotingEndsAt)
    expect(Date.parse(p.votingEndsAt)).toBe(d.clock.now() + DAY)
    expect(p.extendedSequence).toBe(d.lastRecorded())
    expect([proposalPhase(p, scheduled - 1), proposalPhase(p, scheduled + 1), proposalPhase(p, Date.parse(p.votingEndsAt))]).toEqual(['active', 'active', 'succeeded'])
  })
})

describe('kept live', () => {
  it('equal a rebuild at the head, and a replay of exactly k envelopes as of every sequence k', async () => {
    for (const p of MODELS) expect(live.get(p.name), p.name).toEqual(storedRows(p, (await foldFromZero(d.store, p)).table))
    for (let k = 0; k <= log.length; k++) {
      for (const p of MODELS) {
        const at = await foldAt(d.store, p, { sequence: k })
        expect(storedRows(p, at.table), `${p.name} at ${k}`).toEqual(storedRows(p, (await foldFromZero(arrayLog(log.slice(0, k)), p)).table))
      }
    }
  })
})
