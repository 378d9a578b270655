/**
 * What an executable proposal does when it passes and its timelock ends: a list of actions,
 * executed in order and atomically (all of them or none). The codecs are the exact shapes; the
 * rules that execute them are in deciders/actions.ts (governance's own) and
 * domain/economy/actions.ts (deployments, appeals and disputes).
 */
import * as t from 'io-ts'
import { closed, Hex32, JsonValueC, Timestamp } from '../codec.js'
import { AmountC, PositiveAmountC } from './amounts.js'
import { PARAMETER_BOUNDS } from './parameters.js'
import { KeyC, LabelC, ProposalIdC, RubricC, TextC } from './values.js'

const action = <K extends string, P extends t.Props>(kind: K, props: P) => closed({ kind: t.literal(kind), ...props }, kind)

export const ParameterNameC = t.keyof(PARAMETER_BOUNDS, 'ParameterName')

/** Sets one parameter (docs/governance.md lists them with their bounds); the value is JSON as in the genesis. */
export const ChangeParameterC = action('change-parameter', { name: ParameterNameC, value: JsonValueC })
/** Pays free treasury OPEN to an account at once. */
export const TransferTreasuryC = action('transfer-treasury', { to: KeyC, amount: PositiveAmountC, memo: LabelC })
/** Sets treasury OPEN aside for an account, which it may claim from `vestsAt` on (ClaimTreasuryGrant). */
export const GrantTreasuryC = action('grant-treasury', { to: KeyC, amount: PositiveAmountC, vestsAt: Timestamp, memo: LabelC })
/** Names the guardian, who may cancel any proposal before it executes; null removes the role. */
export const SetGuardianC = action('set-guardian', { guardian: t.union([KeyC, t.null]) })
export const RetireDeploymentActionC = action('retire-deployment', { deploymentId: Hex32, reason: LabelC })
/** A suspended deployment serves nothing and grants nothing until resumed; usage already served may still be recorded. */
export const SuspendDeploymentC = action('suspend-deployment', { deploymentId: Hex32, reason: LabelC })
export const ResumeDeploymentC = action('resume-deployment', { deploymentId: Hex32, reason: LabelC })
/** Replaces a mandate's rubric, data needs and reward pool; the escrow follows the pool. */
export const AmendMandateC = action('amend-mandate', {
  mandateId: ProposalIdC,
  rubric: RubricC,
  datasetRequirements: t.array(TextC),
  rewardPool: AmountC,
})
export const ResolveAppealC = action('resolve-appeal', { appealId: Hex32, upheld: t.boolean, reason: TextC })
export const ResolveDisputeC = action('resolve-dispute', { disputeId: Hex32, upheld: t.boolean, reason: TextC })

export const ProposalActionC = t.union(
  [
    ChangeParameterC,
    TransferTreasuryC,
    GrantTreasuryC,
    SetGuardianC,
    RetireDeploymentActionC,
    SuspendDeploymentC,
    ResumeDeploymentC,
    AmendMandateC,
    ResolveAppealC,
    ResolveDisputeC,
  ],
  'ProposalAction',
)
export type ProposalAction = t.TypeOf<typeof ProposalActionC>
export type ActionOf<K extends ProposalAction['kind']> = Extract<ProposalAction, { kind: K }>

/** The most actions one proposal may carry: enough for a package of changes, few enough to read. */
export const MAX_ACTIONS = 16

export const ActionsC = new t.Type<readonly ProposalAction[], unknown[], unknown>(
  `ProposalActions (1-${MAX_ACTIONS})`,
  (u): u is readonly ProposalAction[] => Array.isArray(u) && u.length >= 1 && u.length <= MAX_ACTIONS && u.every((a) => ProposalActionC.is(a)),
  (u, c) => {
    if (!Array.isArray(u) || u.length < 1 || u.length > MAX_ACTIONS) return t.failure(u, c, `expected 1 to ${MAX_ACTIONS} actions`)
    return t.array(ProposalActionC).validate(u, c)
  },
  (actions) => actions.map((a) => ProposalActionC.encode(a)),
)

