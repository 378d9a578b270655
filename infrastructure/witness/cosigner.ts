/**
 * The log's side of witnessing (`serve --witness URL=VKEY …`, docs/witness.md "The log's side"):
 * every poll it reads the latest checkpoint, and submits it (C2SP tlog-witness add-checkpoint) to
 * each witness that has not cosigned it yet, with the consistency proof from the size that witness
 * last cosigned. A 409 names the witness's size: the proof is rebuilt from there and the checkpoint
 * submitted once more. Each cosignature returned is verified under the witness's vkey before it is
 * kept; /tlog/checkpoint then serves the newest checkpoint with at least `minimum` valid
 * cosignatures (with 0, the newest checkpoint and the cosignatures it has so far), the log's
 * signature lines followed by the witnesses'.
 *
 * A witness that fails (unreachable, refusing, answering nonsense or a bad cosignature) is logged,
 * counted, and tried again after a capped exponential backoff; nothing here is on the append path,
 * so a witness can never hold up the log. What each witness cosigned, the cosignatures and the
 * published note are kept in a CosigningState, so a restart resumes where it stopped.
 */
import { anchorData, checkpointNote } from '../../domain/ledger/anchor.js'
import type { Clock } from '../../domain/ports/clock.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { ALGORITHM, decodeVkey, openNote, parseNote, type NoteVerifier } from '../../domain/tlog/note.js'
import { verifierFromVkey } from '../../domain/tlog/vkey.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { submitCheckpoint, type SubmitResult } from './client.js'
import type { CosigningState } from './cosigning-state.js'
import type { Proofs } from '../proofs/build-proof.js'

export interface WitnessTarget {
  /** The witness's submission prefix: requests go to `<url>/add-checkpoint`. */
  readonly url: string
  /** Its cosignature/v1 verifier key, as given. */
  readonly vkey: string
  readonly verifier: NoteVerifier
}

export class WitnessArgError extends Error {
  override readonly name = 'WitnessArgError'
}

/**
 * A `URL=VKEY` argument. The URL may hold `=` (a query) and a vkey's name may too, so the split
 * is at the first `=` after which a valid cosignature/v1 vkey follows and before which an http(s) URL stands.
 */
export function witnessTarget(arg: string, crypto: CryptoSuite): WitnessTarget {
  let reason = 'no "=" separates the URL from the vkey'
  for (let at = arg.indexOf('='); at > 0; at = arg.indexOf('=', at + 1)) {
    const url = arg.slice(0, at)
    const vkey = arg.slice(at + 1)
    if (!/^https?:\/\/[^\s]+$/.test(url) || !decodeVkey(vkey).ok) continue
    const verifier = verifierFromVkey(vkey, crypto)
    if (!verifier.ok) {
      reason = verifier.reason
      continue
    }
    if (verifier.value.algorithm !== ALGORITHM.cosignatureV1) {
      reason = 'the vkey is not a cosignature/v1 key (type 0x04)'
      continue
    }
    return { url: url.replace(/\/+$/, ''), vkey, verifier: verifier.value }
  }
  throw new WitnessArgError(`--witness takes URL=VKEY (an http(s) URL, a witness's cosignature/v1 vkey), not ${JSON.stringify(arg.slice(0, 200))}: ${reason}`)
}

/** Where the log's checkpoints and their consistency proofs come from (infrastructure/proofs' Proofs). */
export interface CheckpointSource {
  /** The latest checkpoint event; throws while there is none. */
  checkpoint(): Promise<Envelope>
  /** An RFC 9162 consistency proof from `oldSize` to `newSize` (0 < oldSize ≤ newSize). */
  consistency(oldSize: number, newSize: number): Promise<Uint8Array[]>
}

/** A CheckpointSource over a Proofs (its latest checkpoint, and consistency proofs from its shared index). */
export function proofsSource(proofs: Pick<Proofs, 'checkpoint' | 'indexed'>): CheckpointSource {
  return { checkpoint: () => proofs.checkpoint(), consistency: async (from, to) => (await proofs.indexed(to)).consistency(from, to) }
}

export interface CosignerLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
}

export interface CosignerOptions {
  readonly witnesses: readonly WitnessTarget[]
  /** How many valid cosignatures a checkpoint needs before /tlog/checkpoint serves it. */
  readonly minimum: number
  readonly source: CheckpointSource
  readonly state: CosigningState
  readonly crypto: CryptoSuite
  readonly clock: Clock
  readonly logger?: CosignerLogger
  /** Per request. Default 10 s. */
  readonly timeoutMs?: number
  /** Backoff after a failure: min·2^(n-1), capped. Defaults 1 s and 5 min. */
  readonly minBackoffMs?: number
  readonly maxBackoffMs?: number
  readonly fetch?: typeof fetch
}

export type FailureKind = Exclude<SubmitResult, { ok: true }>['kind']

export interface WitnessStatus {
  readonly url: string
  readonly name: string
  readonly vkey: string
  /** The size this witness last cosigned (or said it holds), null before it answered. */
  readonly cosignedSize: number | null
  readonly failing: boolean
  readonly failures: number
  readonly consecutiveFailures: number
  readonly lastError: string | null
  readonly lastFailureAt: string | null
  readonly lastCosignedAt: string | null
  /** When the next submission may go, after a failure. */
  readonly retryAt: string | null
}

interface Runtime {
  failures: number
  consecutive: number
  lastError: string | null
  lastFailureAt: number | null
  lastCosignedAt: number | null
  retryAt: number
  inFlight: Promise<void> | undefined
}

class SubmitFailure extends Error {
  constructor(readonly kind: FailureKind | 'witness-ahead' | 'proof', message: string) {
    super(message)
  }
}

const DEFAULT_TIMEOUT_MS = 10_000

export class Cosigner {
  private readonly runtime = new Map<string, Runtime>()
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private polling: Promise<void> | undefined
  private lastSourceError: string | null = null
  private cached: { size: number; note: string } | undefined

  constructor(private readonly options: CosignerOptions) {
    if (!Number.isSafeInteger(options.minimum) || options.minimum < 0 || options.minimum > options.witnesses.length) {
      throw new RangeError(`the minimum number of cosignatures is 0 to ${options.witnesses.length} (the witnesses named), not ${options.minimum}`)
    }
    const seen = new Set<string>()
    for (const witness of options.witnesses) {
      if (seen.has(witness.vkey)) throw new RangeError(`witness ${witness.vkey} is named twice`)
      seen.add(witness.vkey)
      this.runtime.set(witness.vkey, { failures: 0, consecutive: 0, lastError: null, lastFailureAt: null, lastCosignedAt: null, retryAt: 0, inFlight: undefined })
    }
    this.cached = options.state.published()
  }

  /** Polls every `ms` until closed. */
  start(ms: number): void {
    if (this.timer !== undefined || this.closed) return
    const loop = (): void => {
      if (this.closed) return
      this.polling = this.poll().finally(() => {
        if (!this.closed) this.timer = setTimeout(loop, ms)
      })
    }
    this.timer = setTimeout(loop, 0)
  }

  /**
   * One pass: reads the latest checkpoint and starts a submission to each witness that is due
   * (behind it, not in flight, not backing off). Resolves once the submissions it started end.
   */
  async poll(): Promise<void> {
    let latest: { size: number; note: string }
    try {
      latest = await this.latest()
      this.lastSourceError = null
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (message !== this.lastSourceError) this.options.logger?.warn({ err: message }, 'witnessing: cannot read the latest checkpoint')
      this.lastSourceError = message
      return
    }
    const now = this.options.clock.now()
    const started: Promise<void>[] = []
    for (const witness of this.options.witnesses) {
      const runtime = this.runtime.get(witness.vkey) as Runtime
      if (runtime.inFlight !== undefined || runtime.retryAt > now || this.closed) continue
      if (this.options.state.cosignatures(latest.size).has(witness.vkey)) continue
      const run = this.submit(witness, latest.size, latest.note).finally(() => (runtime.inFlight = undefined))
      runtime.inFlight = run
      started.push(run)
    }
    await Promise.all(started)
    this.republish()
  }

  /** The note /tlog/checkpoint serves: undefined until one meets the minimum (with 0, until the first poll). */
  published(): string | undefined {
    return this.cached?.note
  }

  status(): WitnessStatus[] {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
    return this.options.witnesses.map((witness) => {
      const runtime = this.runtime.get(witness.vkey) as Runtime
      return {
        url: witness.url,
        name: witness.verifier.name,
        vkey: witness.vkey,
        cosignedSize: this.options.state.witnessSize(witness.vkey) ?? null,
        failing: runtime.consecutive > 0,
        failures: runtime.failures,
        consecutiveFailures: runtime.consecutive,
        lastError: runtime.lastError,
        lastFailureAt: iso(runtime.lastFailureAt),
        lastCosignedAt: iso(runtime.lastCosignedAt),
        retryAt: runtime.consecutive > 0 ? iso(runtime.retryAt) : null,
      }
    })
  }

  get minimum(): number {
    return this.options.minimum
  }

  /** Resolves once the poll under way, if any, has ended (tests; the loop runs on its own). */
  async settled(): Promise<void> {
    await this.polling?.catch(() => undefined)
  }

  /** The size of the published checkpoint, or null. */
  get publishedSize(): number | null {
    return this.cached?.size ?? null
  }

  /** Stops polling and waits for submissions in flight (each bounded by the request timeout). */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    await this.polling?.catch(() => undefined)
    await Promise.all([...this.runtime.values()].map((runtime) => runtime.inFlight))
  }

  private async latest(): Promise<{ size: number; note: string }> {
    const envelope = await this.options.source.checkpoint()
    const data = anchorData(envelope)
    if (data === undefined) throw new Error(`the checkpoint at sequence ${envelope.sequence} is not of this format`)
    const known = this.options.state.checkpoint(data.treeSize)
    const note = checkpointNote(data, this.options.crypto.sha256)
    if (known !== note) this.options.state.putCheckpoint(data.treeSize, note)
    return { size: data.treeSize, note }
  }

  private async submit(witness: WitnessTarget, size: number, note: string): Promise<void> {
    const runtime = this.runtime.get(witness.vkey) as Runtime
    const { state, clock, logger } = this.options
    try {
      let old = state.witnessSize(witness.vkey) ?? 0
      if (old > size) old = 0
      let result = await this.send(witness, old, size, note)
      if (!result.ok && result.kind === 'conflict') {
        logger?.info({ witness: witness.verifier.name, ours: old, theirs: result.size }, 'witnessing: the witness holds another size; submitting again from it')
        if (result.size > size) throw new SubmitFailure('witness-ahead', `the witness has cosigned size ${result.size}, beyond this log's latest checkpoint ${size}`)
        old = result.size
        state.setWitnessSize(witness.vkey, old, clock.now())
        result = await this.send(witness, old, size, note)
      }
      if (!result.ok) throw new SubmitFailure(result.kind, describe(result))
      const line = this.ownCosignature(witness, result.cosignatures, note)
      state.putCosignature(size, witness.vkey, line)
      state.setWitnessSize(witness.vkey, size, clock.now())
      if (runtime.consecutive > 0) logger?.info({ witness: witness.verifier.name, size, after: runtime.consecutive }, 'witnessing: the witness cosigns again')
      runtime.consecutive = 0
      runtime.lastCosignedAt = clock.now()
      runtime.retryAt = 0
    } catch (error) {
      const kind = error instanceof SubmitFailure ? error.kind : 'proof'
      const message = error instanceof Error ? error.message : String(error)
      runtime.failures++
      runtime.consecutive++
      runtime.lastError = `${kind}: ${message}`
      runtime.lastFailureAt = clock.now()
      const min = this.options.minBackoffMs ?? 1000
      const max = this.options.maxBackoffMs ?? 300_000
      runtime.retryAt = clock.now() + Math.min(max, min * 2 ** Math.min(30, runtime.consecutive - 1))
      logger?.warn({ witness: witness.verifier.name, url: witness.url, size, kind, err: message, consecutive: runtime.consecutive, retryAt: new Date(runtime.retryAt).toISOString() }, 'witnessing: submission failed')
    }
  }

  private async send(witness: WitnessTarget, old: number, size: number, note: string): Promise<SubmitResult> {
    let proof: Uint8Array[]
    try {
      proof = old === 0 || old === size ? [] : await this.options.source.consistency(old, size)
    } catch (error) {
      throw new SubmitFailure('proof', `no consistency proof from size ${old} to ${size}: ${(error as Error).message}`)
    }
    return submitCheckpoint(witness.url, old, proof, note, {
      verifier: witness.verifier,
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(this.options.fetch === undefined ? {} : { fetch: this.options.fetch }),
    })
  }

  /** The one line among those returned that is this witness's valid cosignature of `note`'s text. */
  private ownCosignature(witness: WitnessTarget, lines: readonly string[], note: string): string {
    const line = lines.find((candidate) => validCosignature(note, candidate, witness.verifier))
    if (line === undefined) throw new SubmitFailure('bad-response', `no line returned is a valid cosignature by ${witness.verifier.name}`)
    return line
  }

  /** Publishes the newest checkpoint with enough valid cosignatures, never going back in size. */
  private republish(): void {
    const { state, minimum, witnesses } = this.options
    const floor = this.cached?.size ?? -1
    const latest = state.latestCheckpoint()
    const sizes = minimum === 0 ? (latest === undefined ? [] : [latest.size]) : state.cosignedSizes()
    for (const size of sizes) {
      if (size < floor) break
      const note = state.checkpoint(size)
      if (note === undefined) continue
      const held = state.cosignatures(size)
      // Re-checked here, so a line the state holds (whatever wrote it) is published only if it verifies.
      const lines = witnesses.flatMap((witness) => {
        const line = held.get(witness.vkey)
        return line !== undefined && validCosignature(note, line, witness.verifier) ? [line] : []
      })
      if (lines.length < minimum) continue
      const composed = `${note}${lines.map((line) => `${line}\n`).join('')}`
      if (composed !== this.cached?.note) {
        state.publish(size, composed)
        this.cached = { size, note: composed }
      }
      return
    }
  }
}

function validCosignature(note: string, line: string, verifier: NoteVerifier): boolean {
  const parsed = parseNote(note)
  if (!parsed.ok) return false
  const single = parseNote(`${parsed.value.text}\n${line}\n`)
  if (!single.ok || single.value.signatures.length !== 1) return false
  const opened = openNote(single.value, [verifier])
  return opened.ok && opened.value.verified.length === 1
}

function describe(result: Exclude<SubmitResult, { ok: true }>): string {
  switch (result.kind) {
    case 'conflict':
      return `the witness answered 409 again (its size ${result.size})`
    case 'refused':
      return `HTTP ${result.status}${result.type === undefined ? '' : ` ${result.type}`}: ${result.detail}`
    case 'bad-response':
      return `HTTP ${result.status}: ${result.detail}`
    case 'unreachable':
      return result.detail
  }
}
