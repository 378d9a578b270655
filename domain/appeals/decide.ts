/**
 * Filing an appeal or a dispute: the filer cites the event (by sequence) it contests, within the
 * window after it, and locks the bond (genesis `appealBond` / `disputeBond`, as governance has
 * set them) as a stake that only the resolution releases or takes.
 */
import { left, right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import type { EconomyError } from '../economy/errors.js'
import { refuse } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomyState } from '../economy/state.js'
import { shortOf } from '../governance/guards.js'
import type { GenesisParams } from '../governance/params.js'
import { accountOf } from '../governance/state.js'
import { now, toTimestamp } from '../governance/time.js'
import type { AppealCommand } from './codecs.js'
import { disputeKey } from './state.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends AppealCommand['type']> = Extract<AppealCommand, { type: T }>

/** The bond as a stake of `purpose`, or nothing when the bond is zero. */
function lockBond(state: EconomyState, actor: string, bond: bigint, purpose: 'appeal' | 'dispute'): Either<EconomyError, { stakeId: number | null; events: EconomyEvent[] }> {
  if (bond === 0n) return right({ stakeId: null, events: [] })
  const account = accountOf(state.governance, actor)
  const short = shortOf('insufficient-open', account.open, bond)
  if (short !== undefined) return left(short)
  const stakeId = account.nextStakeId
  return right({ stakeId, events: [{ type: 'StakeLocked', data: { account: actor, stakeId, purpose, amount: bond, proposalId: null } }] })
}

function windowClosed(code: 'appeal-window-closed' | 'dispute-window-closed', since: number, windowMs: number, at: number): Either<EconomyError, never> | undefined {
  if (at <= since + windowMs) return undefined
  return refuse(code, `the window closed at ${toTimestamp(since + windowMs)}`, { closedAt: toTimestamp(since + windowMs) })
}

function appeal(c: Cmd<'AppealSlash'>, state: EconomyState, params: GenesisParams, ctx: DecisionContext): Result {
  const { slashSequence, statement } = c.payload
  const slash = state.appeals.slashes.get(slashSequence)
  if (slash === undefined) return refuse('unknown-slash', 'no StakeSlashed event at that sequence', { slashSequence })
  if (slash.account !== c.actor) return refuse('not-slashed-account', 'only the slashed account appeals its slash')
  const closed = windowClosed('appeal-window-closed', slash.at, params.appealWindowMs, now(ctx))
  if (closed !== undefined) return closed
  if (state.appeals.appealed.has(slashSequence)) return refuse('already-appealed', 'the slash was already appealed', { slashSequence })
  const bond = lockBond(state, c.actor, params.appealBond, 'appeal')
  if (bond._tag === 'Left') return bond
  const appealed: EconomyEvent = {
    type: 'SlashAppealed',
    data: { appealId: ctx.commandHash, account: c.actor, slashSequence, amount: slash.amount, bond: params.appealBond, bondStakeId: bond.right.stakeId, statement },
  }
  return right([appealed, ...bond.right.events])
}

function dispute(c: Cmd<'DisputeUsage'>, state: EconomyState, params: GenesisParams, ctx: DecisionContext): Result {
  const { usageSequence, requestIds, statement } = c.payload
  const batch = state.appeals.batches.get(usageSequence)
  if (batch === undefined) return refuse('unknown-usage-batch', 'no UsageRecorded event at that sequence', { usageSequence })
  const charged = batch.charged.get(c.actor)
  if (charged === undefined) return refuse('not-charged-consumer', 'only a consumer charged in the batch disputes it')
  const closed = windowClosed('dispute-window-closed', batch.at, params.disputeWindowMs, now(ctx))
  if (closed !== undefined) return closed
  if (state.appeals.disputed.has(disputeKey(usageSequence, c.actor))) return refuse('already-disputed', 'the consumer already disputed this batch', { usageSequence })
  let fees = 0n
  for (const id of requestIds) {
    const receipt = batch.receipts.get(id)
    if (receipt === undefined || receipt.consumer !== c.actor) return refuse('bad-dispute-receipts', `request ${id} is not one of the consumer’s receipts in the batch`, { requestId: id })
    fees += receipt.fee
  }
  const bond = lockBond(state, c.actor, params.disputeBond, 'dispute')
  if (bond._tag === 'Left') return bond
  const amount = fees < charged ? fees : charged
  const disputed: EconomyEvent = {
    type: 'UsageDisputed',
    data: { disputeId: ctx.commandHash, consumer: c.actor, deploymentId: batch.deploymentId, operator: batch.operator, usageSequence, requestIds, amount, bond: params.disputeBond, bondStakeId: bond.right.stakeId, statement },
  }
  return right([disputed, ...bond.right.events])
}

export function decideAppeals(c: AppealCommand, state: EconomyState, params: GenesisParams, ctx: DecisionContext): Result {
  return c.type === 'AppealSlash' ? appeal(c, state, params, ctx) : dispute(c, state, params, ctx)
}
