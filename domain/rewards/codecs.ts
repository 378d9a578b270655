/** Reward epochs: the command and the event (payouts themselves are governance's EscrowPaid). */
import * as t from 'io-ts'
import { closed, Hex32, integer } from '../codec.js'
import { AmountC, PositiveAmountC } from '../governance/amounts.js'
import { KeyC, ProposalIdC } from '../governance/values.js'

/** Permissionless once the epoch length has passed since the mandate was issued or the last epoch closed. */
export const CloseRewardEpochC = closed({ type: t.literal('CloseRewardEpoch'), payload: closed({ mandateId: ProposalIdC }, 'CloseRewardEpoch') }, 'CloseRewardEpoch')
export type RewardsCommand = t.TypeOf<typeof CloseRewardEpochC> & { readonly actor: string }

const PayoutC = closed({ recipient: KeyC, amount: PositiveAmountC }, 'Payout')
/** The pools actually paid (zero when nobody earned from one), the merged payouts in key order, and the map's hash. */
export const RewardEpochClosedC = closed(
  {
    type: t.literal('RewardEpochClosed'),
    data: closed(
      {
        mandateId: ProposalIdC,
        epoch: integer('epoch', 1),
        dataPool: AmountC,
        validatorPool: AmountC,
        roundRewards: AmountC,
        payouts: t.array(PayoutC),
        mapHash: Hex32,
      },
      'RewardEpochClosed',
    ),
  },
  'RewardEpochClosed',
)
export type RewardsEvent = t.TypeOf<typeof RewardEpochClosedC>

export const rewardsStream = (mandateId: string): string => `rewards-${mandateId}`
