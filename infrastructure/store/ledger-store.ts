/**
 * The ledger store: the one sequencer that turns append requests into sealed, chained envelopes
 * over any storage backend.
 *
 * Outside the queue: request validation and command signature checks. Inside the queue: version
 * checks, hashing, signing, anchoring and one durable commit per batch (group commit), so
 * concurrent callers share an fsync without ever breaking the chain or the gapless sequence.
 *
 * The ledger's id is the key it is bound to (its genesis key); the key that signs is the one the
 * log says is in force (domain/ledger/key-rotation.ts). A key rotation is one batch: the rotation
 * event signed by the outgoing key, then a checkpoint signed by the incoming key whose note both
 * keys sign; the store signs with the new key from the moment that batch commits, never before.
 */
import { canonicalize, CanonicalizationError } from '../../domain/canonical/jcs.js'
import { isInstant, JsonValueC } from '../../domain/codec.js'
import { toHex } from '../../domain/crypto/hex.js'
import type { JsonValue } from '../../domain/json.js'
import { anchorData, checkpointText, defaultOrigin, NO_ANCHOR, ORIGIN, TREE_ALGORITHM, type AnchorData, type AnchorRef } from '../../domain/ledger/anchor.js'
import { nonceKey, type SignedCommand } from '../../domain/ledger/command.js'
import { checkSigned } from '../verified-commands.js'
import { LEDGER_FORMAT, sealEnvelopeText, type Cause, type Envelope } from '../../domain/ledger/envelope.js'
import { LedgerError } from '../../domain/ledger/errors.js'
import { StreamingRoot } from '../../domain/ledger/merkle.js'
import { StreamHeads } from '../../domain/ledger/stream-heads.js'
import { ANCHOR_STREAM, ANCHOR_TYPE, KEYS_STREAM, ROTATION_TYPE, STREAM_NAME, TYPE_NAME } from '../../domain/ledger/names.js'
import { rotationData, ROTATION_REASON, type KeyEra } from '../../domain/ledger/key-rotation.js'
import { keyChainOf } from './signing-keys.js'
import { RecentEnvelopes } from './recent-envelopes.js'
import type { Clock } from '../../domain/ports/clock.js'
import type { CryptoSuite, Signer } from '../../domain/ports/crypto.js'
import type { AppendRequest, AppendResult, EventStore, ExpectedVersion, Head, Subscription } from '../../domain/ports/event-store.js'
import { fromHex } from '../../domain/crypto/hex.js'
import { systemClock } from '../clock.js'
import { nativeCrypto } from '../crypto/native.js'
import { storageCodeOf } from './storage-full.js'
import { StaleHeadError, streamHeadsOf, type StorageBackend, type StoredCommand, type StoredHead } from './backend.js'
import { inSpan } from '../tracing.js'

export interface LedgerStoreOptions {
  readonly backend: StorageBackend
  /** The key in force: the genesis key for a new store, the last rotation's new key after one. */
  readonly signer: Signer
  readonly crypto?: CryptoSuite
  readonly clock?: Clock
  /** The checkpoint origin; defaults to the log's own, or `model-ledger/<first 16 hex digits of the key>` for a new log. */
  readonly origin?: string
  /** Seal an anchor once this many events are unanchored. */
  readonly anchorEvery?: number
  /** Seal an anchor this often (ms) when events are waiting; 0 turns the timer off. */
  readonly anchorIntervalMs?: number
  /** How often a caught-up subscription looks for appends by another process (ms). */
  readonly pollIntervalMs?: number
  readonly maxEventsPerRequest?: number
  readonly maxEventBytes?: number
  /** How many of the envelopes it committed last the store keeps for its own readers (recent-envelopes.ts; default 4096). */
  readonly recentEnvelopes?: number
}

const PAGE = 1000
const textEncoder = new TextEncoder()
const MAX_BATCH_REQUESTS = 2000

type Job =
  | { kind: 'append'; request: ValidRequest; resolve: (r: AppendResult) => void; reject: (e: unknown) => void }
  | { kind: 'seal'; resolve: (e: Envelope | undefined) => void; reject: (e: unknown) => void }
  | { kind: 'rotate'; next: Signer; resolve: (e: Envelope) => void; reject: (e: unknown) => void }

interface ValidRequest {
  /** The caller's own request object: a later request's `after` names it. */
  readonly source: AppendRequest
  readonly after?: AppendRequest['after']
  readonly writes: AppendRequest['writes']
  /** Each event's canonical data text, per write, computed once during validation. */
  readonly dataTexts: readonly (readonly string[])[]
  readonly command?: SignedCommand
  readonly commandHash?: string
  readonly reason: string
  readonly recordedAt?: string
}

/** A batch planned: its envelopes, the state after it (stream versions included), and how to answer its jobs once it is durable. */
interface Plan {
  readonly envelopes: Envelope[]
  readonly texts: string[]
  readonly commands: StoredCommand[]
  readonly state: ChainState
  readonly settle: () => void
}

/** A batch handed to the backend. `empty`: nothing to write, queued only to answer in order. */
interface Launched {
  readonly batch: Job[]
  readonly plan: Plan
  readonly attempt: number
  readonly commit: Promise<void>
  /** Resolves when the commit is done, either way. */
  readonly settled: Promise<void>
  readonly empty: boolean
}

interface ChainState {
  head: StoredHead
  lastAnchor: AnchorRef
  /** The RFC 9162 tree of every event up to the head, as its right edge. */
  tree: StreamingRoot
  /** Every stream's head: mutated while a batch is planned, reloaded if that batch fails. */
  heads: StreamHeads
  origin: string
  /** The signing keys in order; the last is in force. */
  keys: readonly KeyEra[]
  /** The signer of the key in force, or undefined when this process does not hold it (another writer rotated). */
  signer: Signer | undefined
  /** The request whose events end at the head, when one of this process's appends put them there. */
  lastRequest: AppendRequest | undefined
}

/** A backend failure as LedgerError('storage'), keeping the backend's code (SQLITE_FULL, ENOSPC, 53100…) in details. */
function storageError(what: string, error: unknown): LedgerError {
  const code = storageCodeOf(error)
  return new LedgerError('storage', `${what}: ${(error as Error).message}`, code === undefined ? {} : { storageCode: code })
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function checkExpected(stream: string, expected: ExpectedVersion, actual: number): void {
  const ok =
    expected.kind === 'any' ||
    (expected.kind === 'none' && actual === 0) ||
    (expected.kind === 'exists' && actual > 0) ||
    (expected.kind === 'exact' && actual === expected.version)
  if (!ok) {
    const wanted = expected.kind === 'exact' ? String(expected.version) : expected.kind
    throw new LedgerError('wrong-expected-version', `stream ${stream} is at version ${actual}, expected ${wanted}`, {
      stream,
      actual,
      expected: wanted,
    })
  }
}

function currentKey(state: Pick<ChainState, 'keys'>): KeyEra {
  return state.keys[state.keys.length - 1] as KeyEra
}

function signingOf(state: Pick<ChainState, 'signer'>): Signer {
  if (state.signer === undefined) throw new LedgerError('unknown-signer', 'this process does not hold the ledger key in force')
  return state.signer
}

export async function openLedgerStore(options: LedgerStoreOptions): Promise<EventStore> {
  const { backend, signer } = options
  const crypto = options.crypto ?? nativeCrypto
  const clock = options.clock ?? systemClock
  const anchorEvery = options.anchorEvery ?? 1000
  const anchorIntervalMs = options.anchorIntervalMs ?? 10_000
  const pollIntervalMs = options.pollIntervalMs ?? 250
  const maxEvents = options.maxEventsPerRequest ?? 1000
  const maxEventBytes = options.maxEventBytes ?? 1024 * 1024
  if (options.origin !== undefined && !ORIGIN.test(options.origin)) throw new LedgerError('malformed', `checkpoint origin ${JSON.stringify(options.origin)} must be printable ASCII without spaces or +`)
  // The ledger's id: the key it is bound to, or (a new store) the signer's, which becomes its genesis key.
  const ledgerPublicKey = (await backend.ledgerKey()) ?? toHex(signer.publicKey)
  await backend.bindLedgerKey(ledgerPublicKey)
  /** The signers this process holds, by public key: the one it opened with and any it rotated to. */
  const signers = new Map<string, Signer>([[toHex(signer.publicKey), signer]])

  // What this process committed last, parsed once for all its readers.
  const recent = new RecentEnvelopes(options.recentEnvelopes ?? 4096)
  let state = await loadState()
  const opened = currentKey(state)
  if (state.signer === undefined) {
    throw new LedgerError('unknown-signer', `the key given, ${toHex(signer.publicKey)}, is not this ledger's key in force: ledger key ${opened.publicKey} signs it (since sequence ${opened.since})`, { signingKey: opened.publicKey })
  }
  // Set when a planned batch recorded stream heads that never committed: the next batch reloads.
  let stale = false
  let queue: Job[] = []
  let draining = false
  // Batches handed to the backend and not yet settled, oldest first (at most `depth`).
  let launched: Launched[] = []
  const depth = backend.pipelined === true && backend.exclusive === undefined ? 2 : 1
  // Called when a job is queued while the drain waits on a commit.
  let arrived: (() => void) | undefined
  let closed = false
  let closing = false
  let wake: (() => void) | undefined
  let wakeSignal = new Promise<void>((resolve) => (wake = resolve))
  // Commits by other processes on shared storage wake live subscribers as our own commits do.
  const unwatch = backend.watch?.(notify)

  /** The head, the tree resumed from the last checkpoint's right edge plus the events after it, and every stream head. */
  async function loadState(): Promise<ChainState> {
    const head = await backend.head()
    const last = (await backend.lastAnchor()) ?? NO_ANCHOR
    let tree = new StreamingRoot(crypto.sha256)
    let origin = options.origin ?? defaultOrigin(ledgerPublicKey)
    if (last.sequence > 0) {
      const [envelope] = await backend.readRange(last.sequence, 1)
      const data = envelope === undefined ? undefined : anchorData(envelope)
      const resumed = data === undefined ? undefined : StreamingRoot.resume(data.treeSize, data.rightEdge, crypto.sha256)
      if (envelope === undefined || data === undefined || resumed === undefined) {
        throw new LedgerError('storage', `the checkpoint at sequence ${last.sequence} is not in this ledger format (an earlier version wrote it); export what you need with that version and start a new ledger`)
      }
      if (options.origin !== undefined && options.origin !== data.origin) {
        throw new LedgerError('malformed', `this log's checkpoint origin is ${JSON.stringify(data.origin)}, not ${JSON.stringify(options.origin)}`)
      }
      origin = data.origin
      resumed.push(fromHex(envelope.hash))
      tree = resumed
    }
    for (let from = last.sequence + 1; from <= head.sequence; from += PAGE) {
      for (const e of await backend.readRange(from, PAGE)) tree.push(fromHex(e.hash))
    }
    const heads = StreamHeads.from(await streamHeadsOf(backend), crypto.sha256)
    const keys = await keyChainOf(backend, ledgerPublicKey)
    return { head, lastAnchor: last, tree, heads, origin, keys, signer: signers.get(currentKey({ keys }).publicKey), lastRequest: undefined }
  }

  /**
   * The committed state moved on to `current`, the head another writer on the same storage left:
   * when that head extends this process's own (nothing it recorded is uncommitted), only the
   * events between the two are read, each checked to continue the chain, and taken into the tree,
   * the stream heads, the last checkpoint and the key chain. So a batch after another instance's
   * costs what that instance wrote, not the whole state (every stream head, the tail since the
   * last checkpoint). Anything else (a failed batch's leftovers, a head that is not ahead, a
   * chain that does not continue) loads the whole state again.
   */
  async function caughtUp(current: StoredHead): Promise<ChainState> {
    const base = state
    if (stale || current.sequence <= base.head.sequence) return loadState()
    // The stream heads are shared with the committed state: until the catch-up is whole, they are not to be trusted.
    stale = true
    const tree = base.tree.clone()
    let head = base.head
    let lastAnchor = base.lastAnchor
    let rotated = false
    while (head.sequence < current.sequence) {
      const page = await backend.readRange(head.sequence + 1, Math.min(PAGE, current.sequence - head.sequence))
      if (page.length === 0) return loadState()
      for (const e of page) {
        if (e.sequence !== head.sequence + 1 || e.prevHash !== head.hash) return loadState()
        tree.push(fromHex(e.hash))
        base.heads.record(e.stream, e.streamVersion, e.sequence)
        if (e.stream === ANCHOR_STREAM) lastAnchor = { sequence: e.sequence, hash: e.hash }
        else if (e.stream === KEYS_STREAM) rotated = true
        head = { sequence: e.sequence, hash: e.hash, recordedAt: e.recordedAt }
      }
    }
    if (head.hash !== current.hash) return loadState()
    const keys = rotated ? await keyChainOf(backend, ledgerPublicKey) : base.keys
    const signer = rotated ? signers.get(currentKey({ keys }).publicKey) : base.signer
    return { ...base, head, lastAnchor, tree, keys, signer, lastRequest: undefined }
  }

  function notify(): void {
    const current = wake
    wakeSignal = new Promise<void>((resolve) => (wake = resolve))
    current?.()
  }

  function validate(request: AppendRequest): ValidRequest {
    if (request.writes.length === 0) throw new LedgerError('malformed', 'an append needs at least one write')
    const seen = new Set<string>()
    const dataTexts: string[][] = []
    let total = 0
    for (const write of request.writes) {
      const texts: string[] = []
      dataTexts.push(texts)
      if (!STREAM_NAME.test(write.stream)) throw new LedgerError('malformed', `invalid stream name ${JSON.stringify(write.stream)}`)
      if (write.stream === ANCHOR_STREAM || write.stream === KEYS_STREAM) throw new LedgerError('reserved', `only the ledger writes to ${write.stream}`)
      if (seen.has(write.stream)) throw new LedgerError('malformed', `stream ${write.stream} appears twice in one append`)
      seen.add(write.stream)
      if (write.expected.kind === 'exact' && !(Number.isSafeInteger(write.expected.version) && write.expected.version >= 0)) {
        throw new LedgerError('malformed', 'an exact expected version is a whole number >= 0')
      }
      if (write.events.length === 0) throw new LedgerError('malformed', `the write to ${write.stream} has no events`)
      for (const event of write.events) {
        if (!TYPE_NAME.test(event.type)) throw new LedgerError('malformed', `invalid event type ${JSON.stringify(event.type)}`)
        if (event.type === ANCHOR_TYPE || event.type === ROTATION_TYPE) throw new LedgerError('reserved', `only the ledger writes ${event.type}`)
        // The envelope codec allows 64 levels; deeper data would be stored but fail verification.
        if (!JsonValueC.is(event.data)) throw new LedgerError('malformed', 'event data is not I-JSON of at most 64 levels')
        let text: string
        try {
          text = canonicalize(event.data)
        } catch (error) {
          if (error instanceof CanonicalizationError) throw new LedgerError('malformed', `event data is not I-JSON: ${error.message}`)
          throw error
        }
        texts.push(text)
        const size = Buffer.byteLength(text)
        if (size > maxEventBytes) throw new LedgerError('malformed', `event data is ${size} bytes; the limit is ${maxEventBytes}`)
      }
      total += write.events.length
    }
    if (total > maxEvents) throw new LedgerError('malformed', `${total} events in one append; the limit is ${maxEvents}`)
    if (request.recordedAt !== undefined && !isInstant(request.recordedAt)) {
      throw new LedgerError('malformed', 'recordedAt must be a UTC timestamp with milliseconds')
    }
    if (request.after !== undefined && !(Number.isSafeInteger(request.after.sequence) && request.after.sequence >= 1)) {
      throw new LedgerError('malformed', 'a pipelined request lands at a whole sequence >= 1')
    }
    const reason = request.reason ?? 'append'
    const common = { source: request, ...(request.after === undefined ? {} : { after: request.after }), writes: request.writes, dataTexts, reason, recordedAt: request.recordedAt }
    if (request.command === undefined) {
      if (!/^[a-z][a-z0-9-]{0,63}$/.test(reason)) throw new LedgerError('malformed', 'a system reason is lower-case words joined by -')
      return common
    }
    const check = checkSigned(request.command, crypto)
    if (!check.ok) throw new LedgerError(check.code, check.message)
    // A command signed for another ledger would otherwise mean the same thing here: refuse it.
    if (check.signed.command.ledger !== ledgerPublicKey) {
      throw new LedgerError('wrong-ledger', `the command names ledger ${check.signed.command.ledger}, not this ledger (${ledgerPublicKey})`, { ledger: ledgerPublicKey })
    }
    return { ...common, command: check.signed, commandHash: check.hash }
  }

  function schedule(): void {
    arrived?.()
    if (draining) return
    draining = true
    setImmediate(() => void drain())
  }

  /**
   * Takes queued jobs a batch at a time. With a pipelined backend, batch k+1 is planned (checked,
   * hashed, signed) on top of batch k while k commits, and handed to the backend behind it, so the
   * writer never waits for the planner nor the planner for the fsync; at most `depth` batches are
   * out at once, and each settles in order, only once it is durable.
   */
  async function drain(): Promise<void> {
    try {
      while (queue.length > 0 || launched.length > 0) {
        if (queue.length > 0 && launched.length < depth) {
          const batch = queue.slice(0, MAX_BATCH_REQUESTS)
          queue = queue.slice(batch.length)
          if (backend.exclusive !== undefined) {
            const run = () => runBatch(batch)
            try {
              await backend.exclusive(run)
            } catch (error) {
              // The writer lock could not be taken or released; jobs runBatch already settled ignore this.
              for (const job of batch) job.reject(storageError('the store failed', error))
            }
          } else await launch(batch, 0)
          continue
        }
        const oldest = launched[0] as Launched
        if (queue.length === 0 && launched.length < depth) {
          // Wait for the oldest commit, or for new work to plan on top of it meanwhile (gathered
          // for one turn of the event loop, so callers arriving together share a batch).
          const arrival = new Promise<void>((resolve) => (arrived = resolve))
          const outcome = await Promise.race([oldest.settled.then(() => 'settled' as const), arrival.then(() => 'arrived' as const)])
          arrived = undefined
          if (outcome === 'arrived') {
            await new Promise<void>((resolve) => setImmediate(resolve))
            continue
          }
        }
        await finishOldest()
      }
    } finally {
      draining = false
      if (queue.length > 0) schedule()
    }
  }

  /** The state the next batch is planned on: the last launched batch's, else the committed one. */
  function tip(): ChainState {
    return launched[launched.length - 1]?.plan.state ?? state
  }

  /**
   * What a batch is checked against besides the plan itself: the commands and nonces already
   * recorded (in the log, or in a launched batch not yet committed) and the versions of the
   * streams it writes. With nothing launched, the head is compared with the backend's first:
   * another writer on the same storage may have moved it.
   */
  async function prepare(batch: Job[]): Promise<{ existing: Map<string, StoredCommand>; usedNonces: Map<string, string> }> {
    const hashes = batch.flatMap((job) => (job.kind === 'append' && job.request.commandHash !== undefined ? [job.request.commandHash] : []))
    const nonces = batch.flatMap((job) => (job.kind === 'append' && job.request.command !== undefined ? [nonceKey(job.request.command.command)] : []))
    if (launched.length === 0) {
      const current = await backend.head()
      if (stale || current.sequence !== state.head.sequence || current.hash !== state.head.hash) {
        state = await caughtUp(current)
        stale = false
      }
    }
    const existing = await backend.findCommands(hashes)
    const usedNonces = await backend.findNonces(nonces)
    for (const { plan } of launched) {
      for (const stored of plan.commands) {
        existing.set(stored.hash, stored)
        usedNonces.set(nonceKey(stored.signed.command), stored.hash)
      }
    }
    return { existing, usedNonces }
  }

  /** `prepare`, or undefined after failing every job of the batch when the backend cannot be read. */
  async function prepared(batch: Job[]): Promise<Awaited<ReturnType<typeof prepare>> | undefined> {
    try {
      return await prepare(batch)
    } catch (error) {
      for (const job of batch) job.reject(storageError('the store failed', error))
      return undefined
    }
  }

  /** Plans a batch on the tip and hands it to the backend without waiting for the commit. */
  async function launch(batch: Job[], attempt: number): Promise<void> {
    const checked = await prepared(batch)
    if (checked === undefined) return
    const base = tip()
    const plan = planBatch(batch, base, checked.existing, checked.usedNonces)
    if (plan.envelopes.length === 0) {
      if (launched.length === 0) plan.settle()
      else {
        // Nothing to write, but its answers (duplicates, refusals) must not overtake the batches before it.
        const before = launched[launched.length - 1] as Launched
        const commit = before.commit.then(() => undefined)
        commit.catch(() => undefined)
        launched.push({ batch, plan, attempt, settled: before.settled, commit, empty: true })
      }
      return
    }
    const head = base.head
    const commit = inSpan('ledger.commit', { 'ledger.events': plan.envelopes.length, 'ledger.batch.requests': batch.length, 'ledger.sequence.first': head.sequence + 1 }, () =>
      backend.commit({ expectedHead: head, envelopes: plan.envelopes, texts: plan.texts, commands: plan.commands }),
    )
    launched.push({ batch, plan, attempt, commit, settled: commit.then(() => undefined, () => undefined), empty: false })
  }

  /** True when the batch is in the log after all (a writer that died after its commit reported failure). */
  async function landed(plan: Plan): Promise<boolean> {
    const last = plan.envelopes[plan.envelopes.length - 1]
    if (last === undefined) return false
    const [found] = await backend.readRange(last.sequence, 1)
    return found !== undefined && found.hash === last.hash
  }

  /**
   * Settles the oldest launched batch once its commit is done. A failure reloads the state from
   * the backend; every later batch was sealed on top of the failed one, so it either failed as
   * stale or (a writer that died after committing) is found in the log: the found ones settle as
   * committed, the rest go back to the front of the queue in order, to be planned again.
   */
  async function finishOldest(): Promise<void> {
    const oldest = launched[0] as Launched
    let failure: { error: unknown } | undefined
    try {
      await oldest.commit
    } catch (error) {
      failure = { error }
    }
    if (failure === undefined) {
      launched.shift()
      if (!oldest.empty) {
        state = oldest.plan.state
        remember(oldest.plan)
      }
      oldest.plan.settle()
      if (!oldest.empty) notify()
      return
    }
    const all = launched
    launched = []
    for (const later of all.slice(1)) await later.settled
    stale = true
    const committed: Launched[] = []
    try {
      for (const item of all) if (!item.empty && (await landed(item.plan))) committed.push(item)
      state = await loadState()
      stale = false
    } catch (reloading) {
      // Every job must still settle: a store that cannot even be read fails the batches.
      for (const item of all) for (const job of item.batch) job.reject(storageError('the store failed', reloading))
      return
    }
    // Batches commit in order: the ones that landed are a prefix.
    let index = 0
    while (index < all.length && (committed.includes(all[index] as Launched) || ((all[index] as Launched).empty && index > 0 && committed.includes(all[index - 1] as Launched)))) {
      const item = all[index] as Launched
      if (!item.empty) remember(item.plan)
      item.plan.settle()
      index++
    }
    if (index > 0) notify()
    const rest = all.slice(index)
    const first = rest[0]
    if (first === undefined) return
    const requeued = rest.slice(1).flatMap((item) => item.batch)
    if (index === 0 && !(failure.error instanceof StaleHeadError && first.attempt < 3)) {
      for (const job of first.batch) job.reject(storageError('the store refused the batch', failure.error))
      queue = [...requeued, ...queue]
      return
    }
    queue = [...requeued, ...queue]
    await launch(first.batch, index === 0 ? first.attempt + 1 : first.attempt)
  }

  /** The path for a backend with `exclusive`: one batch at a time, planned and committed inside it. */
  async function runBatch(batch: Job[], attempt = 0): Promise<void> {
    const checked = await prepared(batch)
    if (checked === undefined) return
    const plan = planBatch(batch, state, checked.existing, checked.usedNonces)
    if (plan.envelopes.length === 0) {
      plan.settle()
      return
    }
    try {
      const head = state.head
      await inSpan('ledger.commit', { 'ledger.events': plan.envelopes.length, 'ledger.batch.requests': batch.length, 'ledger.sequence.first': head.sequence + 1 }, () =>
        backend.commit({ expectedHead: head, envelopes: plan.envelopes, texts: plan.texts, commands: plan.commands }),
      )
    } catch (error) {
      stale = true
      try {
        state = await loadState()
        stale = false
      } catch (reloading) {
        // Every job must still settle: a store that cannot even be read fails the batch.
        for (const job of batch) job.reject(storageError('the store failed', reloading))
        return
      }
      if (error instanceof StaleHeadError && attempt < 3) return runBatch(batch, attempt + 1)
      for (const job of batch) job.reject(storageError('the store refused the batch', error))
      return
    }
    state = plan.state
    remember(plan)
    plan.settle()
    notify()
  }

  /** Keeps a batch that is in the log for this process's readers. */
  function remember(plan: Plan): void {
    const first = plan.envelopes[0]
    if (first !== undefined) recent.add(first.sequence, plan.texts)
  }

  /**
   * Up to `limit` envelopes from `from`: as many as the recent window holds, then the backend for
   * the rest (another process may have written past what this one committed).
   */
  async function readFrom(from: number, limit: number, following = false): Promise<Envelope[]> {
    const held = recent.slice(from, limit)
    if (held.length === limit) return held
    // A follower woken by this process's commit, given everything up to its committed head: it
    // looks in the backend (for another process's appends) the next time it reads, not now, so a
    // commit does not cost every follower a query that finds nothing.
    if (following && held.length > 0 && (held[held.length - 1] as Envelope).sequence === state.head.sequence) return held
    const rest = await backend.readRange(from + held.length, limit - held.length)
    return held.length === 0 ? rest : rest.length === 0 ? held : [...held, ...rest]
  }

  /**
   * Decides a whole batch against a working copy of the state; nothing is kept unless it commits.
   * Stream versions come from the stream-heads map, which every plan shares with the committed
   * state and records its streams in (a failed batch makes the state reload): it holds the version
   * of every stream in the log and in the launched batches, so none is looked up in the backend.
   */
  function planBatch(batch: Job[], base: ChainState, existing: Map<string, StoredCommand>, usedNonces: Map<string, string>): Plan {
    const work: ChainState = { ...base, tree: base.tree.clone() }
    const envelopes: Envelope[] = []
    const texts: string[] = []
    const commands: StoredCommand[] = []
    const inBatch = new Map<string, StoredCommand>()
    const inBatchNonces = new Map<string, string>()
    const outcomes: (() => void)[] = []
    const version = (stream: string) => work.heads.version(stream)

    const push = (stream: string, type: string, data: JsonValue, cause: Cause, recordedAt: string, dataText?: string): Envelope => {
      const streamVersion = version(stream) + 1
      const signing = signingOf(work)
      const { envelope, text } = sealEnvelopeText(
        { format: LEDGER_FORMAT, sequence: work.head.sequence + 1, stream, streamVersion, type, data, recordedAt, cause, prevHash: work.head.hash, signer: toHex(signing.publicKey) },
        signing,
        crypto,
        dataText,
      )
      envelopes.push(envelope)
      texts.push(text)
      work.lastRequest = undefined
      work.head = { sequence: envelope.sequence, hash: envelope.hash, recordedAt }
      work.tree.push(fromHex(envelope.hash))
      work.heads.record(stream, streamVersion, envelope.sequence)
      return envelope
    }

    // A checkpoint costs O(log n) for the tree (its right edge is kept) and O(log S) per stream
    // that changed since the last one: never a rebuild.
    // `outgoing`: across a key rotation, the retiring key signs the note too.
    const seal = (outgoing?: Signer): Envelope | undefined => {
      if (work.head.sequence === work.lastAnchor.sequence) return undefined
      const treeSize = work.head.sequence
      const root = work.tree.root()
      const text = textEncoder.encode(checkpointText(work.origin, treeSize, root))
      const noteSigners = [signingOf(work), ...(outgoing === undefined ? [] : [outgoing])]
      const data: AnchorData = {
        tree: TREE_ALGORITHM,
        origin: work.origin,
        treeSize,
        root,
        rightEdge: work.tree.rightEdge(),
        streams: work.heads.commit(),
        signatures: noteSigners.map((by) => ({ key: toHex(by.publicKey), signature: toHex(by.sign(text)) })),
      }
      const recordedAt = work.head.recordedAt ?? iso(clock.now())
      const anchor = push(ANCHOR_STREAM, ANCHOR_TYPE, data as unknown as JsonValue, { kind: 'system', reason: 'anchor' }, laterOf(recordedAt))
      work.lastAnchor = { sequence: anchor.sequence, hash: anchor.hash }
      return anchor
    }

    /** The rotation event (signed by the outgoing key), then the checkpoint both keys sign; the new key signs from there on. */
    const rotate = (next: Signer): Envelope => {
      const outgoing = signingOf(work)
      const newKey = toHex(next.publicKey)
      if (work.keys.some((era) => era.publicKey === newKey)) throw new LedgerError('malformed', `key ${newKey} has signed this ledger before: rotate to a new key`)
      const sequence = work.head.sequence + 1
      const data = rotationData(ledgerPublicKey, sequence, toHex(outgoing.publicKey), next)
      const rotation = push(KEYS_STREAM, ROTATION_TYPE, data as unknown as JsonValue, { kind: 'system', reason: ROTATION_REASON }, laterOf(iso(clock.now())))
      signers.set(newKey, next)
      work.keys = [...work.keys, { publicKey: newKey, since: sequence + 1 }]
      work.signer = next
      seal(outgoing)
      return rotation
    }

    const laterOf = (candidate: string) => (work.head.recordedAt !== null && work.head.recordedAt > candidate ? work.head.recordedAt : candidate)

    for (const job of batch) {
      if (work.signer === undefined) {
        // Another writer rotated the key and this process does not hold the new one: it can no longer write.
        const current = currentKey(work)
        const refusal = new LedgerError('unknown-signer', `the ledger key was rotated to ${current.publicKey} at sequence ${current.since - 1}, which this process does not hold`, { signingKey: current.publicKey })
        outcomes.push(job.kind === 'seal' ? () => job.resolve(undefined) : () => job.reject(refusal))
        continue
      }
      if (job.kind === 'seal') {
        const anchor = seal()
        outcomes.push(() => job.resolve(anchor))
        continue
      }
      if (job.kind === 'rotate') {
        try {
          const rotation = rotate(job.next)
          outcomes.push(() => job.resolve(rotation))
        } catch (error) {
          outcomes.push(() => job.reject(error))
        }
        continue
      }
      const { request } = job
      const hash = request.commandHash
      const prior = hash === undefined ? undefined : (existing.get(hash) ?? inBatch.get(hash))
      if (prior !== undefined) {
        outcomes.push(() => job.resolve({ ...prior.result, duplicate: true }))
        continue
      }
      try {
        if (request.command !== undefined && hash !== undefined) {
          const key = nonceKey(request.command.command)
          const holder = usedNonces.get(key) ?? inBatchNonces.get(key)
          if (holder !== undefined && holder !== hash) {
            throw new LedgerError('nonce-replayed', `actor ${request.command.command.actor} already used nonce ${JSON.stringify(request.command.command.nonce)} for command ${holder}`, { holder })
          }
        }
        const after = request.after
        if (after !== undefined && (work.lastRequest !== after.request || work.head.sequence + 1 !== after.sequence)) {
          throw new LedgerError('wrong-expected-version', `this append was decided on top of another that is not the last one before it (it would land at ${work.head.sequence + 1}, not ${after.sequence})`, { pipeline: true })
        }
        for (const write of request.writes) checkExpected(write.stream, write.expected, version(write.stream))
        const recordedAt = request.recordedAt ?? laterOf(iso(clock.now()))
        if (work.head.recordedAt !== null && recordedAt < work.head.recordedAt) {
          throw new LedgerError('recorded-at-regression', `recordedAt ${recordedAt} is before the head's ${work.head.recordedAt}`)
        }
        const cause: Cause =
          request.command === undefined || hash === undefined
            ? { kind: 'system', reason: request.reason }
            : { kind: 'command', commandHash: hash, actor: request.command.command.actor, actorSignature: request.command.signature }
        const firstSequence = work.head.sequence + 1
        const streamVersions: Record<string, number> = {}
        for (const [w, write] of request.writes.entries()) {
          const dataTexts = request.dataTexts[w]
          write.events.forEach((event, i) => push(write.stream, event.type, event.data, cause, recordedAt, dataTexts?.[i]))
          streamVersions[write.stream] = version(write.stream)
        }
        work.lastRequest = request.source
        const result: Omit<AppendResult, 'duplicate'> = {
          firstSequence,
          lastSequence: work.head.sequence,
          streamVersions,
          recordedAt,
          ...(hash === undefined ? {} : { commandHash: hash }),
        }
        if (hash !== undefined && request.command !== undefined) {
          const stored = { hash, signed: request.command, result }
          commands.push(stored)
          inBatch.set(hash, stored)
          inBatchNonces.set(nonceKey(request.command.command), hash)
        }
        outcomes.push(() => job.resolve({ ...result, duplicate: false }))
        if (work.head.sequence - work.lastAnchor.sequence >= anchorEvery) seal()
      } catch (error) {
        outcomes.push(() => job.reject(error))
      }
    }
    return { envelopes, texts, commands, state: work, settle: () => outcomes.forEach((settle) => settle()) }
  }

  function enqueue<T>(make: (resolve: (value: T) => void, reject: (e: unknown) => void) => Job): Promise<T> {
    if (closed || closing) return Promise.reject(new LedgerError('closed', 'the ledger store is closed'))
    return new Promise<T>((resolve, reject) => {
      queue.push(make(resolve, reject))
      schedule()
    })
  }

  const timer =
    anchorIntervalMs > 0
      ? setInterval(() => {
          if (!closed && state.head.sequence > state.lastAnchor.sequence) void store.sealAnchor().catch(() => undefined)
        }, anchorIntervalMs)
      : undefined
  timer?.unref()

  async function* readAll(fromSequence = 1): AsyncGenerator<Envelope> {
    let next = Math.max(1, fromSequence)
    for (;;) {
      const page = await readFrom(next, PAGE)
      for (const envelope of page) yield envelope
      if (page.length < PAGE) return
      next += page.length
    }
  }

  function subscribe(fromSequence = 1): Subscription {
    let stopped = false
    let stop: (() => void) | undefined
    const stopSignal = new Promise<void>((resolve) => (stop = resolve))
    async function* follow(): AsyncGenerator<Envelope> {
      let next = Math.max(1, fromSequence)
      while (!stopped) {
        const signal = wakeSignal
        let page: Envelope[]
        try {
          page = await readFrom(next, PAGE, true)
        } catch (error) {
          // close() releases the backend under a waiting subscriber: that ends it, quietly.
          if (closed) return
          throw error
        }
        for (const envelope of page) {
          if (stopped) return
          yield envelope
          next = envelope.sequence + 1
        }
        if (page.length === PAGE) continue
        if (closed) return
        let poll: NodeJS.Timeout | undefined
        await Promise.race([signal, stopSignal, new Promise<void>((resolve) => (poll = setTimeout(resolve, pollIntervalMs)))])
        clearTimeout(poll)
      }
    }
    const iterator = follow()
    return {
      [Symbol.asyncIterator]: () => iterator,
      close() {
        stopped = true
        stop?.()
      },
    }
  }

  const store: EventStore = {
    ledgerPublicKey,
    signingKey: () => currentKey(state),
    rotateKey(next) {
      return enqueue<Envelope>((resolve, reject) => ({ kind: 'rotate', next, resolve, reject }))
    },
    append(request) {
      let valid: ValidRequest
      try {
        valid = validate(request)
      } catch (error) {
        return Promise.reject(error)
      }
      return enqueue<AppendResult>((resolve, reject) => ({ kind: 'append', request: valid, resolve, reject }))
    },
    async *readStream(stream, options = {}) {
      let next = Math.max(1, options.fromVersion ?? 1)
      for (;;) {
        const page = await backend.readStream(stream, next, PAGE)
        for (const envelope of page) yield envelope
        if (page.length < PAGE) return
        next += page.length
      }
    },
    readAll,
    readRange: async (fromSequence, limit) => (limit < 1 ? [] : readFrom(Math.max(1, fromSequence), Math.floor(limit))),
    subscribe,
    readCommand: (hash) => backend.readCommand(hash),
    async commandResult(hash) {
      return (await backend.findCommands([hash])).get(hash)?.result
    },
    async streamVersion(stream) {
      return (await backend.streamVersions([stream])).get(stream) ?? 0
    },
    streamName: (stream) => state.heads.name(stream),
    async head(): Promise<Head> {
      const head = await backend.head()
      const lastAnchor = (await backend.lastAnchor()) ?? NO_ANCHOR
      return { sequence: head.sequence, hash: head.hash, recordedAt: head.recordedAt, lastAnchor }
    },
    sealAnchor() {
      return enqueue<Envelope | undefined>((resolve, reject) => ({ kind: 'seal', resolve, reject }))
    },
    async close() {
      if (closed || closing) return
      // Refuse new work before queueing the final seal, so no append can land after it; `closed`
      // waits until the seal commits, so live subscribers still receive the final anchor.
      closing = true
      try {
        await new Promise<Envelope | undefined>((resolve, reject) => {
          queue.push({ kind: 'seal', resolve, reject })
          schedule()
        })
      } finally {
        // A final seal that fails (a full disk) is reported, but the store is released all the same.
        closed = true
        if (timer !== undefined) clearInterval(timer)
        while (draining) await new Promise((resolve) => setImmediate(resolve))
        notify()
        unwatch?.()
        await backend.close()
      }
    },
  }
  return store
}
