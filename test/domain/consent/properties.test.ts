/**
 * Consent over random histories in which anyone withdraws contributions, time passes, the operator
 * records usage (dated now or days back), strangers try to suspend, roll back and upgrade, and
 * the proposer retrains on the latest version. An oracle written from the recorded events alone
 * (versions, jobs, what each deployment served when, withdrawals) checks that no usage is charged
 * for a checkpoint served past its retrain deadline, that suspensions happen only past it, that
 * every deployment serving withdrawn data was flagged, that no job trains on withdrawn data; and
 * that none of these rules moves money, with OPEN conserved at every step.
 */
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decideAndRecord, type Recorded } from '../../../domain/decider.js'
import { economyDecider } from '../../../domain/economy/decider.js'
import type { EconomyEvent } from '../../../domain/economy/events.js'
import type { EconomyState } from '../../../domain/economy/state.js'
import { circulating } from '../../../domain/governance/state.js'
import { checkpointRoot } from '../../../domain/training/checkpoint.js'
import { hashFor } from '../decider-spec.js'
import { ecmd, LEDGER, MANDATE } from '../datanets/fixtures.js'
import { ALICE, attestedSteps, BOB, CAROL, dcmd, DAVE, DAY, deployed, espec, ROOT_1, TRAINER, type ECmd, type EStep } from '../deployment/fixtures.js'
import { requestOn, RETRAIN_DAYS, suspend, upgradeTo } from './fixtures.js'

const base = deployed()
const start = espec.play(base.history)
const ANYONE = fc.constantFrom(ALICE, BOB, CAROL, DAVE)

type Action =
  | { kind: 'revoke'; content: 'a' | 'b'; by: string }
  | { kind: 'advance'; days: number }
  | { kind: 'usage'; id: number; daysBack: number }
  | { kind: 'suspend' | 'rollback' | 'upgrade'; by: string }
  | { kind: 'retrain' }

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  // Mostly the contributor (Alice wrote a, Bob b), sometimes a stranger, who must be refused.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('a' as const, 'b' as const), fc.option(ANYONE, { freq: 4 })).map(([content, by]): Action => ({ kind: 'revoke', content, by: by ?? (content === 'a' ? ALICE : BOB) })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.constantFrom(1, 6, 15, 31, 31) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('usage' as const), id: fc.nat(10_000), daysBack: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('suspend' as const, 'rollback' as const, 'upgrade' as const), by: ANYONE }) },
  { weight: 2, arbitrary: fc.constant<Action>({ kind: 'retrain' }) },
)

interface World {
  state: EconomyState
  now: number
  commands: number
  log: Recorded<EconomyEvent>[]
  actors: Map<number, string>
  jobs: string[]
}

type Make = (w: World) => ECmd | undefined

/** A retraining on the latest sealed version, sealing one first when it can: each command made when its turn comes. */
function retrainCommands(): Make[] {
  let files: { path: string; sha256: string; bytes: number }[] = []
  const job = (w: World) => w.jobs.at(-1) ?? ''
  const root = () => checkpointRoot(files)
  return [
    () => ecmd.seal(),
    (w) => {
      files = [{ path: 'model.json', sha256: (w.jobs.length + 3).toString(16).padStart(64, '0'), bytes: w.jobs.length + 3 }]
      return requestOn(w.state.data.datanets.get(MANDATE)?.versions ?? 1)
    },
    (w) => dcmd.claim(job(w)),
    (w) => dcmd.checkpoint(job(w), 1, files, root()),
    (w) => dcmd.evaluate(job(w), 0.7),
    (w) => ({ type: 'CompleteTraining', actor: TRAINER, payload: { jobId: job(w), finalCheckpoint: root() } }),
    ...[0, 1, 2].map((i): Make => (w) => { const s = attestedSteps(job(w), root(), 0.7)[i]; return s !== undefined && 'command' in s ? s.command : undefined }),
  ]
}

function commandsOf(a: Action): Make[] {
  const { deploymentId, grantId, jobId } = base
  switch (a.kind) {
    case 'revoke':
      return [() => ({ ...ecmd.revoke(a.content), actor: a.by })]
    case 'usage':
      // Dated now or up to six days back, never before the grant was accepted.
      return [(w) => dcmd.usage(deploymentId, [{ requestId: `r${a.id}`, grantId, inputTokens: 10, outputTokens: 10, at: new Date(Math.max(start.now, w.now - a.daysBack * DAY)).toISOString() }])]
    case 'suspend':
      return [() => suspend(deploymentId, a.by)]
    case 'rollback':
      return [() => ({ ...dcmd.rollback(deploymentId, jobId, ROOT_1), actor: a.by })]
    case 'upgrade':
      return [
        (w) => {
          const latest = w.jobs.at(-1)
          const root = latest === undefined ? undefined : w.state.training.jobs.get(latest)?.checkpoints.at(-1)?.root
          return latest === undefined || root === undefined ? undefined : upgradeTo(deploymentId, latest, root, a.by)
        },
      ]
    case 'retrain':
      return retrainCommands()
    case 'advance':
      return []
  }
}

function holdings(state: EconomyState, key: string): bigint {
  const account = state.governance.accounts.get(key)
  let total = (account?.open ?? 0n) + (state.governance.usageEscrow.get(key) ?? 0n)
  for (const stake of account?.stakes.values() ?? []) total += stake.amount
  return total
}

/** The oracle: what the log says, folded without the consent rules. */
function oracle(log: readonly Recorded<EconomyEvent>[]) {
  const members = new Map<number, string[]>()
  const jobVersion = new Map<string, number>()
  const revokedAt = new Map<string, number>()
  const revokedSeq = new Map<string, number>()
  const served = new Map<string, { jobId: string; checkpoint: string; at: number }[]>()
  const put = (d: string, s: { jobId: string; checkpoint: string; at: number }) => served.set(d, [...(served.get(d) ?? []), s])
  for (const { event, recordedAt, sequence } of log) {
    const at = Date.parse(recordedAt)
    if (event.type === 'DatasetVersionSealed') members.set(event.data.version, event.data.contributions)
    if (event.type === 'TrainingRequested') jobVersion.set(event.data.jobId, event.data.datasetVersion)
    if (event.type === 'ContributionRevoked') {
      revokedAt.set(event.data.contributionId, at)
      revokedSeq.set(event.data.contributionId, sequence)
    }
    if (event.type === 'ModelDeployed') put(event.data.deploymentId, { jobId: event.data.jobId, checkpoint: event.data.checkpoint, at })
    if (event.type === 'DeploymentRolledBack' || event.type === 'DeploymentUpgraded') put(event.data.deploymentId, { ...event.data.to, at })
  }
  /** The earliest withdrawal from a job's version, if any. */
  const withdrawnSince = (jobId: string): number | undefined => {
    const times = (members.get(jobVersion.get(jobId) ?? 0) ?? []).flatMap((c) => (revokedAt.has(c) ? [revokedAt.get(c) as number] : []))
    return times.length === 0 ? undefined : Math.min(...times)
  }
  const servedAt = (d: string, at: number) => (served.get(d) ?? []).filter((s) => s.at <= at).at(-1) ?? served.get(d)?.[0]
  const breached = (d: string, at: number): boolean => {
    const s = servedAt(d, at)
    const since = s === undefined ? undefined : withdrawnSince(s.jobId)
    return since !== undefined && at >= since + RETRAIN_DAYS * DAY
  }
  return { withdrawnSince, servedAt, breached, members, revokedSeq }
}

function run(actions: readonly Action[]): World {
  const w: World = { state: start.state, now: start.now, commands: start.commands, log: [], actors: new Map(), jobs: [] }
  for (const a of actions) {
    if (a.kind === 'advance') w.now += a.days * DAY
    for (const make of commandsOf(a)) {
      const command = make(w)
      if (command === undefined) continue
      const ctx = { recordedAt: new Date(w.now).toISOString(), commandHash: hashFor(++w.commands), ledgerKey: LEDGER, issuedAt: new Date(w.now).toISOString() }
      const outcome = decideAndRecord(economyDecider, w.state, command, ctx, start.sequence + w.log.length + 1)
      if (isLeft(outcome)) continue
      const after = outcome.right.state
      expect(circulating(after.governance)).toBe(after.governance.genesis?.supply)
      // These rules move no money: a withdrawal, a flag, a suspension or an upgrade leaves every balance as it was.
      if (['RevokeContribution', 'SuspendForConsent', 'UpgradeDeployment'].includes(command.type)) {
        for (const key of [ALICE, BOB, CAROL, DAVE]) expect(holdings(after, key)).toBe(holdings(w.state, key))
      }
      for (const r of outcome.right.recorded) if (r.event.type === 'TrainingRequested') w.jobs.push(r.event.data.jobId)
      w.log.push(...outcome.right.recorded)
      w.state = after
    }
  }
  return w
}

describe('consent that reaches models, over random histories', () => {
  it('charges no usage past a retrain deadline, suspends only past it, flags every deployment on withdrawn data, trains on none', () => {
    let suspensions = 0
    let refusedLate = 0
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 1, maxLength: 40 }), (actions) => {
        const w = run(actions)
        const o = oracle([...BASE_LOG, ...w.log])
        for (const { event, recordedAt, sequence } of w.log) {
          const at = Date.parse(recordedAt)
          if (event.type === 'UsageRecorded') for (const r of event.data.receipts) expect(o.breached(event.data.deploymentId, Date.parse(r.at)), `receipt ${r.requestId} charged past the deadline`).toBe(false)
          if (event.type === 'DeploymentSuspendedForConsent') {
            suspensions++
            expect(o.breached(event.data.deploymentId, at)).toBe(true)
          }
          if (event.type === 'TrainingRequested') {
            const held = (o.members.get(event.data.datasetVersion) ?? []).filter((c) => (o.revokedSeq.get(c) ?? Infinity) < sequence)
            expect(held, 'a job trains on withdrawn data').toEqual([])
          }
        }
        // Every deployment serving withdrawn data now was flagged with that checkpoint.
        const flagged = new Set(w.log.flatMap(({ event }) => (event.type === 'ConsentWithdrawalFlagged' ? event.data.deployments.map((d) => `${d.deploymentId}:${d.checkpoint}`) : [])))
        const now = o.servedAt(base.deploymentId, w.now)
        const retired = w.state.deployment.deployments.get(base.deploymentId)?.status === 'retired'
        if (now !== undefined && !retired && o.withdrawnSince(now.jobId) !== undefined) expect(flagged.has(`${base.deploymentId}:${now.checkpoint}`)).toBe(true)
        // The adversary's late receipts: the decider refuses what the oracle says is past the deadline.
        const last = w.state
        const late = { requestId: 'late', grantId: base.grantId, inputTokens: 1, outputTokens: 1, at: new Date(w.now).toISOString() }
        if (o.breached(base.deploymentId, w.now)) {
          const ctx = { recordedAt: late.at, commandHash: hashFor(w.commands + 1), ledgerKey: LEDGER, issuedAt: late.at }
          const refused = economyDecider.decide(dcmd.usage(base.deploymentId, [late]), last, ctx)
          expect(isLeft(refused) && refused.left.code).toBe('consent-deadline-passed')
          refusedLate++
        }
      }),
      { numRuns: 60 },
    )
    expect(suspensions).toBeGreaterThan(0)
    expect(refusedLate).toBeGreaterThan(0)
  })
})

/** The deployed fixture's own events, recorded as the spec helper records them: the oracle needs the versions and the deployment. */
function replayBase(): Recorded<EconomyEvent>[] {
  const log: Recorded<EconomyEvent>[] = []
  let state = economyDecider.initialState
  let now = Date.UTC(2026, 0, 1)
  let n = 0
  for (const step of base.history as EStep[]) {
    if ('advance' in step) {
      now += step.advance
      continue
    }
    if (!('command' in step)) continue
    const ctx = { recordedAt: new Date(now).toISOString(), commandHash: hashFor(++n), ledgerKey: LEDGER, issuedAt: new Date(now).toISOString() }
    const outcome = decideAndRecord(economyDecider, state, step.command, ctx, log.length + 1)
    if (isLeft(outcome)) throw new Error(`fixture refused: ${outcome.left.code}`)
    state = outcome.right.state
    log.push(...outcome.right.recorded)
  }
  return log
}


const BASE_LOG = replayBase()
