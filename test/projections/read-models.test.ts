/**
 * The governance read models agree with the governance vertical's own fold: after a scripted story
 * and after random command sequences, every account, proposal tally and mandate in the read model
 * is what `evolve` over the same recorded log says.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokens } from '../../domain/governance/amounts.js'
import { currentVotingPower, stakedOf, type GovernanceState } from '../../domain/governance/state.js'
import { foldFromZero } from '../../projections/fold.js'
import { accountKey, accountsProjection, TREASURY_KEY, type AccountsRow } from '../../projections/read-models/accounts.js'
import { anchorKey, HEAD_KEY, ledgerProjection } from '../../projections/read-models/ledger.js'
import { mandateKey, mandatesProjection } from '../../projections/read-models/mandates.js'
import { proposalKey, proposalsProjection, type ProposalsRow } from '../../projections/read-models/proposals.js'
import { ALICE, BOB, CAROL, cmd, DAVE, DAY } from '../domain/governance/fixtures.js'
import { actionsArb, preamble } from '../domain/governance/random-commands.js'
import { noise, openTestLedger, play, run, type TestLedger } from './support.js'

async function governed(): Promise<TestLedger> {
  const ledger = await openTestLedger()
  for (const command of preamble) expect(await run(ledger, command)).toBe(true)
  return ledger
}

function expectAccountsMatch(rows: ReadonlyMap<string, AccountsRow>, state: GovernanceState): void {
  for (const [key, account] of state.accounts) {
    const row = rows.get(accountKey(key))
    expect(row?.kind, key).toBe('account')
    if (row?.kind !== 'account') continue
    expect({ open: row.open, gopen: row.gopen, delegate: row.delegate, staked: row.staked }).toEqual({
      open: account.open,
      gopen: account.gopen,
      delegate: account.delegate,
      staked: stakedOf(account),
    })
    expect(row.stakes.map((s) => [s.id, s.amount, s.purpose])).toEqual([...account.stakes.values()].map((s) => [s.id, s.amount, s.purpose]))
    expect(row.votingPower, `power of ${key}`).toBe(currentVotingPower(state, key))
  }
  const treasury = rows.get(TREASURY_KEY)
  if (state.genesis !== null) expect(treasury).toMatchObject({ free: state.treasury, escrowed: state.escrowed, supply: state.genesis.supply })
}

function expectProposalsMatch(rows: ReadonlyMap<string, ProposalsRow>, state: GovernanceState): void {
  for (const [id, proposal] of state.proposals) {
    const row = rows.get(proposalKey(id))
    if (row?.kind !== 'proposal') throw new Error(`no row for proposal ${id}`)
    const sums = { for: 0n, against: 0n, abstain: 0n }
    for (const ballot of proposal.ballots.values()) sums[ballot.support] += ballot.weight
    expect(row.votes).toEqual(sums)
    expect(row.voters).toBe(proposal.ballots.size)
    expect(row.snapshotSequence).toBe(proposal.snapshot)
    const status = proposal.canceled ? 'canceled' : proposal.executed ? 'executed' : (proposal.finalized ?? (proposal.queuedAt !== null ? 'queued' : 'open'))
    expect(row.status).toBe(status)
  }
}

describe('governance read models', () => {
  it('tell a scripted story: transfers, delegation, stakes with cooldowns, a proposal carried to its mandate', async () => {
    const ledger = await governed()
    await run(ledger, cmd.transfer(ALICE, BOB, tokens(5)))
    await run(ledger, cmd.delegate(CAROL, ALICE))
    await run(ledger, cmd.lock(DAVE, 'validator', tokens(10_000)))
    expect(await run(ledger, cmd.unbond(DAVE, 1))).toBe(true)
    await noise(ledger, 1)
    expect(await run(ledger, cmd.propose(BOB, tokens(1_000), tokens(10_000)))).toBe(true)
    const id = [...ledger.governance.proposals.keys()][0] as string
    ledger.clock.advance(DAY + 1)
    for (const voter of [ALICE, BOB]) expect(await run(ledger, cmd.vote(voter, id, 'for'))).toBe(true)
    expect(await run(ledger, cmd.vote(DAVE, id, 'against'))).toBe(true)
    ledger.clock.advance(7 * DAY)
    expect(await run(ledger, cmd.queue(BOB, id))).toBe(true)
    ledger.clock.advance(DAY)
    expect(await run(ledger, cmd.execute(BOB, id))).toBe(true)

    const accounts = (await foldFromZero(ledger.store, accountsProjection)).table.rows
    expectAccountsMatch(accounts, ledger.governance)
    const alice = accounts.get(accountKey(ALICE))
    expect(alice).toMatchObject({ open: tokens(50_000 - 20_000 - 5), votingPower: tokens(40_000), pendingRewards: 0n, displayName: expect.any(String) })
    const dave = accounts.get(accountKey(DAVE))
    expect(dave?.kind === 'account' && dave.stakes[0]).toMatchObject({ id: 1, purpose: 'validator', releasableAt: '2026-01-08T00:00:00.000Z' })

    const proposals = (await foldFromZero(ledger.store, proposalsProjection)).table.rows
    expectProposalsMatch(proposals, ledger.governance)
    const proposal = proposals.get(proposalKey(id))
    expect(proposal).toMatchObject({ status: 'executed', votes: { for: tokens(60_000), against: tokens(20_000), abstain: 0n }, voters: 3, mandateId: id })
    expect(proposal?.kind === 'proposal' && proposal.outcomeTally?.for).toBe(tokens(60_000))

    const mandates = (await foldFromZero(ledger.store, mandatesProjection)).table.rows
    expect(mandates.get(mandateKey(id))).toMatchObject({ proposalId: id, rewardPool: tokens(10_000), escrowed: tokens(10_000) })

    const head = await ledger.store.head()
    const ledgerRows = (await foldFromZero(ledger.store, ledgerProjection)).table.rows
    expect(ledgerRows.get(HEAD_KEY)).toMatchObject({ sequence: head.sequence, hash: head.hash })
    expect(ledgerRows.get(anchorKey(head.lastAnchor.sequence))).toMatchObject({ hash: head.lastAnchor.hash })
  })

  it('follow the treasury through executed proposals: transfers and grants', async () => {
    const ledger = await governed()
    const actions = [
      { kind: 'transfer-treasury' as const, to: DAVE, amount: tokens(700), memo: 'bounty' },
      { kind: 'grant-treasury' as const, to: CAROL, amount: tokens(300), vestsAt: new Date(ledger.clock.now() + 20 * DAY).toISOString(), memo: 'grant' },
    ]
    expect(await run(ledger, cmd.proposeActions(ALICE, actions))).toBe(true)
    const id = [...ledger.governance.proposals.keys()].at(-1) as string
    ledger.clock.advance(DAY + 1)
    for (const voter of [ALICE, BOB]) expect(await run(ledger, cmd.vote(voter, id, 'for'))).toBe(true)
    ledger.clock.advance(7 * DAY)
    expect(await run(ledger, cmd.queue(BOB, id))).toBe(true)
    ledger.clock.advance(DAY)
    expect(await run(ledger, cmd.execute(BOB, id))).toBe(true)
    ledger.clock.advance(20 * DAY)
    expect(await run(ledger, cmd.claimGrant(CAROL, 1))).toBe(true)
    const accounts = (await foldFromZero(ledger.store, accountsProjection)).table.rows
    expectAccountsMatch(accounts, ledger.governance)
    expect(ledger.governance.treasuryGrants.size).toBe(0)
  })

  it('agree with the governance fold over random command sequences', async () => {
    await fc.assert(
      fc.asyncProperty(actionsArb, async (actions) => {
        const ledger = await governed()
        await play(ledger, actions)
        expectAccountsMatch((await foldFromZero(ledger.store, accountsProjection)).table.rows, ledger.governance)
        expectProposalsMatch((await foldFromZero(ledger.store, proposalsProjection)).table.rows, ledger.governance)
        const mandates = (await foldFromZero(ledger.store, mandatesProjection)).table.rows
        expect(mandates.size).toBe(ledger.governance.mandates.size)
        for (const [id, mandate] of ledger.governance.mandates) expect(mandates.get(mandateKey(id))).toMatchObject({ rewardPool: mandate.rewardPool, escrowed: mandate.escrowed })
      }),
      { numRuns: 25 },
    )
  })
})
