/**
 * Snapshots of a command handler's durable fold (docs/snapshots.md): writing one without
 * stalling the service, starting a handler from the newest one the log vouches for, and checking
 * one against a replay.
 *
 * A snapshot is trusted only as far as the log vouches for it: its bytes must hash to the hash
 * recorded with them, it must name this ledger and vertical, and its `headHash` must be the hash
 * of the log's own envelope at its sequence. Anything else is refused with a reason, and the
 * service falls back to an older snapshot or to a full replay: a snapshot can make a start
 * faster, never different.
 */
import { createHash } from 'node:crypto'
import { rulesDigest } from '../rules-digest.js'
import { packageVersion } from '../package-info.js'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Vertical } from '../../domain/decider.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import { decodeSnapshot, encodeSnapshot, snapshotChunks, snapshotHash, SNAPSHOT_FORMAT, type SnapshotDocument } from '../../domain/snapshot/codec.js'
import { foldEnvelope, type CommandHandler, type DurableFold } from '../command-handler.js'
import type { StorageBackend } from '../store/backend.js'
import type { SnapshotRecord, SnapshotStore } from './store.js'


let software: string | undefined

/**
 * What folded a snapshot: the package version and the digest of the rules this process runs
 * (infrastructure/rules-digest.ts, first 16 hex digits), so a build whose rules changed refuses
 * its predecessor's snapshots even without a version bump, and the next start replays and writes
 * its own. Computed on first use (it reads the domain's modules), not when this module loads.
 */
export function snapshotSoftware(): string {
  return (software ??= `model-ledger@${packageVersion()}+rules.${rulesDigest().slice(0, 16)}`)
}

/** What snapshots need of the log: its id, head, one envelope, and the envelopes from a sequence on. */
export interface LogReader {
  readonly ledger: string
  headSequence(): Promise<number>
  envelopeAt(sequence: number): Promise<Envelope | undefined>
  readFrom(sequence: number): AsyncIterable<Envelope>
}

export function eventStoreReader(store: Pick<EventStore, 'ledgerPublicKey' | 'head' | 'readAll'>): LogReader {
  return {
    ledger: store.ledgerPublicKey,
    headSequence: async () => (await store.head()).sequence,
    async envelopeAt(sequence) {
      for await (const envelope of store.readAll(sequence)) return envelope.sequence === sequence ? envelope : undefined
      return undefined
    },
    readFrom: (sequence) => store.readAll(sequence),
  }
}

const PAGE = 1000

export async function backendReader(backend: StorageBackend): Promise<LogReader> {
  const ledger = await backend.ledgerKey()
  if (ledger === undefined) throw new Error('the store holds no ledger yet')
  return {
    ledger,
    headSequence: async () => (await backend.head()).sequence,
    envelopeAt: async (sequence) => (await backend.readRange(sequence, 1)).find((e) => e.sequence === sequence),
    async *readFrom(sequence) {
      for (let next = Math.max(1, sequence); ; ) {
        const page = await backend.readRange(next, PAGE)
        yield* page
        if (page.length < PAGE) return
        next += page.length
      }
    },
  }
}

export interface SnapshotLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
}

const quiet: SnapshotLogger = { info: () => undefined, warn: () => undefined }

export interface Refusal {
  readonly sequence: number
  readonly reason: string
}

export type Checked<S> = { readonly ok: true; readonly doc: SnapshotDocument<S>; readonly fold: DurableFold<S> } | { readonly ok: false; readonly reason: string }

/** Everything but the replay: the recorded hash, the format, the ledger and vertical, and the log's hash at its sequence. */
export async function checkSnapshot<S>(bytes: Uint8Array, record: SnapshotRecord, log: LogReader, vertical: string): Promise<Checked<S>> {
  const actual = createHash('sha256').update(bytes).digest('hex')
  if (actual !== record.hash) return { ok: false, reason: `its bytes hash to ${actual}, not the recorded ${record.hash}` }
  let doc: SnapshotDocument<S>
  try {
    doc = decodeSnapshot<S>(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    return { ok: false, reason: `it does not decode: ${(error as Error).message}` }
  }
  if (doc.sequence !== record.sequence) return { ok: false, reason: `it holds sequence ${doc.sequence}, recorded as ${record.sequence}` }
  if (doc.ledger !== log.ledger) return { ok: false, reason: `it is a snapshot of ledger ${doc.ledger}, not ${log.ledger}` }
  if (doc.vertical !== vertical) return { ok: false, reason: `it is a snapshot of the ${doc.vertical} fold, not ${vertical}` }
  if (doc.software !== snapshotSoftware()) return { ok: false, reason: `it was folded by ${doc.software}, not ${snapshotSoftware()}: the rules may differ` }
  const envelope = await log.envelopeAt(doc.sequence)
  if (envelope === undefined) return { ok: false, reason: `the log has no sequence ${doc.sequence}` }
  if (envelope.hash !== doc.headHash) return { ok: false, reason: `its head hash ${doc.headHash} is not the log's ${envelope.hash} at sequence ${doc.sequence}` }
  return { ok: true, doc, fold: { state: doc.state, position: doc.sequence, headRecordedAt: envelope.recordedAt, streamVersions: doc.streams } }
}

export interface LoadedSnapshot<S> {
  /** The fold to start from, when a snapshot passed; undefined: replay from the start. */
  readonly start: DurableFold<S> | undefined
  readonly record: SnapshotRecord | undefined
  /** The snapshots refused on the way, newest first, each with why. */
  readonly refused: readonly Refusal[]
  readonly ms: number
}

/** The newest snapshot at or below the log's head that checks out; the others are refused with a logged reason. */
export async function loadSnapshot<S>(options: { snapshots: SnapshotStore; log: LogReader; vertical: string; logger?: SnapshotLogger }): Promise<LoadedSnapshot<S>> {
  const started = performance.now()
  const logger = options.logger ?? quiet
  const head = await options.log.headSequence()
  const refused: Refusal[] = []
  const refuse = (sequence: number, reason: string): void => {
    refused.push({ sequence, reason })
    logger.warn({ snapshot: sequence, reason, where: options.snapshots.where }, 'snapshot refused')
  }
  for (const record of await options.snapshots.list()) {
    if (record.sequence > head) {
      refuse(record.sequence, `it is past the log's head ${head}: the log was truncated or is another one`)
      continue
    }
    const bytes = await options.snapshots.read(record)
    if (bytes === undefined) {
      refuse(record.sequence, 'it disappeared before it could be read')
      continue
    }
    const checked = await checkSnapshot<S>(bytes, record, options.log, options.vertical)
    if (!checked.ok) {
      refuse(record.sequence, checked.reason)
      continue
    }
    const ms = Math.round(performance.now() - started)
    logger.info({ snapshot: record.sequence, hash: record.hash, bytes: record.bytes, ms }, 'starting from snapshot')
    return { start: checked.fold, record, refused, ms }
  }
  if (refused.length > 0) logger.warn({ refused: refused.length }, 'no snapshot usable: replaying the whole log')
  return { start: undefined, record: undefined, refused, ms: Math.round(performance.now() - started) }
}

export interface WrittenSnapshot {
  readonly record: SnapshotRecord
  /** Wall time of the write, and the longest stretch it held the event loop. */
  readonly ms: number
  readonly longestSliceMs: number
  readonly slices: number
}

/**
 * Writes the snapshot of a durable fold. Encoding runs in slices of about `sliceMs` between which
 * the event loop runs (commands keep being decided); the fold is a persistent value, so it does
 * not change meanwhile. The newest `keep` snapshots are kept.
 */
export async function writeSnapshot<S>(options: { snapshots: SnapshotStore; log: LogReader; vertical: string; fold: DurableFold<S>; sliceMs?: number; keep?: number }): Promise<WrittenSnapshot> {
  const started = performance.now()
  const { fold } = options
  const envelope = await options.log.envelopeAt(fold.position)
  if (envelope === undefined) throw new Error(`the log has no sequence ${fold.position} to snapshot at`)
  const next = snapshotChunks(documentOf(options.log.ledger, options.vertical, envelope.hash, fold))
  const sliceMs = options.sliceMs ?? 8
  let longest = 0
  let slices = 0
  async function* sliced(): AsyncGenerator<string> {
    let slice = performance.now()
    for (let chunk = next(); chunk !== undefined; chunk = next()) {
      yield chunk
      // The consumer hashed and buffered the chunk before resuming us: its time counts too.
      const now = performance.now()
      if (now - slice >= sliceMs) {
        longest = Math.max(longest, now - slice)
        slices++
        await nextTurn()
        slice = performance.now()
      }
    }
    longest = Math.max(longest, performance.now() - slice)
    slices++
  }
  const record = await options.snapshots.write(fold.position, sliced())
  await options.snapshots.prune(options.keep ?? 3)
  return { record, ms: Math.round(performance.now() - started), longestSliceMs: Math.round(longest * 10) / 10, slices }
}

function documentOf<S>(ledger: string, vertical: string, headHash: string, fold: DurableFold<S>): SnapshotDocument<S> {
  return { format: SNAPSHOT_FORMAT, ledger, vertical, sequence: fold.position, headHash, software: snapshotSoftware(), state: fold.state, streams: fold.streamVersions }
}

/** The durable fold of the log up to `sequence`, replayed from the start as a command handler folds it. */
export async function replayTo<C, E, S, Code extends string>(vertical: Vertical<C, E, S, Code>, log: LogReader, sequence: number): Promise<DurableFold<S>> {
  let state = vertical.decider.initialState
  const versions = new Map<string, number>()
  let position = 0
  let headRecordedAt: string | null = null
  if (sequence > 0) {
    for await (const envelope of log.readFrom(1)) {
      if (envelope.sequence !== position + 1) throw new Error(`the log skipped from ${position} to ${envelope.sequence}`)
      state = foldEnvelope(vertical, state, versions, envelope)
      position = envelope.sequence
      headRecordedAt = envelope.recordedAt
      if (position === sequence) break
    }
  }
  if (position !== sequence) throw new Error(`the log ends at ${position}, before sequence ${sequence}`)
  return { state, position, headRecordedAt, streamVersions: versions }
}

export type Verdict = { readonly ok: true; readonly sequence: number; readonly hash: string; readonly bytes: number } | { readonly ok: false; readonly sequence: number; readonly reason: string }

/** A held snapshot against a replay of the log to its sequence: the same bytes, or where they first differ. */
export async function verifySnapshot<C, E, S, Code extends string>(record: SnapshotRecord, snapshots: SnapshotStore, log: LogReader, vertical: Vertical<C, E, S, Code>): Promise<Verdict> {
  const bytes = await snapshots.read(record)
  if (bytes === undefined) return { ok: false, sequence: record.sequence, reason: 'it is not there' }
  const checked = await checkSnapshot<S>(bytes, record, log, vertical.name)
  if (!checked.ok) return { ok: false, sequence: record.sequence, reason: checked.reason }
  const replayed = await replayTo(vertical, log, record.sequence)
  const expected = encodeSnapshot(documentOf(log.ledger, vertical.name, checked.doc.headHash, replayed))
  const held = new TextDecoder().decode(bytes)
  if (held === expected) return { ok: true, sequence: record.sequence, hash: record.hash, bytes: bytes.length }
  let at = 0
  while (at < held.length && held.charCodeAt(at) === expected.charCodeAt(at)) at++
  const around = (text: string): string => JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))
  return { ok: false, sequence: record.sequence, reason: `its state differs from the replay's at character ${at}: snapshot ${around(held)}, replay ${around(expected)} (replay hash ${snapshotHash(expected)})` }
}

export interface Snapshotter {
  /** Writes a snapshot when the durable fold is `every` events or more past the last one. */
  tick(): Promise<WrittenSnapshot | undefined>
  /** Catches up with the committed log and writes a snapshot if anything is new (a clean shutdown). */
  final(): Promise<WrittenSnapshot | undefined>
  /** The sequence of the last snapshot written or started from. */
  last(): number
}

/** Snapshots a handler's durable fold every `every` events; one write at a time. */
export function createSnapshotter<S>(options: { handler: Pick<CommandHandler<S, string>, 'durable' | 'caughtUp'>; snapshots: SnapshotStore; log: LogReader; vertical: string; every: number; since?: number; keep?: number; sliceMs?: number; logger?: SnapshotLogger }): Snapshotter {
  const logger = options.logger ?? quiet
  let last = options.since ?? 0
  let writing: Promise<WrittenSnapshot | undefined> = Promise.resolve(undefined)

  function write(fold: () => Promise<DurableFold<S>> | DurableFold<S>, due: (position: number) => boolean): Promise<WrittenSnapshot | undefined> {
    const run = writing.catch(() => undefined).then(async () => {
      const durable = await fold()
      if (!due(durable.position)) return undefined
      const written = await writeSnapshot({ snapshots: options.snapshots, log: options.log, vertical: options.vertical, fold: durable, ...(options.keep === undefined ? {} : { keep: options.keep }), ...(options.sliceMs === undefined ? {} : { sliceMs: options.sliceMs }) })
      last = durable.position
      logger.info({ snapshot: written.record.sequence, hash: written.record.hash, bytes: written.record.bytes, ms: written.ms, longestSliceMs: written.longestSliceMs, where: options.snapshots.where }, 'snapshot written')
      return written
    })
    writing = run
    return run
  }

  return {
    tick: () => write(() => options.handler.durable(), (position) => position - last >= options.every),
    final: () => write(() => options.handler.caughtUp(), (position) => position > last),
    last: () => last,
  }
}
