/**
 * The whole first half of a model's life against the real SQLite store: genesis → register →
 * wrap and delegate → propose → vote (with a late delegation that must not count) → queue →
 * execute → mandate; then the store is reopened and replayed into the same state.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tokens } from '../../domain/governance/amounts.js'
import { phaseOf, tallyOf } from '../../domain/governance/outcome.js'
import { accountOf, circulating, currentVotingPower, type GovernanceState } from '../../domain/governance/state.js'
import { createSqliteBackend } from '../../infrastructure/store/sqlite-backend.js'
import { ALICE, BOB, CAROL, cmd, DAVE, DAY, type Cmd } from '../domain/governance/fixtures.js'
import { harness, keyOf, sign, type Harness } from './command-handler-support.js'

const dir = mkdtempSync(join(tmpdir(), 'governance-e2e-'))
const file = join(dir, 'ledger.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function accept(h: Harness, command: Cmd): Promise<string> {
  const result = await h.handler.handle(sign(command, new Date(h.clock.now()).toISOString()))
  if (!result.ok) throw new Error(`${command.type} refused: ${result.error.code}: ${result.error.message}`)
  return result.commandHash
}

describe('governance end to end on SQLite', () => {
  let live: GovernanceState

  it('turns a staked proposal and a stake-weighted vote into a mandate', async () => {
    const h = await harness(createSqliteBackend(file))
    await accept(h, cmd.genesis())
    for (const who of [ALICE, BOB, CAROL, DAVE]) await accept(h, cmd.register(who))
    await accept(h, cmd.wrap(ALICE, tokens(20_000)))
    await accept(h, cmd.delegate(ALICE, ALICE))
    await accept(h, cmd.wrap(BOB, tokens(5_000)))
    await accept(h, cmd.delegate(BOB, BOB))
    await accept(h, cmd.wrap(CAROL, tokens(30_000)))

    h.clock.advance(60_000)
    const proposalId = await accept(h, cmd.propose(ALICE, tokens(1_000), tokens(25_000)))

    // Carol delegates her 30,000 gOPEN to Bob after the proposal: it must not count for it.
    await accept(h, cmd.delegate(CAROL, BOB))
    const refusedEarly = await h.handler.handle(sign(cmd.vote(BOB, proposalId, 'against')))
    expect(refusedEarly).toMatchObject({ ok: false, error: { code: 'not-active' } })

    h.clock.advance(DAY)
    await accept(h, cmd.vote(ALICE, proposalId, 'for'))
    await accept(h, cmd.vote(BOB, proposalId, 'against'))
    const carol = await h.handler.handle(sign(cmd.vote(CAROL, proposalId, 'for')))
    expect(carol).toMatchObject({ ok: false, error: { code: 'no-voting-power' } })

    expect(await h.handler.handle(sign(cmd.queue(DAVE, proposalId)))).toMatchObject({ ok: false, error: { code: 'not-succeeded' } })
    let state = await h.handler.state()
    const proposal = state.proposals.get(proposalId)
    if (proposal === undefined || state.genesis === null) throw new Error('no proposal')
    expect(proposal.ballots.get(keyOf(BOB))?.weight).toBe(tokens(5_000)) // not 35,000
    expect(currentVotingPower(state, keyOf(BOB))).toBe(tokens(35_000))
    expect(phaseOf(state, proposal, h.clock.now())).toBe('active')

    h.clock.advance(7 * DAY)
    await accept(h, cmd.queue(DAVE, proposalId))
    expect((await h.handler.handle(sign(cmd.execute(DAVE, proposalId)))).ok).toBe(false)
    h.clock.advance(DAY)
    await accept(h, cmd.execute(DAVE, proposalId))

    state = await h.handler.state()
    const params = state.genesis?.params
    const done = state.proposals.get(proposalId)
    if (params === undefined || done === undefined) throw new Error('lost the proposal')
    // The quorum's basis is all gOPEN at the snapshot (quorumBasis `supply`): Carol's undelegated 30,000 count there.
    expect(tallyOf(state, done)).toMatchObject({ for: tokens(20_000), against: tokens(5_000), snapshotPower: tokens(55_000) })
    expect(phaseOf(state, done, h.clock.now())).toBe('executed')
    expect(state.mandates.get(proposalId)).toMatchObject({ rewardPool: tokens(25_000), escrowed: tokens(25_000) })
    expect(accountOf(state, keyOf(ALICE))).toMatchObject({ open: tokens(30_000), liveProposal: null })
    expect(circulating(state)).toBe(state.genesis?.supply)
    live = state
    await h.store.close()
  })

  it('replays from the reopened store into the same state', async () => {
    const h = await harness(createSqliteBackend(file))
    const replayed = await h.handler.state()
    expect(replayed).toEqual(live)
    await h.store.close()
  })
})
