/** Datanets: open one for a mandate, submit contributions within its rules, revoke, seal versions. */
import { right, type Either } from 'fp-ts/lib/Either.js'
import type { DecisionContext } from '../decider.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomicsParams } from '../economy/params.js'
import type { EconomyState } from '../economy/state.js'
import { accountOf } from '../governance/state.js'
import { now } from '../governance/time.js'
import type { DataCommand } from './commands.js'
import { contributionIdOf } from './ids.js'
import { usageKey, type Datanet } from './state.js'
import { sealVersion } from './version.js'
import { withdrawalFlagged } from '../consent/decide.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends DataCommand['type']> = Extract<DataCommand, { type: T }>

function open(command: Cmd<'OpenDatanet'>, state: EconomyState, params: EconomicsParams): Result {
  const { mandateId, mediaTypes, licences } = command.payload
  const mandate = state.governance.mandates.get(mandateId)
  if (mandate === undefined) return refuse('unknown-mandate', 'no such mandate', { mandateId })
  const proposer = state.governance.proposals.get(mandate.proposalId)?.proposer
  if (proposer !== command.actor) return refuse('not-mandate-proposer', 'only the mandate’s proposer opens its datanet')
  if (state.data.datanets.has(mandateId)) return refuse('datanet-exists', 'this mandate already has its datanet')
  const { maxItemBytes, maxBytesPerDay, maxItemsPerDay } = params
  const limits = { maxItemBytes, maxBytesPerDay, maxItemsPerDay }
  return right([{ type: 'DatanetOpened', data: { datanetId: mandateId, mandateId, opener: command.actor, mediaTypes, licences, limits } }])
}

function withinRules(p: Cmd<'SubmitContribution'>['payload'], datanet: Datanet, state: EconomyState, actor: string, at: number): Result | undefined {
  if (!datanet.mediaTypes.includes(p.mediaType)) return refuse('media-type-not-allowed', `${p.mediaType} is not accepted here`)
  if (!datanet.licences.includes(p.licence)) return refuse('licence-not-allowed', `${p.licence} is not on the licence allow-list`)
  const { limits } = datanet
  if (p.byteLength > limits.maxItemBytes) return refuse('item-too-large', `an item is at most ${limits.maxItemBytes} bytes`)
  const used = state.data.usage.get(usageKey(actor, at)) ?? { bytes: 0, items: 0 }
  if (used.items + 1 > limits.maxItemsPerDay || used.bytes + p.byteLength > limits.maxBytesPerDay) {
    return refuse('daily-limit', 'over the per-contributor daily limit (UTC day)', { items: used.items, bytes: used.bytes })
  }
  return undefined
}

function submit(command: Cmd<'SubmitContribution'>, state: EconomyState, params: EconomicsParams, at: number): Result {
  const p = command.payload
  const datanet = state.data.datanets.get(p.datanetId)
  if (datanet === undefined) return refuse('unknown-datanet', 'no such datanet', { datanetId: p.datanetId })
  const contributionId = contributionIdOf(p.datanetId, p.contentHash)
  if (state.data.contributions.has(contributionId)) return refuse('duplicate-content', 'this content is already in the datanet', { contributionId })
  const problem = withinRules(p, datanet, state, command.actor, at)
  if (problem !== undefined) return problem
  const account = accountOf(state.governance, command.actor)
  const bond = p.bond ? params.contributionBond : 0n
  if (account.open < bond) return refuse('insufficient-open', `the bond needs ${bond} base units of OPEN`, { have: account.open.toString() })
  const bondStakeId = bond > 0n ? account.nextStakeId : null
  const { datanetId, contentHash, byteLength, mediaType, licence, metadata } = p
  const events: EconomyEvent[] = [
    { type: 'ContributionSubmitted', data: { contributionId, datanetId, contributor: command.actor, contentHash, byteLength, mediaType, licence, metadata, bond, bondStakeId } },
  ]
  if (bondStakeId !== null) {
    events.push({ type: 'StakeLocked', data: { account: command.actor, stakeId: bondStakeId, purpose: 'bond', amount: bond, proposalId: null } })
  }
  return right(events)
}

function revoke(command: Cmd<'RevokeContribution'>, state: EconomyState, at: number): Result {
  const c = state.data.contributions.get(command.payload.contributionId)
  if (c === undefined) return refuse('unknown-contribution', 'no such contribution')
  if (c.contributor !== command.actor) return refuse('not-contributor', 'only the contributor withdraws consent')
  if (c.revoked) return refuse('already-revoked', 'consent was already withdrawn')
  // The withdrawal reaches every model trained on it: the versions, jobs and deployments it flags (domain/consent).
  return right([{ type: 'ContributionRevoked', data: { contributionId: c.id, datanetId: c.datanetId } }, ...withdrawalFlagged(state, c.id, c.datanetId, at)])
}

export function decideDatanet(command: Cmd<'OpenDatanet' | 'SubmitContribution' | 'RevokeContribution' | 'SealDatasetVersion'>, state: EconomyState, params: EconomicsParams, ctx: DecisionContext): Result {
  switch (command.type) {
    case 'OpenDatanet':
      return open(command, state, params)
    case 'SubmitContribution':
      return submit(command, state, params, now(ctx))
    case 'RevokeContribution':
      return revoke(command, state, now(ctx))
    case 'SealDatasetVersion':
      return sealVersion(command.payload.datanetId, state)
  }
}
