/**
 * The training attack specs' starting points, on the deployment fixture's mandate: Carol (staked
 * trainer) runs the job; Bob, Dave and Eve are staked validators who may attest it.
 */
import { tokens } from '../../../domain/governance/amounts.js'
import { cmd as gov } from '../governance/fixtures.js'
import { ALICE, dcmd, FILES_1, FILES_2, requested, ROOT_1, ROOT_2, type EStep } from '../deployment/fixtures.js'

export const EVE = 'e5'.repeat(32)

/** Eve registers, gets 20,000 OPEN from Alice and stakes 10,000 as a validator: a third attester. */
export function eveValidates(): EStep[] {
  return [{ command: gov.register(EVE) }, { command: gov.transfer(ALICE, EVE, tokens(20_000)) }, { command: gov.lock(EVE, 'validator', tokens(10_000)) }]
}

/**
 * The job claimed by Carol, two checkpoints, the last one evaluated at `rougeL` on `examples`
 * held-out examples, attributed and completed; Eve validating. Nothing attested yet.
 */
export function completed(rougeL = 0.6, examples = 50): { history: EStep[]; jobId: string } {
  const { history, jobId } = requested()
  history.push(
    ...eveValidates(),
    { command: dcmd.claim(jobId) },
    { command: dcmd.checkpoint(jobId, 1, FILES_1, ROOT_1) },
    { command: dcmd.checkpoint(jobId, 2, FILES_2, ROOT_2) },
    { command: dcmd.evaluate(jobId, rougeL, examples) },
    { command: dcmd.attribute(jobId) },
    { command: dcmd.completeTraining(jobId) },
  )
  return { history, jobId }
}
