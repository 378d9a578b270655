/**
 * Evaluation attestations: a trainer's reported metrics count only once staked validators other
 * than the trainer re-ran the evaluation on the recorded checkpoint and signed what they got.
 * Once at least `attestationQuorum` of them agree, or disagree, and one side outnumbers the other,
 * anyone settles the evaluation: attested (deployable, its attribution steers rewards), or
 * contradicted (the trainer's stake is slashed citing its own evaluation and the attestations).
 * Either way the attesters in the minority are penalized, citing their own attestation.
 */
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import { jsonHash } from '../economy/hash.js'
import type { EconomicsParams } from '../economy/params.js'
import { slash, type SlashOrder } from '../economy/slash.js'
import { isValidator, validatorStakes, type EconomyState } from '../economy/state.js'
import { scale } from '../governance/amounts.js'
import { accountOf } from '../governance/state.js'
import type { StakePurpose } from '../governance/values.js'
import { agrees } from './agreement.js'
import type { TrainingCommand } from './codecs.js'
import { evaluationOf, type Attestation, type Job, type JudgedCheckpoint } from './state.js'

type Result = Either<EconomyError, readonly EconomyEvent[]>
type Cmd<T extends TrainingCommand['type']> = Extract<TrainingCommand, { type: T }>

/** The job, if it exists and recorded this checkpoint (what attestations and deployments name). */
export function recordedCheckpoint(state: EconomyState, jobId: string, checkpoint: string): Either<EconomyError, Job> {
  const job = state.training.jobs.get(jobId)
  if (job === undefined) return refuse('unknown-job', 'no such training job', { jobId })
  if (!job.checkpoints.some((k) => k.root === checkpoint)) return refuse('unknown-checkpoint', 'the job recorded no such checkpoint', { checkpoint })
  return right(job)
}

/** The completed job's checkpoint and its evaluation: what an attestation is about. */
function evaluated(state: EconomyState, jobId: string, checkpoint: string): Either<EconomyError, { job: Job; evaluation: JudgedCheckpoint }> {
  const found = recordedCheckpoint(state, jobId, checkpoint)
  if (isLeft(found)) return found
  const job = found.right
  const evaluation = evaluationOf(job, checkpoint)
  if (evaluation === undefined) return refuse('no-evaluation', 'no evaluation of this checkpoint was recorded', { checkpoint })
  if ((job.attestations.get(checkpoint)?.settled ?? null) !== null) return refuse('evaluation-settled', 'the evaluation of this checkpoint is settled')
  return right({ job, evaluation })
}

export function attest(c: Cmd<'AttestEvaluation'>, state: EconomyState, params: EconomicsParams): Result {
  const p = c.payload
  const found = evaluated(state, p.jobId, p.checkpoint)
  if (isLeft(found)) return found
  const { job, evaluation } = found.right
  // Attesting a running job would judge an evaluation the holder may still replace.
  if (job.status !== 'completed') return refuse('job-not-completed', 'only a completed job’s evaluation is attested')
  if (job.trainers.includes(c.actor) || job.requester === c.actor) return refuse('own-job', 'the job’s trainers and requester do not attest it')
  if (!isValidator(state, c.actor)) return refuse('not-validator', 'attesting needs the validator role (a validator stake)')
  if (job.attestations.get(p.checkpoint)?.byAttester.has(c.actor) === true) return refuse('already-attested', 'one attestation per attester per evaluation')
  if (p.split !== evaluation.split) return refuse('bad-attestation', `the evaluation was on the split ${evaluation.split}`, { split: evaluation.split })
  const agreement = agrees(evaluation.metrics, evaluation.rubric, p.metrics, p.reproduced, params.attestationTolerance)
  const stake = validatorStakes(state, c.actor).total
  return right([{ type: 'EvaluationAttested', data: { ...p, evaluationSequence: evaluation.sequence, attester: c.actor, agrees: agreement, stake } }])
}

function stakeIdsOf(state: EconomyState, account: string, purpose: StakePurpose): { ids: number[]; total: bigint } {
  const stakes = [...accountOf(state.governance, account).stakes.values()].filter((s) => s.purpose === purpose).sort((a, b) => a.id - b.id)
  return { ids: stakes.map((s) => s.id), total: stakes.reduce((sum, s) => sum + s.amount, 0n) }
}

type Entry = readonly [string, Attestation]
const bySequence = (a: Entry, b: Entry): number => a[1].sequence - b[1].sequence

function orders(job: Job, evaluation: JudgedCheckpoint, majority: readonly Entry[], minority: readonly Entry[], contradicted: boolean, state: EconomyState, params: EconomicsParams): SlashOrder[] {
  const subject = jsonHash({ jobId: job.id, checkpoint: evaluation.checkpoint })
  const majoritySequences = majority.map(([, a]) => a.sequence)
  const out: SlashOrder[] = []
  if (contradicted) {
    const stakes = stakeIdsOf(state, evaluation.trainer, 'trainer')
    const checkpointSequence = job.checkpoints.find((k) => k.root === evaluation.checkpoint)?.sequence ?? evaluation.sequence
    const sequences = [checkpointSequence, evaluation.sequence, ...majoritySequences]
    out.push({ account: evaluation.trainer, stakeIds: stakes.ids, amount: scale(stakes.total, params.trainerSlash), offenseAt: evaluation.at, rule: 'training-contradicted', subject, sequences })
  }
  for (const [attester, a] of minority) {
    const stakeIds = stakeIdsOf(state, attester, 'validator').ids
    out.push({ account: attester, stakeIds, amount: scale(a.stake, params.attesterPenalty), offenseAt: a.at, rule: 'attestation-minority', subject, sequences: [a.sequence, ...majoritySequences] })
  }
  return out.filter((o) => o.amount > 0n)
}

export function settle(c: Cmd<'SettleEvaluation'>, state: EconomyState, params: EconomicsParams): Result {
  const found = evaluated(state, c.payload.jobId, c.payload.checkpoint)
  if (isLeft(found)) return found
  const { job, evaluation } = found.right
  const entries = [...(job.attestations.get(evaluation.checkpoint)?.byAttester ?? new Map<string, Attestation>())].sort(bySequence)
  const agreeing = entries.filter(([, a]) => a.agrees)
  const disagreeing = entries.filter(([, a]) => !a.agrees)
  const k = params.attestationQuorum
  if (Math.max(agreeing.length, disagreeing.length) < k || agreeing.length === disagreeing.length) {
    return refuse('attestation-running', `settling needs ${k} attestations on one side and more than on the other`, { agreeing: agreeing.length, disagreeing: disagreeing.length, quorum: k })
  }
  const contradicted = disagreeing.length > agreeing.length
  const [majority, minority] = contradicted ? [disagreeing, agreeing] : [agreeing, disagreeing]
  const events: EconomyEvent[] = [
    {
      type: 'EvaluationSettled',
      data: {
        jobId: job.id,
        checkpoint: evaluation.checkpoint,
        evaluationSequence: evaluation.sequence,
        outcome: contradicted ? 'contradicted' : 'attested',
        agreeing: agreeing.map(([, a]) => a.sequence),
        disagreeing: disagreeing.map(([, a]) => a.sequence),
      },
    },
  ]
  for (const order of orders(job, evaluation, majority, minority, contradicted, state, params)) {
    const slashed = slash(state, order)
    if (isLeft(slashed)) return slashed
    events.push(...slashed.right)
  }
  return right(events)
}
