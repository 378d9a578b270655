/**
 * The protocol parameters: each one's value in force, and every change governance made, from the
 * genesis and ParameterChanged only (mapping in this file).
 *
 *   genesis                 { sequence, recordedAt, params }: the parameters the ledger started with
 *   parameter:<name>        { name, value, bound, since, changes }: in force now, since `since` (the genesis's or its last change's sequence)
 *   change:<sequence>       { sequence, recordedAt, proposalId, name, from, to }: one change, in force from `sequence` on
 *
 * Values are JSON as the events record them (amounts as decimal strings of base units, ratios as
 * { numerator, denominator }). A change applies from its own sequence on and never before, so the
 * rows as of sequence k (`?at=k`) are the parameters the rules applied at k: the genesis with
 * every change recorded at or before k (`paramsAt`). `bound` is the range governance may set the
 * parameter within (domain/governance/parameters.ts).
 */
import * as t from 'io-ts'
import { JsonValueC, Timestamp } from '../../domain/codec.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { describeBound, PARAMETER_BOUNDS, PARAMETER_NAMES, parameterJson, type ParameterName } from '../../domain/governance/parameters.js'
import { GenesisParamsC } from '../../domain/governance/params.js'
import { ProposalIdC } from '../../domain/governance/values.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection, RowChange } from '../projection.js'
import { rowCodec, seqKey } from '../row-codec.js'

const GenesisRowC = t.type({ kind: t.literal('genesis'), sequence: t.number, recordedAt: Timestamp, params: GenesisParamsC }, 'ParametersGenesisRow')
export const ParameterRowC = t.type(
  { kind: t.literal('parameter'), name: t.string, value: JsonValueC, bound: t.string, since: t.number, changes: t.number },
  'ParameterRow',
)
export const ParameterChangeRowC = t.type(
  { kind: t.literal('change'), sequence: t.number, recordedAt: Timestamp, proposalId: ProposalIdC, name: t.string, from: JsonValueC, to: JsonValueC },
  'ParameterChangeRow',
)
export const ParametersRowC = t.union([GenesisRowC, ParameterRowC, ParameterChangeRowC])
export type ParametersRow = t.TypeOf<typeof ParametersRowC>

export const GENESIS_KEY = 'genesis'
export const parameterKey = (name: string): string => `parameter:${name}`
export const changeKey = (sequence: number): string => `change:${seqKey(sequence)}`

const TYPES = ['GenesisEstablished', 'ParameterChanged'] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>

function genesis(envelope: Envelope, event: EconomyEventOf<'GenesisEstablished'>): RowChange<ParametersRow>[] {
  const params = event.data.params
  const rows: RowChange<ParametersRow>[] = [{ key: GENESIS_KEY, value: { kind: 'genesis', sequence: envelope.sequence, recordedAt: envelope.recordedAt, params } }]
  for (const name of PARAMETER_NAMES) {
    rows.push({ key: parameterKey(name), value: { kind: 'parameter', name, value: parameterJson(params, name), bound: describeBound(PARAMETER_BOUNDS[name as ParameterName]), since: envelope.sequence, changes: 0 } })
  }
  return rows
}

export const parametersProjection: Projection<ParametersRow, Event> = {
  name: 'parameters',
  version: 1,
  filter: economyEvents(TYPES),
  init: [],
  apply(state, event, envelope) {
    if (event.type === 'GenesisEstablished') return genesis(envelope, event)
    const { proposalId, name, from, to } = event.data
    const current = state.get(parameterKey(name))
    if (current?.kind !== 'parameter') return []
    return [
      { key: parameterKey(name), value: { ...current, value: to, since: envelope.sequence, changes: current.changes + 1 } },
      { key: changeKey(envelope.sequence), value: { kind: 'change', sequence: envelope.sequence, recordedAt: envelope.recordedAt, proposalId, name, from, to } },
    ]
  },
  ...rowCodec('parameters', ParametersRowC),
}
