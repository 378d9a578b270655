/** What the datanet rules remember: datanets, contributions with their verdicts, daily usage. */
import type { Decision, Limits, Outcome } from './values.js'

export interface Datanet {
  readonly id: string
  readonly mandateId: string
  readonly opener: string
  readonly mediaTypes: readonly string[]
  readonly licences: readonly string[]
  readonly limits: Limits
  /** Accepted contributions in the order they were accepted: the order of every version. */
  readonly accepted: readonly string[]
  readonly versions: number
  /** The members of the latest version, to refuse sealing an identical one. */
  readonly lastVersion: readonly string[]
}

export interface Verdict {
  readonly decision: Decision
  readonly quality: number
  readonly relevance: number
  readonly weight: bigint
  readonly sequence: number
}

export interface Contribution {
  readonly id: string
  readonly datanetId: string
  readonly contributor: string
  readonly contentHash: string
  readonly byteLength: number
  readonly licence: string
  readonly submittedAt: number
  /** The sequence of ContributionSubmitted: the contributor's own signed act, which a spam slash cites. */
  readonly submittedSequence: number
  readonly bond: bigint
  readonly bondStakeId: number | null
  readonly verdicts: ReadonlyMap<string, Verdict>
  readonly outcome: Outcome | null
  readonly quality: number
  readonly revoked: boolean
}

export interface Usage {
  readonly bytes: number
  readonly items: number
}

export interface DataState {
  readonly datanets: ReadonlyMap<string, Datanet>
  readonly contributions: ReadonlyMap<string, Contribution>
  /** Per contributor per UTC day (`<key>:<day number>`): what the daily limits count. */
  readonly usage: ReadonlyMap<string, Usage>
}

export const initialDataState: DataState = { datanets: new Map(), contributions: new Map(), usage: new Map() }

const DAY_MS = 24 * 60 * 60 * 1000

export function usageKey(contributor: string, at: number): string {
  return `${contributor}:${Math.floor(at / DAY_MS)}`
}

/** Accepted and not revoked: what a dataset version includes and the data pool pays for. */
export function isLive(c: Contribution): boolean {
  return c.outcome === 'accepted' && !c.revoked
}
