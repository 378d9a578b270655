/**
 * What appeals and disputes need remembered: every slash and every usage batch by the sequence of
 * its event (what an appeal or dispute cites), and the appeals and disputes themselves.
 */
export interface SlashRecord {
  readonly account: string
  readonly amount: bigint
  readonly at: number
}

export interface BatchRecord {
  readonly deploymentId: string
  readonly operator: string
  readonly at: number
  /** Each receipt's consumer and fee, by request id. */
  readonly receipts: ReadonlyMap<string, { readonly consumer: string; readonly fee: bigint }>
  /** What each consumer was actually charged for the batch (less than owed when its escrow ran short). */
  readonly charged: ReadonlyMap<string, bigint>
}

export interface Appeal {
  readonly id: string
  readonly account: string
  readonly slashSequence: number
  readonly amount: bigint
  readonly bond: bigint
  readonly bondStakeId: number | null
  /** The sequence of SlashAppealed: the appellant's own act, which a rejected appeal's bond slash cites. */
  readonly sequence: number
  readonly resolved: boolean
}

export interface Dispute {
  readonly id: string
  readonly consumer: string
  readonly deploymentId: string
  readonly operator: string
  readonly usageSequence: number
  readonly batchAt: number
  readonly amount: bigint
  readonly bond: bigint
  readonly bondStakeId: number | null
  readonly sequence: number
  readonly resolved: boolean
}

export interface AppealsState {
  readonly slashes: ReadonlyMap<number, SlashRecord>
  readonly batches: ReadonlyMap<number, BatchRecord>
  readonly appeals: ReadonlyMap<string, Appeal>
  readonly disputes: ReadonlyMap<string, Dispute>
  /** The slashes appealed (by sequence) and the batches disputed (`sequence:consumer`): one appeal each, one dispute per consumer per batch. */
  readonly appealed: ReadonlySet<number>
  readonly disputed: ReadonlySet<string>
}

export const initialAppealsState: AppealsState = { slashes: new Map(), batches: new Map(), appeals: new Map(), disputes: new Map(), appealed: new Set(), disputed: new Set() }

export const disputeKey = (usageSequence: number, consumer: string): string => `${usageSequence}:${consumer}`
