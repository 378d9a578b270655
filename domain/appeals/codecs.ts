/**
 * Appeals and disputes (issue 17): a slashed account appeals its slash, a consumer disputes a
 * usage batch it was charged in; each posts a bond, and an executed proposal (resolve-appeal,
 * resolve-dispute) decides. Upheld: the slash is paid back from the treasury, or the consumer is
 * refunded from the operator's stake. Rejected: the bond goes to the treasury.
 */
import * as t from 'io-ts'
import { commandCodec as command, eventCodec as event, Hex32, integer } from '../codec.js'
import { AmountC, PositiveAmountC } from '../governance/amounts.js'
import { KeyC, ProposalIdC, TextC } from '../governance/values.js'
import { RequestIdC } from '../deployment/values.js'

const SequenceC = integer('sequence', 1)
const StakeRefC = t.union([integer('stake id', 1), t.null])
/** 1 to 100 request ids, no two alike. */
const RequestIdsC = new t.Type<readonly string[], readonly string[], unknown>(
  'request ids (1-100, distinct)',
  (u): u is readonly string[] => Array.isArray(u) && u.length >= 1 && u.length <= 100 && new Set(u).size === u.length && u.every((r) => RequestIdC.is(r)),
  (u, c) => {
    const decoded = t.array(RequestIdC).validate(u, c)
    if (decoded._tag === 'Left') return decoded
    const ids = decoded.right
    return ids.length >= 1 && ids.length <= 100 && new Set(ids).size === ids.length ? t.success(ids) : t.failure(u, c, 'expected 1 to 100 distinct request ids')
  },
  t.identity,
)

/** By the slashed account, within `appealWindowMs` of the slash: names the StakeSlashed event by its sequence. */
export const AppealSlashC = command('AppealSlash', { slashSequence: SequenceC, statement: TextC })
/** By a consumer charged in the batch, within `disputeWindowMs` of it: names the UsageRecorded event by its sequence and the receipts it disputes. */
export const DisputeUsageC = command('DisputeUsage', { usageSequence: SequenceC, requestIds: RequestIdsC, statement: TextC })

export const APPEAL_COMMAND_CODECS = [AppealSlashC, DisputeUsageC] as const
export type AppealCommand = t.TypeOf<(typeof APPEAL_COMMAND_CODECS)[number]> & { readonly actor: string }

export const SlashAppealedC = event('SlashAppealed', {
  appealId: Hex32,
  account: KeyC,
  slashSequence: SequenceC,
  amount: PositiveAmountC,
  bond: AmountC,
  bondStakeId: StakeRefC,
  statement: TextC,
})
export const UsageDisputedC = event('UsageDisputed', {
  disputeId: Hex32,
  consumer: KeyC,
  deploymentId: Hex32,
  operator: KeyC,
  usageSequence: SequenceC,
  requestIds: RequestIdsC,
  /** What the cited receipts cost the consumer, at most what the batch charged it. */
  amount: AmountC,
  bond: AmountC,
  bondStakeId: StakeRefC,
  statement: TextC,
})
export const AppealResolvedC = event('AppealResolved', { appealId: Hex32, proposalId: ProposalIdC, upheld: t.boolean, reason: TextC })
export const DisputeResolvedC = event('DisputeResolved', { disputeId: Hex32, proposalId: ProposalIdC, upheld: t.boolean, reason: TextC })
/** An upheld appeal: the slashed amount paid back from the treasury (where the slash went) to the account's OPEN. */
export const SlashReversedC = event('SlashReversed', { appealId: Hex32, account: KeyC, slashSequence: SequenceC, amount: PositiveAmountC })
/** An upheld dispute: what was taken from the operator's stake (StakeSlashed just before) paid on to the consumer's OPEN. */
export const UsageRefundedC = event('UsageRefunded', { disputeId: Hex32, consumer: KeyC, operator: KeyC, amount: PositiveAmountC })

export const APPEAL_EVENT_CODECS = [SlashAppealedC, UsageDisputedC, AppealResolvedC, DisputeResolvedC, SlashReversedC, UsageRefundedC] as const
export type AppealEvent = t.TypeOf<(typeof APPEAL_EVENT_CODECS)[number]>
export type AppealEventOf<T extends AppealEvent['type']> = Extract<AppealEvent, { type: T }>

const APPEAL_EVENT_TYPES: ReadonlySet<string> = new Set(APPEAL_EVENT_CODECS.map((c) => c.name))
export const isAppealEvent = (e: { readonly type: string }): e is AppealEvent => APPEAL_EVENT_TYPES.has(e.type)

export const appealStream = (id: string): string => `appeal-${id}`
export const disputeStream = (id: string): string => `dispute-${id}`

export function appealStreamOf(e: AppealEvent): string {
  switch (e.type) {
    case 'SlashAppealed':
    case 'AppealResolved':
    case 'SlashReversed':
      return appealStream(e.data.appealId)
    default:
      return disputeStream(e.data.disputeId)
  }
}

