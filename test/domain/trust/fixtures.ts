/**
 * Trust fixtures: the datanet specs' ledger with a low validator role stake (so stakes can be split
 * over several keys), a long panel (every validator judges every contribution) and any validators.
 */
import { defaultParams } from '../../../domain/governance/params.js'
import { defaultEconomics, type EconomicsParams } from '../../../domain/economy/params.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { cmd as gov } from '../governance/fixtures.js'
import { ALICE, DAY, ecmd, espec, mandated, type EStep } from '../datanets/fixtures.js'

/** Extra validator keys, funded by the account named beside each. */
export const ERIN = 'e5'.repeat(32)
export const SYBIL = '5b'.repeat(32)

export type Decision = 'accept' | 'reject' | 'spam'

/** Genesis with a 1 OPEN validator role stake and these economics; the mandate and its datanet; no validator stakes yet. */
export function ledger(economics: Partial<EconomicsParams> = {}): EStep[] {
  const steps = mandated({ verdictsToFinalize: 10, ...economics }).slice(0, -3)
  steps[0] = { command: gov.genesis({ economics: { ...defaultEconomics, verdictsToFinalize: 10, ...economics }, roleStakes: { ...defaultParams.roleStakes, validator: tokens(1) } }) }
  return [...steps, { command: ecmd.open() }]
}

/** A new key, registered and given `amount` OPEN by `funder`. */
export function funded(key: string, funder: string, amount: bigint): EStep[] {
  return [{ command: gov.register(key) }, { command: gov.transfer(funder, key, amount) }]
}

export const stake = (who: string, amount: bigint): EStep => ({ command: gov.lock(who, 'validator', amount) })

/** One contribution judged by each validator as given, then finalized after the validation window. */
export function judged(content: string, verdicts: readonly (readonly [string, Decision])[]): EStep[] {
  return [
    { command: ecmd.submit(content, { actor: ALICE, bond: false }) },
    ...verdicts.map(([v, d]): EStep => ({ command: ecmd.verdict(v, content, d) })),
    { advance: 3 * DAY },
    { command: ecmd.finalize(content) },
  ]
}

export const trustIn = (steps: readonly EStep[], who: string): number => {
  const state = espec.play(steps).state
  return state.trust.get(who) ?? state.governance.genesis?.params.economics.trustInitial ?? 0
}
