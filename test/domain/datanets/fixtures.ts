/** A ledger with a mandate, three staked validators and a datanet: the starting point of the economy specs. */
import { specFor, hashFor, type Step } from '../decider-spec.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { economyDecider } from '../../../domain/economy/decider.js'
import type { EconomyCommand, EconomyEvent } from '../../../domain/economy/events.js'
import { defaultEconomics, type EconomicsParams } from '../../../domain/economy/params.js'
import { commitmentOf } from '../../../domain/alignment/commitment.js'
import { contributionIdOf } from '../../../domain/datanets/ids.js'
import { textHash } from '../../../domain/economy/hash.js'
import { ALICE, BOB, CAROL, cmd as gov, DAVE, DAY, LEDGER, START } from '../governance/fixtures.js'

export { ALICE, BOB, CAROL, DAVE, DAY, LEDGER, START }
export type ECmd = EconomyCommand
export type EEv = EconomyEvent
export type EStep = Step<ECmd, EEv>

export const espec = specFor(economyDecider, { ledgerKey: LEDGER, start: START })

/** Command number 14 is the proposal, so its mandate (and datanet) id is hashFor(14). */
export const MANDATE = hashFor(14)
export const POOL = tokens(100_000)
export const STAKES = { [BOB]: tokens(10_000), [CAROL]: tokens(20_000), [DAVE]: tokens(10_000) } as const

export const hashOf = (label: string): string => textHash(label)
export const idOf = (content: string): string => contributionIdOf(MANDATE, hashOf(content))

export const ecmd = {
  open: (actor = ALICE, mandateId = MANDATE): ECmd => ({ type: 'OpenDatanet', actor, payload: { mandateId, mediaTypes: ['text/plain', 'application/json'], licences: ['CC-BY-4.0', 'MIT'] } }),
  submit: (content: string, o: { actor?: string; bytes?: number; mediaType?: string; licence?: string; bond?: boolean } = {}): ECmd => ({
    type: 'SubmitContribution',
    actor: o.actor ?? ALICE,
    payload: {
      datanetId: MANDATE,
      contentHash: hashOf(content),
      byteLength: o.bytes ?? 1_000,
      mediaType: o.mediaType ?? 'text/plain',
      licence: o.licence ?? 'CC-BY-4.0',
      metadata: { source: 'fixture' },
      bond: o.bond ?? true,
    },
  }),
  verdict: (actor: string, content: string, decision: 'accept' | 'reject' | 'spam', quality = 80, relevance = 70): ECmd => ({
    type: 'CastVerdict',
    actor,
    payload: { contributionId: idOf(content), decision, quality, relevance, reason: `${decision} by fixture` },
  }),
  finalize: (content: string, actor = DAVE): ECmd => ({ type: 'FinalizeContribution', actor, payload: { contributionId: idOf(content) } }),
  revoke: (content: string, actor = ALICE): ECmd => ({ type: 'RevokeContribution', actor, payload: { contributionId: idOf(content) } }),
  seal: (actor = DAVE): ECmd => ({ type: 'SealDatasetVersion', actor, payload: { datanetId: MANDATE } }),
  round: (samples = 2, pool = tokens(1_000), actor = ALICE): ECmd => ({
    type: 'OpenFeedbackRound',
    actor,
    payload: { mandateId: MANDATE, checkpoint: 'cc'.repeat(32), samples: Array.from({ length: samples }, (_, i) => ({ promptHash: hashOf(`p${i}`), outputHash: hashOf(`o${i}`) })), rewardPool: pool },
  }),
  commit: (actor: string, roundId: string, scores: number[], salt = SALT): ECmd => ({ type: 'CommitRatings', actor, payload: { roundId, commitment: commitmentOf(roundId, actor, scores, salt) } }),
  reveal: (actor: string, roundId: string, scores: number[], salt = SALT): ECmd => ({ type: 'RevealRatings', actor, payload: { roundId, scores, salt } }),
  closeRound: (roundId: string, actor = DAVE): ECmd => ({ type: 'CloseFeedbackRound', actor, payload: { roundId } }),
  closeEpoch: (actor = DAVE): ECmd => ({ type: 'CloseRewardEpoch', actor, payload: { mandateId: MANDATE } }),
}

export const SALT = '5a'.repeat(16)

/** Genesis (with these economics), four governors, Alice's proposal executed into a mandate with a 100,000 OPEN pool, three validators. */
export function mandated(economics: Partial<EconomicsParams> = {}): EStep[] {
  const steps: EStep[] = [{ command: gov.genesis({ economics: { ...defaultEconomics, ...economics } }) }]
  for (const actor of [ALICE, BOB, CAROL, DAVE]) {
    steps.push({ command: gov.register(actor) }, { command: gov.wrap(actor, tokens(20_000)) }, { command: gov.delegate(actor, actor) })
  }
  steps.push(
    { command: gov.propose(ALICE, tokens(1_000), POOL) },
    { advance: DAY },
    { command: gov.vote(ALICE, MANDATE, 'for') },
    { command: gov.vote(BOB, MANDATE, 'for') },
    { advance: 7 * DAY },
    { command: gov.queue(DAVE, MANDATE) },
    { advance: DAY },
    { command: gov.execute(DAVE, MANDATE) },
  )
  for (const [who, amount] of Object.entries(STAKES)) steps.push({ command: gov.lock(who, 'validator', amount) })
  return steps
}

/** The mandate with its datanet open. */
export function withDatanet(economics: Partial<EconomicsParams> = {}): EStep[] {
  return [...mandated(economics), { command: ecmd.open() }]
}
