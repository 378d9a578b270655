/**
 * A data directory whose model was trained by the real trainer (reference executor), evaluated
 * past its rubric and deployed: the data directory's operator key (DIR/keys/operator.key) stakes
 * for the operator role (with OPEN from Alice), Alice (the proposer) deploys the final checkpoint
 * with it as operator and grants Bob an API key, Bob accepts the grant and funds his usage escrow.
 * The starting point of the gateway and MCP tests.
 */
import { toHex } from '../../../domain/crypto/hex.js'
import type { EconomyCommand } from '../../../domain/economy/index.js'
import { economy } from '../../../domain/economy/index.js'
import { tokens } from '../../../domain/governance/amounts.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import { createCommandHandler } from '../../../infrastructure/command-handler.js'
import { openLedger } from '../../../infrastructure/data-dir.js'
import { rmSync } from 'node:fs'
import { pino } from 'pino'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { gatewayMount, keyHashOf, openGateway, operatorSigner, type Gateway } from '../../../api/gateway/index.js'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import { ALICE, BOB } from '../../domain/governance/fixtures.js'
import { realKeys } from '../../infrastructure/command-handler-support.js'
import { attestJob, FAST_COST, requestTraining, seedDataDir, signAs, syntheticItems } from '../../trainer/fixture.js'
import { openTrainer } from '../../trainer/support.js'

export const PRICING = { inputPer1k: 2_000n, outputPer1k: 6_000n }
export const API_KEY = 'sk-ledger-fixture-0123456789abcdef'
export const EXPIRES = '2030-01-01T00:00:00.000Z'

export interface DeployedDir {
  readonly dir: string
  readonly mandateId: string
  readonly jobId: string
  readonly checkpoint: string
  /** An earlier job's final checkpoint, also passed: where a rollback can go. */
  readonly earlier: { readonly jobId: string; readonly checkpoint: string }
  readonly deploymentId: string
  readonly grantId: string
  readonly operator: string
  readonly consumer: string
  readonly proposer: string
}

const signer = (placeholder: string): Signer => realKeys.get(placeholder) as Signer

/** Runs `request` signed by `who` against DIR's ledger; returns the command hash or throws the refusal. */
export async function submitAs(dir: string, who: Signer, request: Omit<EconomyCommand, 'actor'>): Promise<string> {
  const { store } = await openLedger(dir)
  try {
    const handler = createCommandHandler({ store, vertical: economy })
    const result = await handler.handle(signAs(who, request, store.ledgerPublicKey))
    if (!result.ok) throw new Error(`${request.type} refused: ${result.error.code}: ${result.error.message}`)
    return result.commandHash
  } finally {
    await store.close()
  }
}

export const alice = (): Signer => signer(ALICE)
export const bob = (): Signer => signer(BOB)

/** Bob's acceptance of a grant as offered at PRICING, with a spending cap (default 10 OPEN). */
export const acceptGrant = (deploymentId: string, grantId: string, quotaTokens: number, spendCap = tokens(10)): Omit<EconomyCommand, 'actor'> => ({
  type: 'AcceptGrant',
  payload: { deploymentId, grantId, pricing: PRICING, quotaTokens, expiresAt: EXPIRES, spendCap },
})

export async function deployedDataDir(options: { escrow?: bigint; quota?: number; items?: number; accept?: boolean } = {}): Promise<DeployedDir> {
  // The gateway tests are about serving and metering, not accuracy: a rubric every evaluation passes,
  // so a run whose held-out split happens to score low cannot leave nothing to deploy.
  const seeded = await seedDataDir(syntheticItems(options.items ?? 30), { metric: 'accuracy', threshold: 0, direction: 'maximize' })
  // Two jobs, one after the other: the second is deployed, the first is where a rollback goes.
  const jobIds: string[] = []
  for (const seed of [7, 8]) {
    const jobId = await requestTraining(seeded.dir, seeded.mandateId, { epochs: 6, checkpointEvery: 2, lr: 0.5 }, 'reference', seed)
    const t = await openTrainer(seeded.dir)
    const outcome = await t.trainer.runOnce()
    await t.close()
    if (outcome.get(jobId) !== 'completed') throw new Error(`training ended ${String(outcome.get(jobId))}`)
    // Deployable only once two staked validators re-ran the evaluation and attested it.
    await attestJob(seeded.dir, jobId)
    jobIds.push(jobId)
  }
  const { store } = await openLedger(seeded.dir)
  const state = await createCommandHandler({ store, vertical: economy }).state()
  await store.close()
  const finalOf = (id: string): string => state.training.jobs.get(id)?.checkpoints.at(-1)?.root as string
  const [first, jobId] = jobIds as [string, string]
  const checkpoint = finalOf(jobId)
  const operatorKey = await operatorSigner(seeded.dir, FAST_COST)
  const operator = toHex(operatorKey.publicKey)
  await submitAs(seeded.dir, operatorKey, { type: 'RegisterIdentity', payload: { displayName: 'gateway operator' } })
  await submitAs(seeded.dir, alice(), { type: 'TransferOpen', payload: { to: operator, amount: tokens(1_000) } })
  await submitAs(seeded.dir, operatorKey, { type: 'LockStake', payload: { purpose: 'operator', amount: tokens(1_000) } })
  const deploymentId = await submitAs(seeded.dir, alice(), { type: 'DeployModel', payload: { jobId, checkpoint, operator, endpoint: 'https://models.example/openai/v1', pricing: PRICING } })
  const consumer = toHex(bob().publicKey)
  const grantId = await submitAs(seeded.dir, alice(), {
    type: 'GrantAccess',
    payload: { deploymentId, consumer, keyHash: keyHashOf(API_KEY), quotaTokens: options.quota ?? 1_000_000, expiresAt: EXPIRES },
  })
  if (options.accept !== false) await submitAs(seeded.dir, bob(), acceptGrant(deploymentId, grantId, options.quota ?? 1_000_000))
  const escrow = options.escrow ?? tokens(10)
  if (escrow > 0n) await submitAs(seeded.dir, bob(), { type: 'DepositUsageEscrow', payload: { amount: escrow } })
  return { dir: seeded.dir, mandateId: seeded.mandateId, jobId, checkpoint, earlier: { jobId: first, checkpoint: finalOf(first) }, deploymentId, grantId, operator, consumer, proposer: toHex(alice().publicKey) }
}

/** A deployed data directory with its ledger open, the gateway on it and an HTTP server mounting it at /openai/v1. */
export interface ServedGateway {
  readonly d: DeployedDir
  readonly store: EventStore
  readonly gateway: Gateway
  readonly server: RunningServer
  close(): Promise<void>
}

export async function serveDeployed(): Promise<ServedGateway> {
  const d = await deployedDataDir()
  const { store } = await openLedger(d.dir)
  const gateway = await openGateway({ dir: d.dir, store, signer: await operatorSigner(d.dir, FAST_COST), flushMs: 0 })
  const server = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [gatewayMount(gateway)] })
  return {
    d,
    store,
    gateway,
    server,
    async close() {
      await server.close()
      await gateway.close()
      await store.close()
      rmSync(d.dir, { recursive: true, force: true })
    },
  }
}
