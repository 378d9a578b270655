/**
 * The event store port. Every adapter (in-memory, SQLite, and the production stores) offers the
 * same behaviour, proven by one conformance suite (test/infrastructure/store/conformance.ts).
 */
import type { JsonValue } from '../json.js'
import type { Envelope } from '../ledger/envelope.js'
import type { SignedCommand } from '../ledger/command.js'
import type { AnchorRef } from '../ledger/anchor.js'
import type { KeyEra } from '../ledger/key-rotation.js'
import type { Signer } from './crypto.js'

/** What a writer expects of a stream before its events are appended. */
export type ExpectedVersion =
  | { readonly kind: 'any' }
  | { readonly kind: 'none' }
  | { readonly kind: 'exists' }
  | { readonly kind: 'exact'; readonly version: number }

export const Expected = {
  any: { kind: 'any' } as ExpectedVersion,
  none: { kind: 'none' } as ExpectedVersion,
  exists: { kind: 'exists' } as ExpectedVersion,
  exact: (version: number): ExpectedVersion => ({ kind: 'exact', version }),
}

export interface NewEvent {
  readonly type: string
  readonly data: JsonValue
}

export interface StreamWrite {
  readonly stream: string
  readonly expected: ExpectedVersion
  readonly events: readonly NewEvent[]
}

/**
 * One atomic append: all writes land together or none does.
 * With `command`, the events are caused by that signed command and the append is idempotent on
 * its hash; without, they are system events signed by the ledger alone, for the stated reason.
 */
export interface AppendRequest {
  readonly writes: readonly StreamWrite[]
  readonly command?: SignedCommand
  readonly reason?: string
  /** The ledger time the caller decided at; defaults to the clock. Never earlier than the head's. */
  readonly recordedAt?: string
  /**
   * Pipelining (infrastructure/command-handler.ts): this request was decided against the state
   * that `request` leaves, before `request` committed. It is refused with `wrong-expected-version`
   * (details `pipeline: true`) unless `request` was appended through this same store object, its
   * events are the last ones before this request's (no anchor, no other writer's event between),
   * and this request's first event lands at `sequence`. By induction, a request never commits
   * when one it was decided on top of did not.
   */
  readonly after?: { readonly request: AppendRequest; readonly sequence: number }
}

export interface AppendResult {
  readonly firstSequence: number
  readonly lastSequence: number
  /** Each written stream's version after the append. */
  readonly streamVersions: Readonly<Record<string, number>>
  readonly commandHash?: string
  readonly recordedAt: string
  /** True when this signed command had been appended before and its first result is returned. */
  readonly duplicate: boolean
}

export interface Head {
  readonly sequence: number
  readonly hash: string
  readonly recordedAt: string | null
  readonly lastAnchor: AnchorRef
}

export interface Subscription extends AsyncIterable<Envelope> {
  close(): void
}

export interface ReadStreamOptions {
  readonly fromVersion?: number
}

export interface EventStore {
  /** The ledger's id: the hex public key it was created with (its genesis key). Commands name it; auditors trust it. */
  readonly ledgerPublicKey: string
  /** The key that signs new envelopes and checkpoints: the genesis key until a rotation, then the last one's new key. */
  signingKey(): KeyEra
  /**
   * Hands signing to `next` (domain/ledger/key-rotation.ts): appends the rotation event signed by
   * the key in force and a checkpoint both keys sign, in one commit, and signs with `next` from
   * then on. Resolves to the rotation event. Refuses a key the ledger has used before.
   */
  rotateKey(next: Signer): Promise<Envelope>
  append(request: AppendRequest): Promise<AppendResult>
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<Envelope>
  /** Every envelope from `fromSequence` (default 1) to the head as of each page, in order. */
  readAll(fromSequence?: number): AsyncIterable<Envelope>
  /**
   * Up to `limit` envelopes with sequence >= fromSequence, in order: one bounded read (an indexed
   * range in every backend), for reading a few events by sequence without paging through more.
   */
  readRange(fromSequence: number, limit: number): Promise<Envelope[]>
  /** Catches up from `fromSequence`, then follows new appends until closed. */
  subscribe(fromSequence?: number): Subscription
  readCommand(commandHash: string): Promise<SignedCommand | undefined>
  /** The first result of a recorded command (an index lookup), or undefined when it is not in the log. */
  commandResult(commandHash: string): Promise<Omit<AppendResult, 'duplicate'> | undefined>
  streamVersion(stream: string): Promise<number>
  /**
   * The store's own copy of the name of a stream it holds (undefined for one it does not), so a
   * process that keeps per-stream maps of its own (a handler's versions, a lineage index) holds
   * each name once. Optional: a store without one costs only memory.
   */
  streamName?(stream: string): string | undefined
  head(): Promise<Head>
  /** Seals an anchor over the events since the last one; undefined when there are none. */
  sealAnchor(): Promise<Envelope | undefined>
  /** Seals a final anchor, then releases the store. */
  close(): Promise<void>
}
