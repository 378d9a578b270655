/**
 * The model side of a lineage graph: a deployment and the usage fees it paid, the checkpoints it
 * served (rollbacks included), the training job that produced them, and from the job its dataset
 * version and mandate (whose nodes builder.ts makes). A job's node cites every checkpoint event of
 * the job, so a verifier folding only the evidence gives each evaluation the checkpoint it judged.
 */
import { datanetStream } from '../../domain/datanets/ids.js'
import { preferencesStream, roundStream } from '../../domain/alignment/codecs.js'
import { preferenceKey } from '../../domain/alignment/state.js'
import { mandateStream } from '../../domain/governance/streams.js'
import { trainingStream } from '../../domain/training/codecs.js'
import { short, type Builder, type Fact } from './builder.js'
import { checkpointKey, type DeploymentEntry } from './model-index.js'

const amounts = (entries: Iterable<readonly [string, bigint]>): string => [...entries].map(([k, v]) => `${k}=${v}`).join(', ')

function jobStatus(job: { completed?: unknown; failed?: unknown; claims: readonly unknown[] }): string {
  if (job.completed !== undefined) return 'completed'
  if (job.failed !== undefined) return 'failed'
  return job.claims.length > 0 ? 'claimed' : 'requested'
}

export function jobNode(b: Builder, jobId: string): string | undefined {
  const job = b.index.jobs.get(jobId)
  if (job === undefined) return undefined
  // Already built (with its edges): a preference version can lead back to a job on the way.
  if (b.nodes.has(`job:${jobId}`)) return `job:${jobId}`
  const checkpointSequences = job.checkpoints.map((root) => b.index.checkpoints.get(checkpointKey(jobId, root))?.sequence ?? job.sequence)
  const ends = [...(job.completed === undefined ? [] : [job.completed.sequence]), ...(job.failed === undefined ? [] : [job.failed.sequence])]
  const evidence = [job.sequence, ...job.claims.map((c) => c.sequence), ...checkpointSequences, ...job.attributions.map((a) => a.sequence), ...ends]
  const id = b.add({
    id: `job:${jobId}`,
    kind: 'training-job',
    label: `training job ${short(jobId)}`,
    sequence: job.sequence,
    facts: {
      requester: b.name(job.requester, evidence),
      requesterKey: job.requester,
      executor: job.executor,
      baseModel: job.baseModel,
      hyperparameters: job.hyperparameters,
      seed: job.seed,
      datasetVersion: job.datasetVersion,
      datasetRoot: job.datasetRoot,
      trainers: job.claims.map((c) => b.name(c.trainer, evidence)).join(', '),
      manifestHash: job.claims.at(-1)?.manifestHash ?? null,
      status: jobStatus(job),
      checkpoints: job.checkpoints.length,
      finalCheckpoint: job.completed?.finalCheckpoint ?? null,
      failure: job.failed?.reason ?? null,
      attribution: job.attributions.map((a) => `${a.method} (#${a.sequence})`).join(', ') || null,
    },
    evidence,
  })
  // A job's mandate id is its datanet's id (a mandate opens one datanet, under its own id).
  b.link(id, b.version(job.mandateId, job.datasetVersion), 'trained on', datanetStream(job.mandateId))
  b.link(id, b.mandate(job.mandateId), 'commissioned by', mandateStream(job.mandateId))
  if (job.preferenceVersion !== null) b.link(id, preferenceNode(b, job.mandateId, job.preferenceVersion), 'aligned on', preferencesStream(job.mandateId))
  // A fine-tune's base (`checkpoint:<root>`): the checkpoint, and through it the job and the data that made the base.
  const base = baseCheckpoint(b, job.baseModel)
  if (base !== undefined) b.link(id, checkpointNode(b, base.jobId, base.root), 'fine-tuned from', trainingStream(base.jobId))
  return id
}

const CHECKPOINT_BASE = /^checkpoint:([0-9a-f]{64})$/

/** The first recorded checkpoint a `baseModel` of the form `checkpoint:<root>` names. */
function baseCheckpoint(b: Builder, baseModel: string | null): { jobId: string; root: string } | undefined {
  const root = CHECKPOINT_BASE.exec(baseModel ?? '')?.[1]
  if (root === undefined) return undefined
  let first: { jobId: string; root: string; sequence: number } | undefined
  for (const k of b.index.checkpoints.values()) if (k.root === root && (first === undefined || k.sequence < first.sequence)) first = { jobId: k.jobId, root, sequence: k.sequence }
  return first
}

/**
 * A preference dataset version: the consensus ratings of one RLHF round, with the checkpoint whose
 * outputs were rated (when a job of this log recorded it). Cites the version's event and the
 * round's opening.
 */
export function preferenceNode(b: Builder, mandateId: string, version: number): string | undefined {
  const p = b.index.preferences.get(preferenceKey(mandateId, version))
  if (p === undefined) return undefined
  const id = `preferences:${mandateId}:${version}`
  if (b.nodes.has(id)) return id
  const round = b.index.rounds.get(p.roundId)
  if (round === undefined) b.unresolved.add(roundStream(p.roundId))
  const evidence = [p.sequence, ...(round === undefined ? [] : [round.sequence])]
  const raters = p.raters.map((r) => b.name(r, evidence)).join(', ')
  b.add({
    id,
    kind: 'preference-version',
    label: `preference version ${version}`,
    sequence: p.sequence,
    facts: { version, roundId: p.roundId, root: p.root, samples: p.samples, raters, checkpoint: round?.checkpoint ?? null, generatedSamples: round?.generated ?? null },
    evidence,
  })
  if (round !== undefined) {
    for (const k of b.index.checkpoints.values()) if (k.root === round.checkpoint) b.edge(id, checkpointNode(b, k.jobId, k.root) ?? '', 'rated outputs of')
  }
  return id
}

/**
 * The consent facts of a checkpoint: only when a withdrawal reached its job's data (so reports made
 * before consent was traced still verify), citing each ConsentWithdrawalFlagged.
 */
function withdrawnFacts(b: Builder, jobId: string): { facts: Record<string, Fact>; evidence: number[] } {
  const flags = b.index.withdrawals.get(jobId) ?? []
  if (flags.length === 0) return { facts: {}, evidence: [] }
  return { facts: { consent: 'withdrawn', withdrawn: flags.map((f) => f.contributionId).join(' ') }, evidence: flags.map((f) => f.sequence) }
}

export function checkpointNode(b: Builder, jobId: string, root: string): string | undefined {
  const k = b.index.checkpoints.get(checkpointKey(jobId, root))
  if (k === undefined) return undefined
  const evaluations = k.evaluations.map((e) => `${e.split}: ${e.value ?? 'n/a'} ${e.passed ? 'passed' : 'failed'} (#${e.sequence})`).join(', ')
  const consent = withdrawnFacts(b, jobId)
  const id = b.add({
    id: `checkpoint:${jobId}:${root}`,
    kind: 'checkpoint',
    label: `checkpoint at step ${k.step}`,
    sequence: k.sequence,
    facts: { root, jobId, step: k.step, files: k.files, totalBytes: k.totalBytes, evaluations: evaluations || null, ...consent.facts },
    evidence: [k.sequence, ...k.evaluations.map((e) => e.sequence), ...consent.evidence],
  })
  const job = jobNode(b, jobId)
  if (job !== undefined) b.edge(id, job, 'produced by')
  return id
}

function usageNode(b: Builder, d: DeploymentEntry): string | undefined {
  const u = d.usage
  if (u.sequences.length === 0) return undefined
  const evidence = [...u.sequences]
  const payouts = amounts([...u.payouts].map(([account, amount]) => [b.name(account, evidence, false), amount] as const))
  return b.add({
    id: `usage:${d.id}`,
    kind: 'usage',
    label: `usage fees of ${short(d.id)}`,
    sequence: u.sequences[0] as number,
    facts: {
      batches: u.sequences.length, requests: u.requests, inputTokens: u.inputTokens, outputTokens: u.outputTokens, fees: u.fees.toString(), charged: u.charged.toString(),
      unpaid: (u.fees - u.charged).toString(), shares: amounts(Object.entries(u.shares)), payouts,
    },
    evidence,
  })
}

/**
 * A deployment's consent, for the checkpoint it serves now: flagged withdrawals of it with the
 * deadline, and a suspension while that checkpoint still serves. Only when flagged.
 */
function deploymentConsent(d: DeploymentEntry): { facts: Record<string, Fact>; evidence: number[] } {
  const serving = d.served.at(-1)
  const flags = d.flags.filter((f) => f.checkpoint === serving?.checkpoint && f.sequence > (serving?.since ?? 0))
  if (flags.length === 0) return { facts: {}, evidence: [] }
  const suspended = d.suspended !== undefined && d.suspended.sequence > (serving?.since ?? 0) ? d.suspended : undefined
  return {
    facts: { consent: suspended === undefined ? 'revoked' : 'suspended', withdrawn: flags.map((f) => f.contributionId).join(' '), retrainBy: flags.map((f) => f.retrainBy).sort()[0] ?? null },
    evidence: [...flags.map((f) => f.sequence), ...(suspended === undefined ? [] : [suspended.sequence])],
  }
}

export function deploymentNode(b: Builder, deploymentId: string): string | undefined {
  const d = b.index.deployments.get(deploymentId)
  if (d === undefined) return undefined
  const consent = deploymentConsent(d)
  const evidence = [d.sequence, ...d.served.slice(1).map((s) => s.since), ...(d.retired === undefined ? [] : [d.retired.sequence]), ...consent.evidence]
  const rollbacks = d.served.slice(1).map((s, i) => `#${s.since}: ${short(d.served[i]?.checkpoint ?? '')} → ${short(s.checkpoint)} (${s.reason ?? ''})`)
  const id = b.add({
    id: `deployment:${deploymentId}`,
    kind: 'deployment',
    label: `deployment ${short(deploymentId)}`,
    sequence: d.sequence,
    facts: {
      endpoint: d.endpoint, deployer: b.name(d.deployer, evidence), deployerKey: d.deployer, operator: b.name(d.operator, evidence), operatorKey: d.operator, pricing: d.pricing,
      status: d.retired === undefined ? 'active' : 'retired', retired: d.retired?.reason ?? null, serving: d.served.at(-1)?.checkpoint ?? null, rollbacks: rollbacks.join('; ') || null,
      ...consent.facts,
    },
    evidence,
  })
  d.served.forEach((s, i) => {
    const until = d.served[i + 1]?.since ?? d.retired?.sequence
    b.link(id, checkpointNode(b, s.jobId, s.checkpoint), until === undefined ? `serves since #${s.since}` : `served #${s.since}–#${until}`, trainingStream(s.jobId))
  })
  const usage = usageNode(b, d)
  if (usage !== undefined) b.edge(id, usage, 'metered in')
  return id
}

/** Deployments that served this checkpoint of this job. */
export function deploymentsServing(b: Builder, jobId: string, root: string): string[] {
  return [...b.index.deployments.values()].filter((d) => d.served.some((s) => s.jobId === jobId && s.checkpoint === root)).map((d) => d.id)
}

/** A job with every checkpoint it recorded and every deployment that served one: what came of it. */
export function jobTree(b: Builder, jobId: string): string | undefined {
  const id = jobNode(b, jobId)
  for (const root of b.index.jobs.get(jobId)?.checkpoints ?? []) {
    checkpointNode(b, jobId, root)
    for (const deployment of deploymentsServing(b, jobId, root)) deploymentNode(b, deployment)
  }
  return id
}
