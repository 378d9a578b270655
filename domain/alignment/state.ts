/** What the RLHF rules remember: rounds with their commits and reveals, and preference dataset versions. */
import type { PreferenceSample, Sample } from './codecs.js'

export interface Commit {
  readonly commitment: string
  readonly stake: bigint
  /** stake × trust when committed: the reveal's weight in consensus and rewards. */
  readonly weight: bigint
  readonly sequence: number
  readonly at: number
}

export interface Reveal {
  readonly scores: readonly number[]
  readonly sequence: number
}

export interface Round {
  readonly id: string
  readonly mandateId: string
  /** The root of the checkpoint whose outputs the samples are. */
  readonly checkpoint: string
  readonly samples: readonly Sample[]
  readonly pool: bigint
  readonly commitEndsAt: number
  readonly revealEndsAt: number
  readonly commits: ReadonlyMap<string, Commit>
  readonly reveals: ReadonlyMap<string, Reveal>
  readonly closed: boolean
}

/** A preference dataset version: the consensus of one closed round, what a DPO job trains on. */
export interface PreferenceDataset {
  readonly mandateId: string
  readonly version: number
  readonly roundId: string
  readonly samples: readonly PreferenceSample[]
  readonly root: string
}

export interface AlignmentState {
  readonly rounds: ReadonlyMap<string, Round>
  /** The latest preference dataset version per mandate. */
  readonly preferenceVersions: ReadonlyMap<string, number>
  /** Every preference dataset version, by preferenceKey(mandate, version). */
  readonly preferenceDatasets: ReadonlyMap<string, PreferenceDataset>
}

export const preferenceKey = (mandateId: string, version: number): string => `${mandateId}:${version}`

export const initialAlignmentState: AlignmentState = { rounds: new Map(), preferenceVersions: new Map(), preferenceDatasets: new Map() }
