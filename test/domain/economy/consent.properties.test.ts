/**
 * The consent invariant (docs/economics.md) over random histories in which adversaries send any
 * command of the data, alignment, reward and governance rules, including other people's commands
 * under their own key and commands from a stranger: an account's money (OPEN, gOPEN, stakes,
 * usage escrow) goes down only by a command that account signed, or by a slash that cites, as
 * evidence, an event caused by that account's own signed command (or the veto of its own
 * proposal, or of a proposal it backed). The histories include executable proposals (parameter
 * changes, treasury transfers, resolutions of appeals), backing and appeals. Conservation holds
 * at every step too.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { EconomyEvent } from '../../../domain/economy/events.js'
import type { EconomyState } from '../../../domain/economy/state.js'
import { circulating } from '../../../domain/governance/state.js'
import { ALICE, BOB, CAROL, DAVE } from '../datanets/fixtures.js'
import { actionArb, actionsArb, play, replayPreamble, type Action } from '../rewards/random-economy.js'

const EVE = 'e5'.repeat(32)
const SOMEONE = fc.constantFrom(ALICE, BOB, CAROL, DAVE, EVE)

/** Every account's money: what a rule could take from it. */
function holdings(state: EconomyState, key: string): bigint {
  const account = state.governance.accounts.get(key)
  let total = (account?.open ?? 0n) + (account?.gopen ?? 0n) + (state.governance.usageEscrow.get(key) ?? 0n)
  for (const stake of account?.stakes.values() ?? []) total += stake.amount
  return total
}

/** The slashes of `key` among the events, each checked to cite that account's own signed act. */
function ownSlashes(key: string, events: readonly EconomyEvent[], before: EconomyState, actorOf: ReadonlyMap<number, string>): bigint {
  let total = 0n
  for (const event of events) {
    if (event.type !== 'StakeSlashed' || event.data.account !== key) continue
    const evidence = event.data.evidence
    if (evidence.kind === 'proposal-veto') {
      // Proposing it, or backing it (BackProposal), is the account's own signed act.
      const proposal = before.governance.proposals.get(evidence.proposalId)
      expect(proposal?.proposer === key || proposal?.backers.has(key), 'a veto slash takes only the proposer’s and the backers’ stakes').toBe(true)
    } else {
      const own = evidence.sequences.some((s) => actorOf.get(s) === key)
      expect(own, `a ${evidence.rule} slash of ${key.slice(0, 4)} cites no act of its own (sequences ${evidence.sequences.join(', ')})`).toBe(true)
    }
    total += event.data.amount
  }
  return total
}

/** Sends the action's command under another key: the payload someone else would sign, signed by `by`. */
const impersonated = (action: Action, by: string): Action =>
  'advance' in action ? action : { make: (w) => { const made = action.make(w); return { command: { ...made.command, actor: by } } } }

const adversarialArb: fc.Arbitrary<Action[]> = fc
  .tuple(actionsArb, fc.array(fc.tuple(actionArb, SOMEONE, fc.nat(40)), { maxLength: 12 }))
  .map(([honest, attacks]) => {
    const actions = [...honest]
    for (const [action, by, at] of attacks) actions.splice(at % (actions.length + 1), 0, impersonated(action, by))
    return actions
  })

describe('the consent invariant under adversaries', () => {
  it('nobody’s money goes down but by their own signature or a slash citing their own act; OPEN is conserved at every step', () => {
    const base = replayPreamble().actors
    let slashes = 0
    let attacksRefused = 0
    fc.assert(
      fc.property(adversarialArb, (actions) => {
        const actorOf = new Map(base)
        play(actions, (step, after) => {
          if (step.refused !== undefined) {
            if (step.command.actor === EVE) attacksRefused++
            return
          }
          const events = step.recorded.map((r) => r.event)
          for (const r of step.recorded) actorOf.set(r.sequence, step.command.actor)
          const before = step.before.state
          const keys = new Set([...before.governance.accounts.keys(), ...after.state.governance.accounts.keys(), ...before.governance.usageEscrow.keys()])
          for (const key of keys) {
            const lost = holdings(before, key) - holdings(after.state, key)
            if (lost <= 0n || key === step.command.actor) continue
            const slashed = ownSlashes(key, events, before, actorOf)
            if (slashed > 0n) slashes++
            expect(slashed, `${step.command.type} by ${step.command.actor.slice(0, 4)} took ${lost} from ${key.slice(0, 4)}`).toBeGreaterThanOrEqual(lost)
          }
          const g = after.state.governance
          expect(circulating(g)).toBe(g.genesis?.supply)
        })
      }),
      { numRuns: 120, seed: 20261130 },
    )
    // The histories do reach the rules that take money without the owner's signature.
    expect(slashes).toBeGreaterThan(0)
    expect(attacksRefused).toBeGreaterThan(0)
  })
})
