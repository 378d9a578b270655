/** Executable proposals that reach the economy: deployments and mandates, all or nothing. */
import { describe, expect, it } from 'vitest'
import type { ProposalAction } from '../../../domain/governance/actions.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { circulating } from '../../../domain/governance/state.js'
import { unreserved } from '../../../domain/rewards/pools.js'
import { enacted, cmd as gov } from '../governance/fixtures.js'
import { CAROL, dcmd, deployed, espec, MANDATE, type EStep } from '../deployment/fixtures.js'
import { ecmd, POOL } from '../datanets/fixtures.js'

const { history, deploymentId, grantId } = deployed()
const ready = (actions: readonly ProposalAction[], before: EStep[] = history) => enacted(before, actions, (steps: EStep[]) => espec.play(steps))
const executed = (r: { steps: EStep[]; proposalId: string }): EStep[] => [...r.steps, { command: gov.execute(CAROL, r.proposalId) }]
const now = (steps: EStep[]): string => new Date(espec.play(steps).now).toISOString()
const RUBRIC = { metric: 'rougeL', threshold: 0.5, direction: 'maximize' as const }

describe('deployment actions', () => {
  const suspend = ready([{ kind: 'suspend-deployment', deploymentId, reason: 'serves a model trained on withdrawn data' }])
  const suspended = executed(suspend)

  it('suspends: the deployment takes on nothing new', () => {
    const events = espec.given(...suspend.steps).when(gov.execute(CAROL, suspend.proposalId)).events()
    expect(events[1]).toEqual({ type: 'DeploymentSuspended', data: { deploymentId, reason: 'serves a model trained on withdrawn data' } })
    expect(espec.play(suspended).state.deployment.deployments.get(deploymentId)?.status).toBe('suspended')
    espec.given(...suspended).when(dcmd.grant(deploymentId, { keyHash: 'a1'.repeat(32) })).thenFails('deployment-suspended')
  })

  it('a suspended deployment still lets a consumer revoke, and records usage already served', () => {
    expect(espec.given(...suspended).when(dcmd.revoke(deploymentId, grantId, 'b2'.repeat(32))).events()[0]?.type).toBe('AccessRevoked')
    const usage = dcmd.usage(deploymentId, [{ requestId: 'late-1', grantId, inputTokens: 100, outputTokens: 100, at: now(suspend.queued) }])
    expect(espec.given(...suspended).when(usage).events()[0]?.type).toBe('UsageRecorded')
  })

  it('resumes only a suspended deployment', () => {
    const resume = ready([{ kind: 'resume-deployment', deploymentId, reason: 'retrained without the item' }], suspended)
    const events = espec.given(...resume.steps).when(gov.execute(CAROL, resume.proposalId)).events()
    expect(events[1]).toEqual({ type: 'DeploymentResumed', data: { deploymentId, reason: 'retrained without the item' } })
    const again = ready([{ kind: 'resume-deployment', deploymentId, reason: 'twice' }])
    espec.given(...again.steps).when(gov.execute(CAROL, again.proposalId)).thenFails('deployment-not-suspended')
  })

  it('retires; a retired deployment takes no further action', () => {
    const retire = ready([{ kind: 'retire-deployment', deploymentId, reason: 'unsafe outputs' }])
    const retired = executed(retire)
    expect(espec.play(retired).state.deployment.deployments.get(deploymentId)?.status).toBe('retired')
    const after = ready([{ kind: 'suspend-deployment', deploymentId, reason: 'too late' }], retired)
    espec.given(...after.steps).when(gov.execute(CAROL, after.proposalId)).thenFails('deployment-retired')
  })

  it('an unknown deployment fails the proposal, and the action before it with it', () => {
    const bad = ready([{ kind: 'suspend-deployment', deploymentId, reason: 'first' }, { kind: 'retire-deployment', deploymentId: 'ab'.repeat(32), reason: 'second' }])
    espec.given(...bad.steps).when(gov.execute(CAROL, bad.proposalId)).thenFails('unknown-deployment')
    expect(espec.play(bad.steps).state.deployment.deployments.get(deploymentId)?.status).toBe('active')
  })
})

describe('amending a mandate', () => {
  const amend = (rewardPool: bigint, before: EStep[] = history) =>
    ready([{ kind: 'amend-mandate', mandateId: MANDATE, rubric: RUBRIC, datasetRequirements: ['de-identified notes, 20k+'], rewardPool }], before)

  it('replaces the rubric and data needs; a larger pool is escrowed from the treasury', () => {
    const r = amend(POOL + tokens(5_000))
    const events = espec.given(...r.steps).when(gov.execute(CAROL, r.proposalId)).events()
    expect(events.slice(1, 3)).toEqual([
      { type: 'MandateAmended', data: { proposalId: r.proposalId, mandateId: MANDATE, rubric: RUBRIC, datasetRequirements: ['de-identified notes, 20k+'], rewardPool: POOL + tokens(5_000) } },
      { type: 'RewardPoolEscrowed', data: { mandateId: MANDATE, amount: tokens(5_000) } },
    ])
    const t = espec.play(executed(r))
    expect(t.state.governance.mandates.get(MANDATE)).toMatchObject({ rubric: RUBRIC, rewardPool: POOL + tokens(5_000) })
    expect(circulating(t.state.governance)).toBe(t.state.governance.genesis?.supply)
  })

  it('evaluations from then on are judged by the new rubric', () => {
    const t = espec.play(executed(amend(POOL)))
    expect(t.state.governance.mandates.get(MANDATE)?.rubric.threshold).toBe(0.5)
  })

  it('a smaller pool returns unpromised escrow to the treasury', () => {
    const r = amend(POOL - tokens(10_000))
    const before = espec.play(r.steps).state.governance.treasury
    const t = espec.play(executed(r))
    expect(t.state.governance.treasury).toBe(before + tokens(10_000))
    expect(circulating(t.state.governance)).toBe(t.state.governance.genesis?.supply)
  })

  it('never escrow promised to an open round', () => {
    const withRound: EStep[] = [...history, { command: ecmd.round(2, tokens(1_000)) }]
    const free = unreserved(espec.play(withRound).state, MANDATE)
    const shrink = free + 1n
    const mandate = espec.play(withRound).state.governance.mandates.get(MANDATE)
    const r = amend((mandate?.rewardPool ?? 0n) - shrink, withRound)
    espec.given(...r.steps).when(gov.execute(CAROL, r.proposalId)).thenFails('pool-below-committed')
  })

  it('an unknown mandate is refused', () => {
    const r = ready([{ kind: 'amend-mandate', mandateId: 'cd'.repeat(32), rubric: RUBRIC, datasetRequirements: [], rewardPool: 0n }])
    espec.given(...r.steps).when(gov.execute(CAROL, r.proposalId)).thenFails('unknown-mandate')
  })
})
