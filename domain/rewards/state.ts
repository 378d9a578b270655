/**
 * What a mandate's next reward epoch will pay for, accumulated since its last epoch closed, and
 * what its escrow has promised already (open rounds' pools, closed rounds' unpaid rewards).
 */
export interface EpochInputs {
  /** Accepted, unrevoked contributions finalized in the epoch: who contributed, at which quality. */
  readonly contributions: ReadonlyMap<string, { readonly contributor: string; readonly quality: number }>
  /** Per validator, the stake behind its verdicts that agreed with the outcome. */
  readonly agreement: ReadonlyMap<string, bigint>
  /** Per validator, what closed RLHF rounds awarded it. */
  readonly roundRewards: ReadonlyMap<string, bigint>
}

export interface MandateRewards {
  readonly epochs: number
  readonly lastClosedAt: number | null
  /** The pools of open feedback rounds. */
  readonly reserved: bigint
  readonly pending: EpochInputs
}

export interface RewardsState {
  readonly mandates: ReadonlyMap<string, MandateRewards>
}

export const emptyInputs: EpochInputs = { contributions: new Map(), agreement: new Map(), roundRewards: new Map() }
export const emptyMandateRewards: MandateRewards = { epochs: 0, lastClosedAt: null, reserved: 0n, pending: emptyInputs }
export const initialRewardsState: RewardsState = { mandates: new Map() }

export function mandateRewardsOf(state: RewardsState, mandateId: string): MandateRewards {
  return state.mandates.get(mandateId) ?? emptyMandateRewards
}
