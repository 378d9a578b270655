/**
 * A projection that notices double applies and skips: it refuses any envelope that is not the one
 * after the last it saw, and counts what it applied. Version 2 counts differently, to see rebuilds.
 */
import * as t from 'io-ts'
import { allEnvelopes, type Projection } from '../../projections/projection.js'
import { rowCodec } from '../../projections/row-codec.js'

const CountRowC = t.type({ applied: t.number, last: t.number, sum: t.string, weight: t.number })
export type CountRow = t.TypeOf<typeof CountRowC>

export function countingProjection(version = 1): Projection<CountRow> {
  return {
    name: 'counting',
    version,
    filter: allEnvelopes,
    init: [{ key: 'count', value: { applied: 0, last: 0, sum: '0', weight: 0 } }],
    apply(state, envelope) {
      const row = state.get('count') ?? { applied: 0, last: 0, sum: '0', weight: 0 }
      if (envelope.sequence !== row.last + 1) throw new Error(`applied ${envelope.sequence} after ${row.last}`)
      const value = { applied: row.applied + 1, last: envelope.sequence, sum: String(BigInt(row.sum) + BigInt(envelope.sequence)), weight: row.weight + version }
      return [{ key: 'count', value }, { key: `stream:${envelope.stream}`, value: { applied: envelope.streamVersion, last: envelope.sequence, sum: '0', weight: 0 } }]
    },
    ...rowCodec('count', CountRowC),
  }
}
