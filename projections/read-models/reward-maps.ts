/**
 * Reward maps per epoch, as closed: the pools, every payout and the map's hash (which full
 * verification recomputes from the log).
 *
 *   epoch:<mandateId>:<n>  { mandateId, epoch, dataPool, validatorPool, roundRewards, payouts: [{ recipient, amount }], mapHash, closedAt, sequence }
 */
import * as t from 'io-ts'
import { Hex32, Timestamp } from '../../domain/codec.js'
import { AmountC } from '../../domain/governance/amounts.js'
import { KeyC, ProposalIdC } from '../../domain/governance/values.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection } from '../projection.js'
import { rowCodec } from '../row-codec.js'

export const EpochRowC = t.type({
  kind: t.literal('reward-epoch'), mandateId: ProposalIdC, epoch: t.number, dataPool: AmountC, validatorPool: AmountC, roundRewards: AmountC,
  payouts: t.array(t.type({ recipient: KeyC, amount: AmountC })), mapHash: Hex32, closedAt: Timestamp, sequence: t.number,
}, 'RewardEpochRow')
export type EpochRow = t.TypeOf<typeof EpochRowC>

const TYPES = ['RewardEpochClosed'] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>

export const rewardMapsProjection: Projection<EpochRow, Event> = {
  name: 'reward-maps',
  version: 1,
  filter: economyEvents(TYPES),
  init: [],
  apply(_state, event, envelope) {
    const d = event.data
    const row: EpochRow = {
      kind: 'reward-epoch', mandateId: d.mandateId, epoch: d.epoch, dataPool: d.dataPool, validatorPool: d.validatorPool, roundRewards: d.roundRewards,
      payouts: d.payouts.map((p) => ({ recipient: p.recipient, amount: p.amount })), mapHash: d.mapHash, closedAt: envelope.recordedAt, sequence: envelope.sequence,
    }
    return [{ key: `epoch:${d.mandateId}:${String(d.epoch).padStart(8, '0')}`, value: row }]
  },
  ...rowCodec('reward-maps', EpochRowC),
}
