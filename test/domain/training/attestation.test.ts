/**
 * The training rules written as the attacker would try them: take over a job without a stake,
 * lock it out for ever, pass on one example, deploy a self-reported `accuracy: 1`, attest one's
 * own job or twice; and what a quorum of attesters does to a trainer it contradicts.
 */
import { describe, expect, it } from 'vitest'
import { tokens } from '../../../domain/governance/amounts.js'
import type { EconomyEvent } from '../../../domain/economy/events.js'
import { jsonHash } from '../../../domain/economy/hash.js'
import { attributionOf } from '../../../domain/training/attribution.js'
import { agrees } from '../../../domain/training/agreement.js'
import { cmd as gov } from '../governance/fixtures.js'
import { idOf, MANDATE } from '../datanets/fixtures.js'
import { ALICE, BOB, CAROL, DAVE, dcmd, espec, OPERATOR, requested, ROOT_1, ROOT_2, type ECmd, type EStep } from '../deployment/fixtures.js'
import { completed, EVE } from './fixtures.js'

const slashes = (events: readonly EconomyEvent[]) => events.flatMap((e) => (e.type === 'StakeSlashed' ? [e.data] : []))

describe('claiming a job', () => {
  it('refuses a key without a trainer stake, however registered', () => {
    const { history, jobId } = requested()
    espec.given(...history).when({ ...dcmd.claim(jobId), actor: ALICE }).thenFails('not-trainer')
    // Dave is a staked validator, not a trainer: a stake of another purpose does not count.
    espec.given(...history).when({ ...dcmd.claim(jobId), actor: DAVE }).thenFails('not-trainer')
  })

  it('refuses a trainer whose stake is unbonding: asking to leave is leaving', () => {
    const { history, jobId } = requested()
    const carolTrainerStake = espec.play(history).state.governance.accounts.get(CAROL)?.stakes.size ?? 0
    espec.given(...history, { command: { type: 'RequestUnbond', actor: CAROL, payload: { stakeId: carolTrainerStake } } }).when(dcmd.claim(jobId)).thenFails('not-trainer')
  })

  it('refuses a lease longer than maxLeaseMs, so nobody locks a job out for ever', () => {
    const { history, jobId } = requested()
    const claim = dcmd.claim(jobId) as Extract<ECmd, { type: 'ClaimTrainingJob' }>
    espec.given(...history).when({ ...claim, payload: { ...claim.payload, leaseMs: 24 * 60 * 60 * 1000 } }).thenFails('lease-too-long')
    espec.given(...history).when({ ...claim, payload: { ...claim.payload, leaseMs: 60 * 60 * 1000 } }).events()
  })
})

describe('progress in the log', () => {
  it('is bounded per job by maxProgressReports', () => {
    const { history, jobId } = requested()
    const progress: ECmd = { type: 'ReportTrainingProgress', actor: CAROL, payload: { jobId, step: 1, totalSteps: 10, metrics: {} } }
    const h: EStep[] = [...history, { command: dcmd.claim(jobId) }]
    const limit = espec.play(h).state.governance.genesis?.params.economics.maxProgressReports ?? 0
    for (let i = 0; i < limit; i++) h.push({ command: progress })
    espec.given(...h).when(progress).thenFails('progress-limit')
  })
})

describe('an evaluation on too few examples', () => {
  it('never passes, whatever it reports, and so cannot be deployed even when attested', () => {
    const { history, jobId } = completed(1, 1)
    const evaluated = espec.play(history).state.training.jobs.get(jobId)?.evaluation
    expect(evaluated?.passed).toBe(false)
    const attested = [...history, { command: dcmd.attest(jobId, ROOT_2, BOB, 1, { examples: 1 }) }, { command: dcmd.attest(jobId, ROOT_2, DAVE, 1, { examples: 1 }) }, { command: dcmd.settle(jobId, ROOT_2) }]
    espec.given(...attested).when(dcmd.deploy(jobId)).thenFails('checkpoint-not-passed')
  })

  it('passes from minEvalExamples on', () => {
    const { history, jobId } = completed(0.6, 20)
    expect(espec.play(history).state.training.jobs.get(jobId)?.evaluation?.passed).toBe(true)
  })
})

describe('a self-reported evaluation', () => {
  it('is not deployable until a quorum attested it', () => {
    const { history, jobId } = completed(1)
    espec.given(...history).when(dcmd.deploy(jobId)).thenFails('checkpoint-not-attested')
    const one = [...history, { command: dcmd.attest(jobId, ROOT_2, BOB, 1) }]
    espec.given(...one).when(dcmd.settle(jobId, ROOT_2)).thenFails('attestation-running')
    espec.given(...one).when(dcmd.deploy(jobId)).thenFails('checkpoint-not-attested')
  })

  it('is attested only once the job is completed, and only for a recorded, evaluated checkpoint', () => {
    const c = completed()
    espec.given(...c.history).when(dcmd.attest(c.jobId, 'cd'.repeat(32), BOB, 0.6)).thenFails('unknown-checkpoint')
    espec.given(...c.history).when(dcmd.attest(c.jobId, ROOT_1, BOB, 0.6)).thenFails('no-evaluation')
    const beforeCompletion = c.history.slice(0, -1)
    espec.given(...beforeCompletion).when(dcmd.attest(c.jobId, ROOT_2, BOB, 0.6)).thenFails('job-not-completed')
  })
})

describe('who attests', () => {
  const { history, jobId } = completed()

  it('not the trainer, nor the requester', () => {
    espec.given(...history).when(dcmd.attest(jobId, ROOT_2, CAROL, 0.6)).thenFails('own-job')
    espec.given(...history, { command: gov.lock(ALICE, 'validator', tokens(10_000)) }).when(dcmd.attest(jobId, ROOT_2, ALICE, 0.6)).thenFails('own-job')
  })

  it('only a staked validator: one whose stake is unbonding is no longer one', () => {
    const bobStake = [...(espec.play(history).state.governance.accounts.get(BOB)?.stakes.values() ?? [])].find((k) => k.purpose === 'validator')?.id ?? 0
    espec.given(...history, { command: { type: 'RequestUnbond', actor: BOB, payload: { stakeId: bobStake } } }).when(dcmd.attest(jobId, ROOT_2, BOB, 0.6)).thenFails('not-validator')
  })

  it('once per attester, and nobody after settlement', () => {
    const once = [...history, { command: dcmd.attest(jobId, ROOT_2, BOB, 0.6) }]
    espec.given(...once).when(dcmd.attest(jobId, ROOT_2, BOB, 0.6)).thenFails('already-attested')
    espec.given(...once).when(dcmd.attest(jobId, ROOT_2, BOB, 0.1)).thenFails('already-attested')
    const settled = [...once, { command: dcmd.attest(jobId, ROOT_2, DAVE, 0.6) }, { command: dcmd.settle(jobId, ROOT_2) }]
    espec.given(...settled).when(dcmd.attest(jobId, ROOT_2, EVE, 0.1)).thenFails('evaluation-settled')
    espec.given(...settled).when(dcmd.settle(jobId, ROOT_2)).thenFails('evaluation-settled')
  })

  it('on the evaluation’s own split', () => {
    espec.given(...history).when(dcmd.attest(jobId, ROOT_2, BOB, 0.6, { split: 'train' })).thenFails('bad-attestation')
  })
})

describe('agreement', () => {
  const rubric = { metric: 'rougeL', threshold: 0.42, direction: 'maximize' as const }
  const tolerance = { numerator: 1, denominator: 1000 }
  const recorded = { rougeL: 0.6, eval_examples: 50 }

  it('is the rubric metric within the tolerance on the same number of examples, and no failed reproduction', () => {
    expect(agrees(recorded, rubric, { rougeL: 0.6005, eval_examples: 50 }, null, tolerance)).toBe(true)
    expect(agrees(recorded, rubric, { rougeL: 0.6, eval_examples: 50 }, true, tolerance)).toBe(true)
    expect(agrees(recorded, rubric, { rougeL: 0.602, eval_examples: 50 }, null, tolerance)).toBe(false)
    expect(agrees(recorded, rubric, { rougeL: 0.6, eval_examples: 49 }, null, tolerance)).toBe(false)
    expect(agrees(recorded, rubric, { rougeL: 0.6, eval_examples: 50 }, false, tolerance)).toBe(false)
    expect(agrees(recorded, rubric, { eval_examples: 50 }, null, tolerance)).toBe(false)
    expect(agrees({ rougeL: 0.6 }, rubric, { rougeL: 0.6 }, null, tolerance)).toBe(false)
  })
})

describe('settling', () => {
  it('deploys an honest trainer’s checkpoint that agreeing attesters confirmed, and slashes nobody', () => {
    const { history, jobId } = completed()
    const h = [...history, { command: dcmd.attest(jobId, ROOT_2, BOB, 0.6, { reproduced: true }) }, { command: dcmd.attest(jobId, ROOT_2, DAVE, 0.6) }]
    const settled = espec.given(...h).when(dcmd.settle(jobId, ROOT_2)).events()
    expect(settled.map((e) => e.type)).toEqual(['EvaluationSettled'])
    espec.given(...h, { command: dcmd.settle(jobId, ROOT_2) }, { command: gov.lock(OPERATOR, 'operator', tokens(1_000)) }).when(dcmd.deploy(jobId)).events()
  })

  it('slashes a trainer a quorum contradicts, citing its checkpoint, its evaluation and the attestations; the minority attester is penalized citing its own', () => {
    const { history, jobId } = completed(1)
    const h = [
      ...history,
      { command: dcmd.attest(jobId, ROOT_2, BOB, 0.31) },
      { command: dcmd.attest(jobId, ROOT_2, DAVE, 1) },
      { command: dcmd.attest(jobId, ROOT_2, EVE, 0.31, { reproduced: false }) },
    ]
    const state = espec.play(h).state
    const job = state.training.jobs.get(jobId)
    const seq = (who: string) => job?.attestations.get(ROOT_2)?.byAttester.get(who)?.sequence ?? 0
    const checkpointSeq = job?.checkpoints.find((k) => k.root === ROOT_2)?.sequence
    const evaluationSeq = job?.evaluations.at(-1)?.sequence
    const events = espec.given(...h).when(dcmd.settle(jobId, ROOT_2)).events()
    expect(events[0]).toEqual({ type: 'EvaluationSettled', data: { jobId, checkpoint: ROOT_2, evaluationSequence: evaluationSeq, outcome: 'contradicted', agreeing: [seq(DAVE)], disagreeing: [seq(BOB), seq(EVE)] } })
    const subject = jsonHash({ jobId, checkpoint: ROOT_2 })
    expect(slashes(events)).toEqual([
      { account: CAROL, stakeId: expect.any(Number), amount: tokens(500), evidence: { kind: 'rule', rule: 'training-contradicted', subject, sequences: [checkpointSeq, evaluationSeq, seq(BOB), seq(EVE)] } },
      { account: DAVE, stakeId: expect.any(Number), amount: tokens(500), evidence: { kind: 'rule', rule: 'attestation-minority', subject, sequences: [seq(DAVE), seq(BOB), seq(EVE)] } },
    ])
    const after = espec.given(...h, { command: dcmd.settle(jobId, ROOT_2) })
    after.when(dcmd.deploy(jobId)).thenFails('checkpoint-not-attested')
  })

  it('penalizes a lone dissenter when the quorum confirms', () => {
    const { history, jobId } = completed()
    const h = [...history, { command: dcmd.attest(jobId, ROOT_2, BOB, 0.6) }, { command: dcmd.attest(jobId, ROOT_2, EVE, 0.9) }, { command: dcmd.attest(jobId, ROOT_2, DAVE, 0.6) }]
    const events = espec.given(...h).when(dcmd.settle(jobId, ROOT_2)).events()
    expect(slashes(events).map((s) => [s.account, s.amount, s.evidence.kind === 'rule' ? s.evidence.rule : ''])).toEqual([[EVE, tokens(500), 'attestation-minority']])
  })

  it('waits on a tie', () => {
    const { history, jobId } = completed()
    const h = [...history, { command: dcmd.attest(jobId, ROOT_2, BOB, 0.6) }, { command: dcmd.attest(jobId, ROOT_2, EVE, 0.1) }, { command: dcmd.attest(jobId, ROOT_2, DAVE, 0.6, { reproduced: false }) }]
    espec.given(...h.slice(0, -1)).when(dcmd.settle(jobId, ROOT_2)).thenFails('attestation-running')
    // Bob agrees; Eve and Dave (whose re-run did not reproduce) disagree: contradicted.
    expect(espec.given(...h).when(dcmd.settle(jobId, ROOT_2)).events()[0]).toMatchObject({ data: { outcome: 'contradicted' } })
  })
})

describe('attribution', () => {
  it('steers the reward map only once the job’s evaluation is attested', () => {
    const { history, jobId } = completed()
    expect(attributionOf(espec.play(history).state.training, MANDATE)(idOf('a'))).toBe(1n)
    const h = [...history, { command: dcmd.attest(jobId, ROOT_2, BOB, 0.6) }, { command: dcmd.attest(jobId, ROOT_2, DAVE, 0.6) }, { command: dcmd.settle(jobId, ROOT_2) }]
    expect(attributionOf(espec.play(h).state.training, MANDATE)(idOf('a'))).toBe(750_000n)
  })
})

