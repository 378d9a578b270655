/**
 * The witness: judges an add-checkpoint body (domain/tlog/witness.ts), cosigns what passes, and
 * returns the cosignature only once the compare-and-swap that records it has committed. Nothing
 * here awaits between reading the head and writing it, and the swap itself rechecks the head, so
 * neither concurrent requests in this process nor another process on the same file can move a
 * log's head backwards or onto a fork.
 */
import type { Clock } from '../../domain/ports/clock.js'
import type { CryptoSuite, Signer } from '../../domain/ports/crypto.js'
import { toHex } from '../../domain/crypto/hex.js'
import { cosignatureSigner, cosignatureVerifier } from '../../domain/tlog/cosignature.js'
import { signatureLine, type NoteVerifier } from '../../domain/tlog/note.js'
import { vkeyOf } from '../../domain/tlog/vkey.js'
import { judgeAddCheckpoint, parseAddCheckpoint, type Refusal } from '../../domain/tlog/witness.js'
import type { WitnessRecord, WitnessState } from './state.js'

export interface WitnessOptions {
  /** The witness's key name (a schema-less URL, say) and Ed25519 key. */
  readonly name: string
  readonly signer: Signer
  /** The logs it witnesses: origin → the log's verifiers. */
  readonly logs: ReadonlyMap<string, readonly NoteVerifier[]>
  readonly state: WitnessState
  readonly crypto: CryptoSuite
  readonly clock: Clock
}

export type AddCheckpointOutcome =
  | { readonly ok: true; readonly origin: string; readonly size: number; /** The cosignature lines, each ending in a newline. */ readonly body: string }
  | ({ readonly ok: false } & Refusal)

export interface Witness {
  readonly name: string
  /** The witness's verifier key (cosignature/v1, type 0x04). */
  readonly vkey: string
  addCheckpoint(body: Uint8Array): AddCheckpointOutcome
  /** The latest cosigned checkpoint of the log whose origin hashes to `originHash`, as a note. */
  checkpoint(originHash: string): string | undefined
}

/** Refusals of a checkpoint the log did sign: evidence of a fork or a rollback, worth keeping. */
const EVIDENCE = new Set<Refusal['code']>(['old-size-too-large', 'bad-empty-root', 'proof-not-empty', 'inconsistent'])

export function originHash(origin: string, crypto: CryptoSuite): string {
  return toHex(crypto.sha256(new TextEncoder().encode(origin)))
}

export function createWitness(options: WitnessOptions): Witness {
  const { name, signer, logs, state, crypto, clock } = options
  const vkey = vkeyOf(cosignatureVerifier(name, signer.publicKey, crypto))
  return {
    name,
    vkey,
    addCheckpoint(body) {
      const request = parseAddCheckpoint(body)
      if (!request.ok) return { ok: false, status: 400, code: 'malformed-request', reason: request.reason }
      // The head the judgement read is the one the swap must find unchanged.
      let judgedHead: WitnessRecord | undefined
      const view = { verifiersOf: (origin: string) => logs.get(origin), latest: (origin: string) => (judgedHead = state.latest(origin)) }
      const judged = judgeAddCheckpoint(request.value, view, crypto.sha256)
      if (!judged.ok) {
        if (judged.origin !== undefined && EVIDENCE.has(judged.code)) {
          state.recordEvidence({ origin: judged.origin, status: judged.status, code: judged.code, request: body, recordedAt: clock.now() })
        }
        return judged
      }
      const { checkpoint, text, logSignatures } = judged.value
      const now = clock.now()
      const cosignature = signatureLine(cosignatureSigner(name, signer, crypto, Math.max(1, Math.floor(now / 1000))), text)
      const note = `${text}\n${logSignatures.map((signature) => `${signature.line}\n`).join('')}${cosignature}\n`
      const next = { size: checkpoint.size, root: checkpoint.root, note, originHash: originHash(checkpoint.origin, crypto), recordedAt: now }
      if (!state.advance(checkpoint.origin, judgedHead, next)) {
        const size = state.latest(checkpoint.origin)?.size ?? 0
        return { ok: false, origin: checkpoint.origin, status: 409, code: 'old-size-mismatch', reason: `another submission moved this log to size ${size} first`, size }
      }
      return { ok: true, origin: checkpoint.origin, size: checkpoint.size, body: `${cosignature}\n` }
    },
    checkpoint: (hash) => state.byOriginHash(hash)?.note,
  }
}
