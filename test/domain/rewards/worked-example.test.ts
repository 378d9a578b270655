/** The worked example of docs/economics.md, decided and checked against the numbers the document states. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import { accountOf } from '../../../domain/governance/state.js'
import { hashFor } from '../decider-spec.js'
import { ALICE, BOB, CAROL, DAY, DAVE, ecmd, espec, MANDATE, withDatanet, type EStep } from '../datanets/fixtures.js'

const doc = readFileSync(new URL('../../../docs/economics.md', import.meta.url), 'utf8')
const number = (s: string) => tokens(Number(s.replace(/,/g, '')))

function example(): EStep[] {
  const h: EStep[] = [...withDatanet(), { command: ecmd.submit('a') }, { command: ecmd.submit('s') }]
  h.push({ command: ecmd.verdict(BOB, 'a', 'accept', 80) }, { command: ecmd.verdict(CAROL, 'a', 'accept', 90) }, { command: ecmd.verdict(DAVE, 'a', 'reject', 5) }, { command: ecmd.finalize('a') })
  h.push({ command: ecmd.verdict(BOB, 's', 'spam') }, { command: ecmd.verdict(CAROL, 's', 'spam') }, { command: ecmd.verdict(DAVE, 's', 'accept') }, { command: ecmd.finalize('s') })
  const round = hashFor(espec.play(h).commands + 1)
  h.push({ command: ecmd.round(2, tokens(1_000)) })
  const ratings: [string, number[]][] = [[BOB, [5, 6]], [CAROL, [5, 5]], [DAVE, [1, 1]]]
  for (const [v, s] of ratings) h.push({ command: ecmd.commit(v, round, s) })
  h.push({ advance: DAY })
  for (const [v, s] of ratings) h.push({ command: ecmd.reveal(v, round, s) })
  h.push({ advance: DAY }, { command: ecmd.closeRound(round) }, { advance: 7 * DAY })
  return h
}

describe('the worked example in docs/economics.md', () => {
  const before = espec.play(example())
  const events = espec.given(...example()).when(ecmd.closeEpoch()).events()
  const after = espec.play([...example(), { command: ecmd.closeEpoch() }])

  it('pays the table’s amounts, row by row', () => {
    const rows = [...doc.matchAll(/^\| (Alice|Bob|Carol|Dave) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|$/gm)]
    expect(rows).toHaveLength(4)
    const keys: Record<string, string> = { Alice: ALICE, Bob: BOB, Carol: CAROL, Dave: DAVE }
    for (const [, name, , , , total] of rows) {
      const paid = events.find((e) => e.type === 'EscrowPaid' && e.data.account === keys[name as string])
      expect(paid?.type === 'EscrowPaid' ? paid.data.amount : 0n, name).toBe(number(total as string))
    }
  })

  it('has the pools, the escrow left and the treasury gain the document states', () => {
    expect(events[0]).toMatchObject({ data: { dataPool: tokens(6_930), validatorPool: tokens(2_970), roundRewards: tokens(1_000) } })
    expect(doc).toContain('data pool **6,930**; validator pool **2,970**')
    expect(doc).toContain('Paid from escrow: **10,900**, leaving 89,100. Treasury: **+300**')
    expect(after.state.governance.mandates.get(MANDATE)?.escrowed).toBe(tokens(89_100))
    const start = espec.play(withDatanet()).state.governance.treasury
    expect(before.state.governance.treasury - start).toBe(tokens(300))
    expect(accountOf(before.state.governance, DAVE).stakes.get(1)?.amount).toBe(tokens(9_800))
    expect([...before.state.data.contributions.values()].map((c) => [c.outcome, c.quality])).toEqual([['accepted', 80], ['spam', 80]])
  })
})
