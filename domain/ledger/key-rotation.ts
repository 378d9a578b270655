/**
 * Ledger key rotation. The ledger's identity (the `ledger` a command names, the bundle header's
 * key, the key an auditor trusts) is the key that signed sequence 1, for good; the key that signs
 * envelopes and checkpoint notes may change. A `LedgerKeyRotated` event (stream `ledger-keys`,
 * system cause `key-rotation`) hands signing from `previousKey` to `newKey`:
 *
 *   - the event itself is signed by the outgoing key (`signer` = `previousKey`);
 *   - `newKeySignature` is the incoming key's Ed25519 signature over the rotation statement
 *     (rotationStatement below: ledger id, the event's sequence, previous and new key), so nobody
 *     can rotate to a key they do not hold, and a statement cannot be replayed at another place;
 *   - every event after it is signed by `newKey`, and the event right after it is a checkpoint
 *     whose note carries signatures by both keys.
 *
 * Starting from the key the auditor trusts, a verifier follows the rotations in log order (a
 * KeyChain), so the whole log stays verifiable from the genesis key.
 */
import type * as t from 'io-ts'
import { closed, decodeWith, Hex32, Hex64 } from '../codec.js'
import { fromHex, toHex } from '../crypto/hex.js'
import type { CryptoSuite, Signer } from '../ports/crypto.js'
import type { Envelope } from './envelope.js'
import { KEYS_STREAM, ROTATION_TYPE } from './names.js'

export const ROTATION_REASON = 'key-rotation'

export const KeyRotationDataC = closed({ previousKey: Hex32, newKey: Hex32, newKeySignature: Hex64 }, 'KeyRotationData')
export type KeyRotationData = t.TypeOf<typeof KeyRotationDataC>

const encoder = new TextEncoder()

/**
 * What the incoming key signs: ASCII lines, each ending in a newline. The first line separates it
 * from every other message the ledger's keys sign (32-byte envelope hashes, checkpoint notes that
 * start with an origin without spaces, command hashes).
 */
export function rotationStatement(ledgerId: string, sequence: number, previousKey: string, newKey: string): string {
  return `model-ledger key rotation v1\nledger ${ledgerId}\nsequence ${sequence}\nprevious ${previousKey}\nnew ${newKey}\n`
}

/** The data of a rotation at `sequence` to `next`, with the incoming key's statement signature. */
export function rotationData(ledgerId: string, sequence: number, previousKey: string, next: Signer): KeyRotationData {
  const newKey = toHex(next.publicKey)
  return { previousKey, newKey, newKeySignature: toHex(next.sign(encoder.encode(rotationStatement(ledgerId, sequence, previousKey, newKey)))) }
}

export function isRotation(envelope: Pick<Envelope, 'stream' | 'type'>): boolean {
  return envelope.stream === KEYS_STREAM && envelope.type === ROTATION_TYPE
}

export function decodeRotation(envelope: Pick<Envelope, 'data'>): KeyRotationData | undefined {
  const decoded = decodeWith(KeyRotationDataC, envelope.data)
  return decoded.ok ? decoded.value : undefined
}

/**
 * What one rotation event says on its own, given the ledger id: its cause, its data, that the
 * outgoing key signed it, and the incoming key's statement. (The envelope's own signature is
 * checked with every other envelope's; which key must be in force is the chain's question.)
 */
export function checkRotation(envelope: Envelope, ledgerId: string, crypto: CryptoSuite): KeyRotationData | string {
  if (envelope.cause.kind !== 'system' || envelope.cause.reason !== ROTATION_REASON) return `a key rotation must have the system cause "${ROTATION_REASON}"`
  const data = decodeRotation(envelope)
  if (data === undefined) return 'malformed key rotation data'
  if (envelope.signer !== data.previousKey) return `the key rotation is signed by ${envelope.signer}, not by the outgoing key ${data.previousKey}`
  if (data.newKey === data.previousKey) return 'a key rotation must change the key'
  const statement = encoder.encode(rotationStatement(ledgerId, envelope.sequence, data.previousKey, data.newKey))
  if (!crypto.ed25519.verify(fromHex(data.newKey), statement, fromHex(data.newKeySignature))) {
    return `the incoming key ${data.newKey} did not sign the rotation statement for ledger ${ledgerId} at sequence ${envelope.sequence}`
  }
  return data
}

export interface KeyEra {
  readonly publicKey: string
  /** The first sequence this key signs (1 for the genesis key; a rotation's sequence + 1 after it). */
  readonly since: number
}

/**
 * The keys of a log in order, from the trusted one: which key signs at a sequence, and whether a
 * rotation may follow (it must come from the key in force and go to a key never used before).
 */
export class KeyChain {
  private readonly eras: KeyEra[]

  constructor(first: KeyEra) {
    this.eras = [first]
  }

  get current(): KeyEra {
    return this.eras[this.eras.length - 1] as KeyEra
  }

  get all(): readonly KeyEra[] {
    return this.eras
  }

  /** The key in force at `sequence`, or undefined before the first key's era. */
  at(sequence: number): string | undefined {
    for (let i = this.eras.length - 1; i >= 0; i--) {
      const era = this.eras[i] as KeyEra
      if (sequence >= era.since) return era.publicKey
    }
    return undefined
  }

  /** Why a rotation at `sequence` cannot follow the chain, or undefined when it can. */
  check(sequence: number, rotation: Pick<KeyRotationData, 'previousKey' | 'newKey'>): string | undefined {
    if (sequence < this.current.since) return `a key rotation at sequence ${sequence} comes before the key in force since ${this.current.since}`
    if (rotation.previousKey !== this.current.publicKey) return `the key rotation hands over from ${rotation.previousKey}, but the key in force is ${this.current.publicKey}`
    if (this.eras.some((era) => era.publicKey === rotation.newKey)) return `the key rotation returns to ${rotation.newKey}, a key this ledger used before`
    return undefined
  }

  /** Follows a rotation at `sequence` that check() accepted. */
  follow(sequence: number, rotation: Pick<KeyRotationData, 'newKey'>): void {
    this.eras.push({ publicKey: rotation.newKey, since: sequence + 1 })
  }
}
