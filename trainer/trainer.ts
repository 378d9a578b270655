/**
 * The trainer: follows the log, and for every job it can run (requested; or its own, interrupted;
 * or another trainer's whose lease ran out) claims it with its key and runs it. One job at a
 * time: a trainer is one machine's worth of compute. Registers its identity on first start,
 * since only registered keys may sign, and (with `stake`) locks its trainer stake, since only
 * staked trainers may claim.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { EconomyState } from '../domain/economy/state.js'
import { rolesOf } from '../domain/governance/roles.js'
import type { Job } from '../domain/training/state.js'
import type { Executor } from './executors/port.js'
import { mustSubmit } from './ledger.js'
import { runJob, type JobDeps, type JobOutcome } from './run-job.js'

export interface TrainerOptions extends Omit<JobDeps, 'signal'> {
  /** `reference` and `process:<name>` → the executor that runs it; jobs naming others are left alone. */
  readonly executors: ReadonlyMap<string, Executor>
  readonly pollMs?: number
  readonly displayName?: string
  /** Base units of OPEN to lock as a trainer stake on start when the key has no trainer role yet: claiming needs one. */
  readonly stake?: bigint
  readonly onJob?: (job: Job, outcome: JobOutcome) => void
  /** A pass that failed (no genesis yet, the store away): the follower logs it and tries again. */
  readonly onError?: (error: unknown) => void
  /** A pass that ran to its end (a supervisor clears a failure on it). */
  readonly onPass?: () => void
}

export interface Trainer {
  /** Runs every job available now, one after another; resolves with what happened to each. */
  runOnce(): Promise<Map<string, JobOutcome>>
  /** Follows the log until `stop`. */
  start(): Promise<void>
  stop(): Promise<void>
}

function runnable(state: EconomyState, key: string, at: number, executors: ReadonlyMap<string, unknown>): Job[] {
  return [...state.training.jobs.values()].filter((job) => {
    if (!executors.has(job.executor)) return false
    if (job.status === 'requested') return true
    return job.status === 'claimed' && (job.trainer === key || job.leaseUntil <= at)
  })
}

export function createTrainer(options: TrainerOptions): Trainer {
  const controller = new AbortController()
  let loop: Promise<void> | undefined
  const deps: JobDeps = { ...options, signal: controller.signal }

  async function register(): Promise<void> {
    const state = await options.ledger.state()
    if (!state.governance.identities.has(options.ledger.key)) {
      await mustSubmit(options.ledger, { type: 'RegisterIdentity', payload: { displayName: options.displayName ?? 'trainer' } })
    }
    const genesis = state.governance.genesis
    if (options.stake !== undefined && genesis !== null && !rolesOf(state.governance, options.ledger.key, genesis.params).includes('trainer')) {
      await mustSubmit(options.ledger, { type: 'LockStake', payload: { purpose: 'trainer', amount: options.stake } })
    }
  }

  async function runOnce(): Promise<Map<string, JobOutcome>> {
    await register()
    const outcomes = new Map<string, JobOutcome>()
    for (const job of runnable(await options.ledger.state(), options.ledger.key, Date.now(), options.executors)) {
      if (controller.signal.aborted) break
      const outcome = await runJob(job, options.executors.get(job.executor) as Executor, deps)
      outcomes.set(job.id, outcome)
      options.onJob?.(job, outcome)
    }
    return outcomes
  }

  async function follow(): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        await runOnce()
        options.onPass?.()
      } catch (error) {
        if (!controller.signal.aborted) options.onError?.(error)
      }
      await sleep(options.pollMs ?? 500, undefined, { signal: controller.signal }).catch(() => undefined)
    }
  }

  return {
    runOnce,
    start() {
      loop ??= follow()
      return loop
    },
    async stop() {
      controller.abort()
      await loop
    },
  }
}
