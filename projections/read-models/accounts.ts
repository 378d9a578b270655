/**
 * The accounts read model, from the events that move money (mapping kept in this one file):
 * governance's, and the usage escrow and fee payouts of deployments.
 *
 *   account:<key>  { key, displayName, registeredAt, open, gopen, delegate, votingPower, staked,
 *                    stakes[], usageEscrow, usageEscrowWithdrawing, usageEscrowWithdrawableAt, pendingRewards, slashed,
 *                    updatedAt, updatedSequence }
 *   treasury       { treasuryKey, free, escrowed, supply }
 *
 * votingPower is the gOPEN delegated to this account (its own included when self-delegated).
 * Stakes carry their cooldown (unbondRequestedAt, releasableAt). usageEscrow is the OPEN a
 * consumer set aside for metered inference; `usageEscrowWithdrawing` of it is a withdrawal the
 * consumer scheduled, paid back at `usageEscrowWithdrawableAt` (until then still escrow, and still
 * charged for usage); fee payouts land in OPEN and the treasury's share in
 * `free`. pendingRewards is kept apart from stake and OPEN: no event credits it yet.
 */
import * as t from 'io-ts'
import { Timestamp } from '../../domain/codec.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { AmountC } from '../../domain/governance/amounts.js'
import { KeyC, ProposalIdC, StakePurposeC } from '../../domain/governance/values.js'
import { applyWith, type ChangeSet } from '../changes.js'
import { economyEvents, type EconomyEventOf } from '../economy-events.js'
import type { Projection } from '../projection.js'
import { rowCodec } from '../row-codec.js'

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null])

const StakeRowC = t.type({
  id: t.number,
  purpose: StakePurposeC,
  amount: AmountC,
  lockedAt: Timestamp,
  proposalId: nullable(ProposalIdC),
  unbondRequestedAt: nullable(Timestamp),
  releasableAt: nullable(Timestamp),
})
const AccountRowC = t.type({
  kind: t.literal('account'),
  key: KeyC,
  displayName: nullable(t.string),
  registeredAt: nullable(Timestamp),
  open: AmountC,
  gopen: AmountC,
  delegate: nullable(KeyC),
  votingPower: AmountC,
  staked: AmountC,
  stakes: t.array(StakeRowC),
  usageEscrow: AmountC,
  usageEscrowWithdrawing: AmountC,
  usageEscrowWithdrawableAt: nullable(Timestamp),
  pendingRewards: AmountC,
  slashed: AmountC,
  updatedAt: Timestamp,
  updatedSequence: t.number,
})
const TreasuryRowC = t.type({ kind: t.literal('treasury'), treasuryKey: nullable(KeyC), free: AmountC, escrowed: AmountC, supply: AmountC })
export const AccountsRowC = t.union([AccountRowC, TreasuryRowC])
export type AccountsRow = t.TypeOf<typeof AccountsRowC>
export type AccountRow = t.TypeOf<typeof AccountRowC>
export type StakeRow = t.TypeOf<typeof StakeRowC>
export type TreasuryRow = t.TypeOf<typeof TreasuryRowC>

export const accountKey = (key: string): string => `account:${key}`
export const TREASURY_KEY = 'treasury'

const TYPES = [
  'GenesisEstablished',
  'IdentityRegistered',
  'OpenSent',
  'OpenReceived',
  'OpenWrapped',
  'GopenUnwrapped',
  'VotesDelegated',
  'StakeLocked',
  'UnbondRequested',
  'StakeReleased',
  'StakeSlashed',
  'RewardPoolEscrowed',
  'EscrowPaid',
  'UsageEscrowDeposited',
  'UsageEscrowWithdrawalScheduled',
  'UsageEscrowWithdrawn',
  'UsageCharged',
  'UsageRecorded',
  'TreasuryTransferred',
  'TreasuryGranted',
  'TreasuryGrantClaimed',
  'RewardPoolReturned',
  'SlashReversed',
  'UsageRefunded',
] as const
type Event = EconomyEventOf<(typeof TYPES)[number]>
type EventOf<T extends Event['type']> = Extract<Event, { type: T }>

type Rows = ChangeSet<AccountsRow>

function emptyAccount(key: string): AccountRow {
  return {
    kind: 'account', key, displayName: null, registeredAt: null, open: 0n, gopen: 0n, delegate: null, votingPower: 0n,
    staked: 0n, stakes: [], usageEscrow: 0n, usageEscrowWithdrawing: 0n, usageEscrowWithdrawableAt: null, pendingRewards: 0n, slashed: 0n, updatedAt: '1970-01-01T00:00:00.000Z', updatedSequence: 0,
  }
}

type AccountPatch = Partial<Omit<AccountRow, 'kind' | 'key'>>

/** Patches an account row; `change` returns only the fields it sets, so each update copies the row once. */
function account(rows: Rows, envelope: Envelope, key: string, change: (a: AccountRow) => AccountPatch): void {
  rows.update(accountKey(key), () => emptyAccount(key), (row) => {
    const a = row.kind === 'account' ? row : emptyAccount(key)
    return { ...a, ...change(a), updatedAt: envelope.recordedAt, updatedSequence: envelope.sequence }
  })
}

function treasury(rows: Rows, change: (tr: TreasuryRow) => TreasuryRow): void {
  const empty: TreasuryRow = { kind: 'treasury', treasuryKey: null, free: 0n, escrowed: 0n, supply: 0n }
  rows.update(TREASURY_KEY, () => empty, (row) => change(row.kind === 'treasury' ? row : empty))
}

function current(rows: Rows, key: string): AccountRow {
  const row = rows.get(accountKey(key))
  return row?.kind === 'account' ? row : emptyAccount(key)
}

function shiftPower(rows: Rows, envelope: Envelope, governor: string | null, delta: bigint): void {
  if (governor === null || delta === 0n) return
  account(rows, envelope, governor, (a) => ({ votingPower: a.votingPower + delta }))
}

function withStakes(stakes: StakeRow[]): AccountPatch {
  return { stakes, staked: stakes.reduce((sum, s) => sum + s.amount, 0n) }
}

function changeStake(a: AccountRow, id: number, change: (s: StakeRow) => StakeRow | null): AccountPatch {
  const stakes = a.stakes.flatMap((s) => {
    if (s.id !== id) return [s]
    const next = change(s)
    return next === null ? [] : [next]
  })
  return withStakes(stakes)
}

function wrap(rows: Rows, envelope: Envelope, key: string, delta: bigint): void {
  account(rows, envelope, key, (a) => ({ open: a.open - delta, gopen: a.gopen + delta }))
  shiftPower(rows, envelope, current(rows, key).delegate, delta)
}

function genesis(rows: Rows, envelope: Envelope, data: EventOf<'GenesisEstablished'>['data']): void {
  let supply = data.treasury
  for (const { account: key, amount } of data.allocations) {
    account(rows, envelope, key, (a) => ({ open: a.open + amount }))
    supply += amount
  }
  treasury(rows, (tr) => ({ ...tr, treasuryKey: data.treasuryKey, free: data.treasury, supply }))
}

function delegate(rows: Rows, envelope: Envelope, data: EventOf<'VotesDelegated'>['data']): void {
  const a = current(rows, data.account)
  shiftPower(rows, envelope, a.delegate, -a.gopen)
  shiftPower(rows, envelope, data.to, a.gopen)
  account(rows, envelope, data.account, () => ({ delegate: data.to }))
}

function lock(a: AccountRow, data: EventOf<'StakeLocked'>['data'], at: string): AccountPatch {
  const stake: StakeRow = { id: data.stakeId, purpose: data.purpose, amount: data.amount, lockedAt: at, proposalId: data.proposalId, unbondRequestedAt: null, releasableAt: null }
  // The sum moves by the amount: no pass over the account's other stakes.
  return { stakes: [...a.stakes, stake], staked: a.staked + data.amount, open: a.open - data.amount }
}

function applyEvent(rows: Rows, event: Event, envelope: Envelope): void {
  const at = envelope.recordedAt
  switch (event.type) {
    case 'GenesisEstablished':
      return genesis(rows, envelope, event.data)
    case 'IdentityRegistered':
      return account(rows, envelope, event.data.key, () => ({ displayName: event.data.displayName, registeredAt: at }))
    case 'OpenSent':
      return account(rows, envelope, event.data.from, (a) => ({ open: a.open - event.data.amount }))
    case 'OpenReceived':
      return account(rows, envelope, event.data.to, (a) => ({ open: a.open + event.data.amount }))
    case 'OpenWrapped':
      return wrap(rows, envelope, event.data.account, event.data.amount)
    case 'GopenUnwrapped':
      return wrap(rows, envelope, event.data.account, -event.data.amount)
    case 'VotesDelegated':
      return delegate(rows, envelope, event.data)
    case 'StakeLocked':
      return account(rows, envelope, event.data.account, (a) => lock(a, event.data, at))
    case 'UnbondRequested':
      return account(rows, envelope, event.data.account, (a) =>
        changeStake(a, event.data.stakeId, (s) => ({ ...s, unbondRequestedAt: at, releasableAt: event.data.releasableAt })),
      )
    case 'StakeReleased':
      return account(rows, envelope, event.data.account, (a) => ({ ...changeStake(a, event.data.stakeId, () => null), open: a.open + event.data.amount }))
    case 'StakeSlashed': {
      const { amount, stakeId } = event.data
      account(rows, envelope, event.data.account, (a) => ({
        ...changeStake(a, stakeId, (s) => (s.amount === amount ? null : { ...s, amount: s.amount - amount })),
        slashed: a.slashed + amount,
      }))
      return treasury(rows, (tr) => ({ ...tr, free: tr.free + amount }))
    }
    case 'RewardPoolEscrowed':
      return treasury(rows, (tr) => ({ ...tr, free: tr.free - event.data.amount, escrowed: tr.escrowed + event.data.amount }))
    case 'EscrowPaid':
      // A reward paid out of a mandate's escrow lands in OPEN, never in stake.
      account(rows, envelope, event.data.account, (a) => ({ open: a.open + event.data.amount }))
      return treasury(rows, (tr) => ({ ...tr, escrowed: tr.escrowed - event.data.amount }))
    case 'TreasuryTransferred':
    case 'TreasuryGrantClaimed':
    case 'TreasuryGranted':
    case 'RewardPoolReturned':
    case 'SlashReversed':
    case 'UsageRefunded':
      return treasuryMove(rows, event, envelope)
    default:
      return usage(rows, event, envelope)
  }
}

/** What executed proposals and resolutions move out of the treasury (issue 17). A grant leaves `free` when made and reaches the account when claimed. */
function treasuryMove(rows: Rows, event: EventOf<'TreasuryTransferred' | 'TreasuryGranted' | 'TreasuryGrantClaimed' | 'RewardPoolReturned' | 'SlashReversed' | 'UsageRefunded'>, envelope: Envelope): void {
  const { amount } = event.data
  switch (event.type) {
    case 'TreasuryGranted':
      return treasury(rows, (tr) => ({ ...tr, free: tr.free - amount }))
    case 'RewardPoolReturned':
      return treasury(rows, (tr) => ({ ...tr, free: tr.free + amount, escrowed: tr.escrowed - amount }))
    case 'TreasuryGrantClaimed':
      return account(rows, envelope, event.data.to, (a) => ({ open: a.open + amount }))
    default: {
      const to = event.type === 'TreasuryTransferred' ? event.data.to : event.type === 'SlashReversed' ? event.data.account : event.data.consumer
      account(rows, envelope, to, (a) => ({ open: a.open + amount }))
      return treasury(rows, (tr) => ({ ...tr, free: tr.free - amount }))
    }
  }
}

/** The money side of deployments, as domain/deployment/evolve.ts moves it. */
function usage(rows: Rows, event: EventOf<'UsageEscrowDeposited' | 'UsageEscrowWithdrawalScheduled' | 'UsageEscrowWithdrawn' | 'UsageCharged' | 'UsageRecorded'>, envelope: Envelope): void {
  switch (event.type) {
    case 'UsageEscrowDeposited':
      return account(rows, envelope, event.data.account, (a) => ({ open: a.open - event.data.amount, usageEscrow: a.usageEscrow + event.data.amount }))
    case 'UsageEscrowWithdrawalScheduled':
      return account(rows, envelope, event.data.account, () => ({ usageEscrowWithdrawing: event.data.amount, usageEscrowWithdrawableAt: event.data.dueAt }))
    case 'UsageEscrowWithdrawn':
      return account(rows, envelope, event.data.account, (a) => ({
        open: a.open + event.data.amount,
        usageEscrow: a.usageEscrow - event.data.amount,
        usageEscrowWithdrawing: 0n,
        usageEscrowWithdrawableAt: null,
      }))
    case 'UsageCharged':
      return account(rows, envelope, event.data.consumer, (a) => ({ usageEscrow: a.usageEscrow - event.data.amount }))
    case 'UsageRecorded':
      for (const p of event.data.payouts) account(rows, envelope, p.account, (a) => ({ open: a.open + p.amount }))
      return treasury(rows, (tr) => ({ ...tr, free: tr.free + event.data.shares.treasury }))
  }
}

export const accountsProjection: Projection<AccountsRow, Event> = {
  name: 'accounts',
  // 2: EscrowPaid credits OPEN and draws down the treasury's escrow.
  // 3: usageEscrow, and the deployments' escrow moves and fee payouts.
  // 4: scheduled usage escrow withdrawals.
  // 5: treasury transfers and grants, returned reward pools, reversed slashes and usage refunds (issue 17).
  version: 5,
  filter: economyEvents(TYPES),
  init: [],
  apply: applyWith(applyEvent),
  ...rowCodec('accounts', AccountsRowC),
}
