/**
 * The training, model registry, usage and accounts read models over a model's whole life on
 * SQLite: kept live while the story is told, they equal a rebuild byte for byte; their rows say
 * what the log says (the registry has a history row for every change); accounts agree with the
 * economy vertical's own fold; and as of any sequence they equal a replay cut there, so "which
 * checkpoint was deployed, with which data, at sequence N" has an answer before and after the rollback.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { feeOf } from '../../../domain/deployment/values.js'
import { economy, type EconomyState } from '../../../domain/economy/index.js'
import { stakedOf } from '../../../domain/governance/state.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { foldFromZero } from '../../../projections/fold.js'
import { foldAt } from '../../../projections/point-in-time.js'
import { accountKey, accountsProjection, TREASURY_KEY } from '../../../projections/read-models/accounts.js'
import { deploymentKey, historyPrefix, modelKey, modelsProjection, type ModelsRow } from '../../../projections/read-models/models.js'
import { attributionKey, jobKey, trainingProjection, type TrainingRow } from '../../../projections/read-models/training.js'
import { escrowKey, usageKey, usageProjection, type UsageRow } from '../../../projections/read-models/usage.js'
import type { AnyProjection } from '../../../projections/projection.js'
import { createRunner } from '../../../projections/runner.js'
import { createSqliteReadModelStore } from '../../../projections/store/sqlite-store.js'
import { storedRows } from '../../../projections/table.js'
import { textHash } from '../../../domain/economy/hash.js'
import { arrayLog, collect, tempDir } from '../support.js'
import { DAVE, EVE, keyOf, openDriver, PRICING, tellStory, type Driver, type Story } from '../story.js'

const { dir, cleanup } = tempDir('model-lifecycle-')
const MODELS = [trainingProjection, modelsProjection, usageProjection, accountsProjection] as readonly AnyProjection[]

let d: Driver
let story: Story
let log: Envelope[]
const live = new Map<string, { key: string; json: string }[]>()

beforeAll(async () => {
  d = await openDriver(join(dir, 'ledger.db'))
  const rowStore = createSqliteReadModelStore(join(dir, 'projections.db'))
  // Small batches and a short flush: the runners write many times while the story is told.
  const runners = MODELS.map((p) => createRunner(d.store, rowStore, p, { batchSize: 5, flushAfterMs: 2 }))
  await Promise.all(runners.map((r) => r.start()))
  story = await tellStory(d)
  await d.store.sealAnchor()
  const head = await d.head()
  await Promise.all(runners.map((r) => r.reached(head)))
  await Promise.all(runners.map((r) => r.stop()))
  for (const p of MODELS) live.set(p.name, await rowStore.rows(p.name))
  await rowStore.close()
  log = await collect(d.store.readAll())
}, 60_000)
afterAll(async () => {
  await d.store.close()
  cleanup()
})

async function rows<V>(projection: AnyProjection, sequence?: number): Promise<Map<string, V>> {
  const folded = sequence === undefined ? await foldFromZero(d.store, projection) : await foldAt(d.store, projection, { sequence })
  return folded.table.rows as Map<string, V>
}

function kind<R extends { kind: string }, K extends R['kind']>(table: Map<string, R>, key: string, k: K): Extract<R, { kind: K }> {
  const row = table.get(key)
  if (row?.kind !== k) throw new Error(`no ${k} row at ${key}`)
  return row as Extract<R, { kind: K }>
}

describe('read models of training, the model registry and usage', () => {
  it('kept live while the log grew, equal a rebuild from zero byte for byte', async () => {
    for (const projection of MODELS) {
      const rebuilt = storedRows(projection, (await foldFromZero(d.store, projection)).table)
      expect(rebuilt.length, projection.name).toBeGreaterThan(3)
      expect(live.get(projection.name), projection.name).toEqual(rebuilt)
    }
  })

  it('training: the job with its lease, progress and checkpoints; each evaluation with the checkpoint it judged', async () => {
    const t = await rows<TrainingRow>(trainingProjection)
    const job = kind(t, jobKey(story.jobId), 'job')
    expect(job).toMatchObject({ status: 'completed', trainer: keyOf(DAVE), claims: 1, manifestHash: textHash('manifest'), executor: 'reference', seed: 7, evaluations: 2 })
    expect(job.progress).toMatchObject({ step: 5, totalSteps: 20, metrics: { loss: 0.9 } })
    expect(job.checkpoints.map((k) => [k.root, k.step])).toEqual([[story.checkpoints[0], 10], [story.checkpoints[1], 20]])
    expect(job.finalCheckpoint).toBe(story.checkpoints[1])
    const checkpoints = [...t.values()].filter((r) => r.kind === 'checkpoint')
    expect(checkpoints.map((k) => k.kind === 'checkpoint' && [k.root, k.step, k.totalBytes])).toEqual([[story.checkpoints[0], 10, 4216], [story.checkpoints[1], 20, 4216]])
    const evaluations = [...t.values()].filter((r) => r.kind === 'evaluation')
    expect(evaluations.map((e) => e.kind === 'evaluation' && [e.checkpoint, e.value, e.passed])).toEqual([[story.checkpoints[0], 0.5, true], [story.checkpoints[1], 0.55, true]])
    expect(kind(t, attributionKey(story.jobId), 'attribution')).toMatchObject({ method: 'leave-one-out', scores: 3, total: 1_000_000, recorded: 1, top: [{ contributionId: story.inVersion[0], score: 500_000 }, expect.anything(), expect.anything()] })
    expect(kind(t, jobKey(story.failedJobId), 'job')).toMatchObject({ status: 'failed', failure: 'out of memory', checkpoints: [] })
  })

  it('models: the registry tree, and a history row for every change at the sequence of its event', async () => {
    const m = await rows<ModelsRow>(modelsProjection)
    const model = kind(m, modelKey(story.mandateId), 'model')
    expect(model.versions.map((v) => [v.version, v.jobs.map((j) => [j.jobId, j.status])])).toEqual([[1, [[story.jobId, 'completed'], [story.failedJobId, 'failed']]]])
    const [first, second] = model.versions[0]?.jobs[0]?.checkpoints ?? []
    expect(first).toMatchObject({ root: story.checkpoints[0], evaluations: [{ passed: true, value: 0.5 }], deployments: [story.deploymentId] })
    expect(second).toMatchObject({ root: story.checkpoints[1], evaluations: [{ passed: true, value: 0.55 }], deployments: [story.deploymentId] })
    expect(model.deployments).toEqual([{ deploymentId: story.deploymentId, status: 'retired', jobId: story.jobId, checkpoint: story.checkpoints[0], since: story.marks.rolledBack }])

    const history = [...m.entries()].filter(([key]) => key.startsWith(historyPrefix(story.mandateId))).map(([, row]) => row)
    expect(history.map((h) => h.kind === 'history' && h.change)).toEqual([
      'mandate-issued', 'job-requested', 'job-claimed', 'checkpoint-recorded', 'evaluation-recorded', 'checkpoint-recorded', 'evaluation-recorded', 'attribution-recorded',
      'job-completed', 'job-requested', 'job-claimed', 'job-failed', 'deployed', 'access-granted', 'rolled-back', 'consent-withdrawn', 'access-revoked', 'retired',
    ])
    expect(model.changes).toBe(history.length)
    const changing = new Set(['MandateIssued', 'TrainingRequested', 'TrainingJobClaimed', 'CheckpointRecorded', 'EvaluationRecorded', 'AttributionRecorded', 'TrainingCompleted', 'TrainingFailed', 'ModelDeployed', 'AccessGranted', 'AccessRevoked', 'DeploymentRolledBack', 'DeploymentRetired', 'ConsentWithdrawalFlagged'])
    expect(history.map((h) => h.kind === 'history' && h.sequence)).toEqual(log.filter((e) => changing.has(e.type)).map((e) => e.sequence))

    const deployment = kind(m, deploymentKey(story.deploymentId), 'deployment')
    expect(deployment.served.map((s) => [s.checkpoint, s.since, s.until, s.reason])).toEqual([
      [story.checkpoints[1], story.marks.deployed, story.marks.rolledBack, null],
      [story.checkpoints[0], story.marks.rolledBack, story.marks.retired, 'summaries regressed'],
    ])
    expect(deployment).toMatchObject({ status: 'retired', grants: 1, revokedGrants: 1, retired: { sequence: story.marks.retired, reason: 'superseded' }, operator: keyOf(DAVE) })
    // The withdrawal reached the model: version 1 lists it, every checkpoint trained on it is flagged, and so was the deployment serving one.
    expect(model.versions[0]?.withdrawn).toEqual([story.revoked])
    expect(model.versions[0]?.jobs.flatMap((j) => j.checkpoints.map((k) => k.consent))).toEqual(['withdrawn', 'withdrawn'])
    expect(deployment.consent).toMatchObject({ status: 'revoked', contributions: [story.revoked] })
    expect(Date.parse(deployment.consent.retrainBy ?? '')).toBe(Date.parse(log.find((e) => e.type === 'ContributionRevoked')?.recordedAt ?? '') + 30 * 24 * 60 * 60 * 1000)
  })

  it('usage: totals, shares and recipients that add up to what was charged; grants, escrow and batches', async () => {
    const u = await rows<UsageRow>(usageProjection)
    const usage = kind(u, usageKey(story.deploymentId), 'deployment')
    const receipts = [[1200, 800], [500, 1500], [3000, 2000], [700, 300]] as const
    const fees = receipts.reduce((sum, [i, o]) => sum + feeOf(PRICING, i, o), 0n)
    expect(usage).toMatchObject({ batches: 3, requests: 4, duplicates: 1, inputTokens: 5400, outputTokens: 4600, fees })
    expect(usage.unpaid).toBeGreaterThan(0n)
    expect(usage.charged + usage.unpaid).toBe(fees)
    const { contributors, validators, proposer, treasury } = usage.shares
    expect(contributors + validators + proposer + treasury).toBe(usage.charged)
    const recipients = [...u.values()].filter((r) => r.kind === 'recipient')
    expect(recipients.reduce((sum, r) => sum + (r.kind === 'recipient' ? r.total : 0n), 0n) + treasury).toBe(usage.charged)
    // Eve withdrew consent for her note after the rollback, before the third batch: she was paid as a contributor twice.
    expect(kind(u, `recipient:${story.deploymentId}:${keyOf(EVE)}`, 'recipient')).toMatchObject({ payouts: 2 })
    expect(kind(u, `grant:${story.deploymentId}:${story.grantId}`, 'grant')).toMatchObject({ usedTokens: 10_000, requests: 4, fees, revoked: true, revokedReason: 'key leaked' })
    const escrow = kind(u, escrowKey(keyOf(EVE)), 'escrow')
    expect(escrow).toMatchObject({ deposited: 80_000_000n, withdrawn: 0n, charged: usage.charged, balance: 80_000_000n - usage.charged })
    const batches = [...u.values()].filter((r) => r.kind === 'batch')
    expect(batches.map((b) => b.kind === 'batch' && [b.checkpoint, b.receipts, b.duplicates])).toEqual([[story.checkpoints[1], 2, 0], [story.checkpoints[1], 1, 1], [story.checkpoints[0], 1, 0]])
  })

  it('accounts agree with the economy fold: OPEN, stake, usage escrow, and the treasury with its fee share', async () => {
    let state: EconomyState = economy.decider.initialState
    for (const envelope of log) {
      const event = economy.parseEvent(envelope.type, envelope.data)
      if (event !== undefined) state = economy.decider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
    }
    const a = await rows<Awaited<ReturnType<typeof accountsProjection.decode>>>(accountsProjection)
    for (const [key, account] of state.governance.accounts) {
      expect(kind(a, accountKey(key), 'account'), key).toMatchObject({ open: account.open, gopen: account.gopen, staked: stakedOf(account), usageEscrow: state.governance.usageEscrow.get(key) ?? 0n })
    }
    expect(kind(a, accountKey(keyOf(EVE)), 'account').usageEscrow).toBeGreaterThan(0n)
    expect(kind(a, TREASURY_KEY, 'treasury')).toMatchObject({ free: state.governance.treasury, escrowed: state.governance.escrowed })
  })
})

describe('point in time', () => {
  it('tells which checkpoint was deployed, with which data, before and after the rollback', async () => {
    const before = await rows<ModelsRow>(modelsProjection, story.marks.rolledBack - 1)
    const after = await rows<ModelsRow>(modelsProjection, story.marks.rolledBack)
    const job = kind(await rows<TrainingRow>(trainingProjection), jobKey(story.jobId), 'job')
    const data = { jobId: story.jobId, datasetVersion: 1, datasetRoot: job.datasetRoot }
    expect(kind(before, deploymentKey(story.deploymentId), 'deployment')).toMatchObject({ status: 'active', serving: { ...data, checkpoint: story.checkpoints[1], since: story.marks.deployed, until: null } })
    expect(kind(after, deploymentKey(story.deploymentId), 'deployment')).toMatchObject({ status: 'active', serving: { ...data, checkpoint: story.checkpoints[0], since: story.marks.rolledBack, until: null } })
    expect((await rows<ModelsRow>(modelsProjection, story.marks.deployed - 1)).has(deploymentKey(story.deploymentId))).toBe(false)
    const usageBefore = kind(await rows<UsageRow>(usageProjection, story.marks.rolledBack - 1), usageKey(story.deploymentId), 'deployment')
    expect(usageBefore.batches).toBe(2)
  })

  it('as of every sequence equals a replay of exactly that many envelopes', async () => {
    for (let k = 0; k <= log.length; k += 3) {
      const cut = arrayLog(log.slice(0, k))
      for (const projection of MODELS) {
        const at = await foldAt(d.store, projection, { sequence: k })
        expect(storedRows(projection, at.table), `${projection.name} at ${k}`).toEqual(storedRows(projection, (await foldFromZero(cut, projection)).table))
      }
    }
  })
})
