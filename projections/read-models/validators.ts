/**
 * Validator reputation, from what validators did and what came of it:
 *
 *   validator:<key>   { key, verdicts, agreed, disagreed, rounds, penalized, roundRewards, slashed, trust, trustSequence, firstSequence, lastSequence }
 *   pending:<contributionId>  the verdicts on a contribution not yet final (internal)
 *
 * A verdict agrees when it accepted a contribution that was accepted, or refused (reject or spam)
 * one that was not. Round figures come from each closed RLHF round's results; `slashed` sums the
 * stake slashed from the validator under a rule (docs/economics.md). `trust` is the validator's trust
 * in millionths as the rules last recorded it (ValidatorTrustUpdated, at `trustSequence`); null until
 * first observed, when the rules give it the genesis `trustInitial` (docs/governance.md).
 */
import * as t from 'io-ts'
import { AmountC } from '../../domain/governance/amounts.js'
import { KeyC } from '../../domain/governance/values.js'
import { DecisionC } from '../../domain/datanets/values.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection, RowChange, RowReader } from '../projection.js'
import { nullable, rowCodec } from '../row-codec.js'

const ValidatorRowC = t.type({
  kind: t.literal('validator'), key: KeyC, verdicts: t.number, agreed: t.number, disagreed: t.number, rounds: t.number, penalized: t.number,
  roundRewards: AmountC, slashed: AmountC, trust: nullable(t.number), trustSequence: nullable(t.number), firstSequence: t.number, lastSequence: t.number,
})
const PendingRowC = t.type({ kind: t.literal('pending'), verdicts: t.array(t.type({ validator: KeyC, decision: DecisionC })) })
const ValidatorsRowC = t.union([ValidatorRowC, PendingRowC])
export type ValidatorsRow = t.TypeOf<typeof ValidatorsRowC>
type ValidatorRow = t.TypeOf<typeof ValidatorRowC>

const TYPES = ['VerdictCast', 'ContributionFinalized', 'FeedbackRoundClosed', 'StakeSlashed', 'ValidatorTrustUpdated'] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>

const key = (validator: string) => `validator:${validator}`

function validator(state: RowReader<ValidatorsRow>, who: string, sequence: number): ValidatorRow {
  const row = state.get(key(who))
  if (row !== undefined && row.kind === 'validator') return { ...row, lastSequence: sequence }
  return { kind: 'validator', key: who, verdicts: 0, agreed: 0, disagreed: 0, rounds: 0, penalized: 0, roundRewards: 0n, slashed: 0n, trust: null, trustSequence: null, firstSequence: sequence, lastSequence: sequence }
}

/** Applies several changes to validator rows in one event, each seeing the ones before it. */
function changes(state: RowReader<ValidatorsRow>, sequence: number, edits: readonly { who: string; edit: (row: ValidatorRow) => ValidatorRow }[]): RowChange<ValidatorsRow>[] {
  const rows = new Map<string, ValidatorRow>()
  for (const { who, edit } of edits) rows.set(who, edit(rows.get(who) ?? validator(state, who, sequence)))
  return [...rows.values()].map((row) => ({ key: key(row.key), value: row }))
}

export const validatorsProjection: Projection<ValidatorsRow, Event> = {
  name: 'validators',
  version: 2,
  filter: economyEvents(TYPES),
  init: [],
  apply(state, event, envelope) {
    const seq = envelope.sequence
    switch (event.type) {
      case 'VerdictCast': {
        const pendingKey = `pending:${event.data.contributionId}`
        const pending = state.get(pendingKey)
        const verdicts = [...(pending?.kind === 'pending' ? pending.verdicts : []), { validator: event.data.validator, decision: event.data.decision }]
        return [{ key: pendingKey, value: { kind: 'pending', verdicts } }, ...changes(state, seq, [{ who: event.data.validator, edit: (r) => ({ ...r, verdicts: r.verdicts + 1 }) }])]
      }
      case 'ContributionFinalized': {
        const pendingKey = `pending:${event.data.contributionId}`
        const pending = state.get(pendingKey)
        const accepted = event.data.outcome === 'accepted'
        const verdicts = pending?.kind === 'pending' ? pending.verdicts : []
        const edits = verdicts.map((v) => ({ who: v.validator, edit: (r: ValidatorRow) => ((v.decision === 'accept') === accepted ? { ...r, agreed: r.agreed + 1 } : { ...r, disagreed: r.disagreed + 1 }) }))
        return [{ key: pendingKey, value: null }, ...changes(state, seq, edits)]
      }
      case 'FeedbackRoundClosed':
        return changes(
          state,
          seq,
          event.data.results.map((result) => ({
            who: result.validator,
            edit: (r: ValidatorRow) => ({ ...r, rounds: r.rounds + 1, penalized: r.penalized + (result.penalized ? 1 : 0), roundRewards: r.roundRewards + result.reward }),
          })),
        )
      case 'StakeSlashed': {
        // Only slashes for what a validator did (RLHF rules) belong to reputation; a contributor's
        // spam bond is not a validator's record.
        const evidence = event.data.evidence
        if (evidence.kind !== 'rule' || !evidence.rule.startsWith('rlhf-')) return []
        const amount = event.data.amount
        return changes(state, seq, [{ who: event.data.account, edit: (r) => ({ ...r, slashed: r.slashed + amount }) }])
      }
      case 'ValidatorTrustUpdated':
        return changes(state, seq, event.data.updates.map((u) => ({ who: u.validator, edit: (r: ValidatorRow) => ({ ...r, trust: u.after, trustSequence: seq }) })))
    }
  },
  ...rowCodec('validators', ValidatorsRowC),
}
