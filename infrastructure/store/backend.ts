/**
 * What a storage adapter must do for the ledger store. The sequencer (ledger-store.ts) owns every
 * rule of the chain; a backend only persists sealed batches atomically and reads them back.
 */
import type { Envelope } from '../../domain/ledger/envelope.js'
import type { SignedCommand } from '../../domain/ledger/command.js'
import type { AppendResult } from '../../domain/ports/event-store.js'
import type { StreamHead } from '../../domain/ledger/stream-heads.js'

export interface StoredHead {
  readonly sequence: number
  readonly hash: string
  readonly recordedAt: string | null
}

export interface StoredCommand {
  readonly hash: string
  readonly signed: SignedCommand
  readonly result: Omit<AppendResult, 'duplicate'>
}

export interface SealedBatch {
  /** The head the batch was sealed against: a backend refuses the batch if it moved. */
  readonly expectedHead: StoredHead
  readonly envelopes: readonly Envelope[]
  /** Each envelope's canonical JSON, when the writer has it already (same order as envelopes). */
  readonly texts?: readonly string[]
  readonly commands: readonly StoredCommand[]
}

/** Raised by `commit` when another writer moved the head: the sequencer reloads and retries. */
export class StaleHeadError extends Error {
  override readonly name = 'StaleHeadError'
}

export interface StorageBackend {
  readonly kind: string
  /** The ledger key this store was created for, or undefined for a new store. */
  ledgerKey(): Promise<string | undefined>
  /** Binds a new store to its ledger key; refuses a store already bound to another key. */
  bindLedgerKey(publicKey: string): Promise<void>
  head(): Promise<StoredHead>
  lastAnchor(): Promise<{ sequence: number; hash: string } | undefined>
  streamVersions(streams: readonly string[]): Promise<Map<string, number>>
  findCommands(hashes: readonly string[]): Promise<Map<string, StoredCommand>>
  /**
   * For each nonce key (`nonceKey` of domain/ledger/command.ts) already recorded, the hash of the
   * command that used it. The store keeps the pair unique by a constraint of its own, so a second
   * writer that missed the sequencer's check still cannot commit a reused nonce.
   */
  findNonces(keys: readonly string[]): Promise<Map<string, string>>
  /** Writes the batch in one durable transaction, or nothing. */
  commit(batch: SealedBatch): Promise<void>
  /** Up to `limit` envelopes with sequence >= fromSequence, in order. */
  readRange(fromSequence: number, limit: number): Promise<Envelope[]>
  /** Up to `limit` envelopes of a stream with version >= fromVersion, in order. */
  readStream(stream: string, fromVersion: number, limit: number): Promise<Envelope[]>
  /** The canonical JSON lines of envelopes, for export without re-encoding. */
  readRawRange(fromSequence: number, limit: number): Promise<{ sequence: number; commandHash: string | null; json: string }[]>
  readCommand(hash: string): Promise<SignedCommand | undefined>
  /**
   * Optional, for storage shared by several processes: runs one batch (plan and commit) as the
   * only writer across all of them, so planning starts from the head every other writer left.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>
  /**
   * Optional: true when commits are applied one after another in the order `commit` was called,
   * each checking its `expectedHead` when it runs (a stale one fails whole, writing nothing). The
   * sequencer may then hand batch k+1, sealed on top of batch k, to `commit` before batch k has
   * settled: if k fails, k+1 fails as stale, and both are planned again from the reloaded head.
   * A backend with `exclusive` is never pipelined.
   */
  readonly pipelined?: boolean
  /**
   * Optional: every stream's head (version and last sequence), in the order the streams first
   * appeared; `streamHeadsOf` reads the whole log for a backend without it.
   */
  streamHeads?(): Promise<StreamHead[]>
  /** Optional: calls `onCommit` after any process commits; returns a function that stops it. */
  watch?(onCommit: () => void): () => void
  close(): Promise<void>
}

/** Every stream's head in first-appearance order, from the backend's own query or a scan of the log. */
export async function streamHeadsOf(backend: StorageBackend): Promise<StreamHead[]> {
  if (backend.streamHeads !== undefined) return backend.streamHeads()
  const heads = new Map<string, { stream: string; version: number; lastSequence: number }>()
  for (let from = 1; ; ) {
    const page = await backend.readRange(from, 1000)
    for (const e of page) {
      const head = heads.get(e.stream)
      if (head === undefined) heads.set(e.stream, { stream: e.stream, version: e.streamVersion, lastSequence: e.sequence })
      else { head.version = e.streamVersion; head.lastSequence = e.sequence }
    }
    if (page.length < 1000) return [...heads.values()]
    from += page.length
  }
}
