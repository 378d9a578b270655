/**
 * The verifier: streams a log's lines (from a bundle or a store), checks each line's canonical
 * form, hash and signature on worker threads, and the chain in order on this thread. It stops at
 * the first fault and names its sequence and the reason.
 */
import { availableParallelism } from 'node:os'
import { referenceCrypto } from '../../domain/crypto/reference.js'
import { ChainChecker, type ChainFailure, type ChainSummary, type ResumePoint, type TrustedAnchor, type TrustedTree } from '../../domain/ledger/chain-check.js'
import { checkLine, type LineFacts } from '../../domain/ledger/line-check.js'
import { BundleFramingError } from '../../domain/ledger/bundle.js'
import type { SignedCommand } from '../../domain/ledger/command.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import type { Redecider, RedecideFault } from '../../domain/ledger/redecide.js'
import { nativeCrypto } from '../crypto/native.js'
import { createLineCheckPool, type LineCheckPool } from './pool.js'

export interface VerifyOptions {
  /** The ledger key the auditor trusts (hex). Without it, the key is taken from the log itself. */
  readonly trustedKey?: string
  /** Anchors the auditor already holds: the log must contain each, unchanged. */
  readonly trustedAnchors?: readonly TrustedAnchor[]
  /** Trees held from outside the log (checkpoint notes, cosigned or not): the log must agree with each. */
  readonly trustedTrees?: readonly TrustedTree[]
  /** Worker threads for line checks; 0 checks on this thread. Default: one per core. */
  readonly workers?: number
  readonly crypto?: 'native' | 'reference'
  /**
   * Full verification: re-decide every command against the replayed state (see
   * domain/ledger/redecide.ts). Given the ledger key verification settled on.
   */
  readonly redecide?: (ledgerKey: string) => Redecider
  /** Checks only the lines after an anchor an earlier run verified (the lines must start after it). */
  readonly resume?: ResumePoint
  /** Called now and then with the events verified so far and the head the log claims. */
  readonly onProgress?: (eventsVerified: number, claimedHead: number) => void
}

export interface VerifyReport {
  readonly ok: boolean
  readonly ledgerPublicKey: string | null
  /** Where the key came from: the auditor, or (unconfirmed) the log itself. */
  readonly keySource: 'trusted' | 'log'
  readonly summary: ChainSummary | null
  /** Commands decided again in full verification; null when it was not asked for. */
  readonly redecided: number | null
  readonly failure: ChainFailure | null
  readonly warnings: readonly string[]
}

const BATCH = 512
/**
 * A batch is also closed before its lines pass this many characters, and a line longer than this
 * travels alone and is checked on this thread: the line-check workers run under a hard heap
 * limit (pool.ts), which a batch of several large events (an event's size has no bound) would
 * pass, failing a sound log. Ordinary lines (about a kilobyte) fill a batch by count first.
 */
const BATCH_CHARS = 1 << 20

/** Feeds a checked line to the re-decider; the line already passed every per-line check. */
function redecide(redecider: Redecider, facts: LineFacts, line: string): RedecideFault | undefined {
  if (facts.kind === 'command') return redecider.command((JSON.parse(line) as { command: SignedCommand }).command, facts.hash)
  if (facts.kind === 'event') return redecider.event((JSON.parse(line) as { event: Envelope }).event)
  return undefined
}

function fail(failure: ChainFailure, key: string | null, source: 'trusted' | 'log', warnings: string[]): VerifyReport {
  return { ok: false, ledgerPublicKey: key, keySource: source, summary: null, redecided: null, failure, warnings }
}

/**
 * Regroups a source of lines, or of arrays of lines, into batches of BATCH lines: one await per
 * batch rather than per line keeps this thread's share of the work small.
 */
async function* rebatch(source: AsyncIterable<string | readonly string[]>): AsyncGenerator<string[]> {
  let batch: string[] = []
  let chars = 0
  try {
    for await (const item of source) {
      for (const line of typeof item === 'string' ? [item] : item) {
        if (batch.length > 0 && chars + line.length > BATCH_CHARS) {
          yield batch
          batch = []
          chars = 0
        }
        batch.push(line)
        chars += line.length
        if (batch.length === BATCH || chars > BATCH_CHARS) {
          yield batch
          batch = []
          chars = 0
        }
      }
    }
  } catch (error) {
    // The lines before a framing fault are checked first: an earlier fault is the one reported.
    if (error instanceof BundleFramingError && batch.length > 0) yield batch
    throw error
  }
  if (batch.length > 0) yield batch
}

/** The next batch, or the framing fault that ends the source (any other error is thrown). */
async function nextBatch(iterator: AsyncGenerator<string[]>): Promise<IteratorResult<string[]> | BundleFramingError> {
  try {
    return await iterator.next()
  } catch (error) {
    if (error instanceof BundleFramingError) return error
    throw error
  }
}

/** Verifies a log given as lines, or as arrays of lines (the bundle file reader's batches). */
export async function verifyLines(lines: AsyncIterable<string | readonly string[]>, options: VerifyOptions = {}): Promise<VerifyReport> {
  const iterator = rebatch(lines)
  const warnings: string[] = []
  const source = options.trustedKey === undefined ? 'log' : 'trusted'
  const firstBatch = await nextBatch(iterator)
  if (firstBatch instanceof BundleFramingError) return fail({ sequence: null, line: firstBatch.line, reason: firstBatch.message }, options.trustedKey ?? null, source, warnings)
  const first = firstBatch.done === true ? undefined : firstBatch.value.shift()
  if (first === undefined) return fail({ sequence: null, line: 0, reason: 'the log is empty: no header' }, options.trustedKey ?? null, source, warnings)
  const headerFacts = checkLine(first, options.trustedKey ?? '', nativeCrypto)
  if (headerFacts.kind !== 'header') {
    const reason = headerFacts.kind === 'bad' ? headerFacts.reason : 'the first line must be the header'
    return fail({ sequence: null, line: 1, reason }, options.trustedKey ?? null, source, warnings)
  }
  const header = headerFacts.header
  const key = options.trustedKey ?? header.ledgerPublicKey
  if (options.trustedKey === undefined) {
    warnings.push(`no trusted key given: took ledger key ${key} from the log itself, and nothing outside the log confirms it`)
  } else if (header.ledgerPublicKey !== options.trustedKey) {
    return fail({ sequence: null, line: 1, reason: `the log names ledger key ${header.ledgerPublicKey}, not the trusted key ${options.trustedKey}` }, key, source, warnings)
  }

  const crypto = options.crypto ?? 'native'
  const suite = crypto === 'reference' ? referenceCrypto : nativeCrypto
  const workers = options.workers ?? availableParallelism()
  const pool: LineCheckPool | undefined = workers > 0 ? createLineCheckPool(workers, key, crypto) : undefined
  const checker = new ChainChecker(suite.sha256, key, options.trustedAnchors, options.resume, options.trustedTrees)
  const redecider = options.redecide?.(key)
  const inFlight: { lines: readonly string[]; facts: Promise<LineFacts[]> }[] = []
  // Two batches a worker: one it checks while the other waits in its queue.
  const maxInFlight = Math.max(2, workers * 2)
  let failure: ChainFailure | undefined
  let framing: BundleFramingError | undefined

  // A line over BATCH_CHARS comes alone and is checked here, outside the workers' heap limit.
  const check = (batch: string[]): Promise<LineFacts[]> =>
    pool === undefined || (batch.length === 1 && (batch[0] as string).length > BATCH_CHARS) ? Promise.resolve(batch.map((line) => checkLine(line, key, suite))) : pool.check(batch)

  const absorb = async (): Promise<void> => {
    const next = inFlight.shift()
    if (next === undefined) return
    for (const [i, facts] of (await next.facts).entries()) {
      failure = checker.accept(facts)
      if (failure !== undefined) return
      if (redecider !== undefined) {
        const fault = redecide(redecider, facts, next.lines[i] ?? '')
        if (fault !== undefined) failure = { sequence: fault.sequence, line: checker.linesChecked, reason: fault.reason }
        if (failure !== undefined) return
      }
    }
    options.onProgress?.(checker.verifiedEvents, header.head.sequence)
  }

  try {
    const rest = firstBatch.done === true ? [] : firstBatch.value
    if (rest.length > 0) inFlight.push({ lines: rest, facts: check(rest) })
    while (failure === undefined) {
      const item = await nextBatch(iterator)
      if (item instanceof BundleFramingError) framing = item
      if (item instanceof BundleFramingError || item.done === true) break
      inFlight.push({ lines: item.value, facts: check(item.value) })
      if (inFlight.length >= maxInFlight) await absorb()
    }
    while (inFlight.length > 0 && failure === undefined) await absorb()
  } finally {
    await iterator.return(undefined)
    await pool?.close()
  }
  if (failure === undefined && framing !== undefined) failure = { sequence: checker.verifiedEvents + 1, line: framing.line, reason: framing.message }

  const end = checker.finish()
  failure ??= end.failure
  const last = failure === undefined ? redecider?.finish() : undefined
  if (last !== undefined) failure = { sequence: last.sequence, line: checker.linesChecked, reason: last.reason }
  if (failure !== undefined) return fail(failure, key, source, warnings)
  const summary = end.summary
  if (summary.head.sequence !== header.head.sequence || summary.head.hash !== header.head.hash) {
    return fail(
      { sequence: summary.head.sequence + 1, line: 0, reason: `the log ends at sequence ${summary.head.sequence}, but its header says ${header.head.sequence}` },
      key,
      source,
      warnings,
    )
  }
  if (summary.unanchored > 0) warnings.push(`${summary.unanchored} events after the last anchor are not yet under any anchor`)
  return { ok: true, ledgerPublicKey: key, keySource: source, summary, redecided: redecider?.redecided ?? null, failure: null, warnings }
}
