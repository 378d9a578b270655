/**
 * The signing keys a store's log has used, read from its `ledger-keys` stream: the ledger's own
 * key (the one it is bound to) from sequence 1, then each rotation's new key from the sequence
 * after it. The last is the key in force. The rotations are taken as stored; verification checks
 * their signatures (infrastructure/verify).
 */
import { decodeRotation, type KeyEra } from '../../domain/ledger/key-rotation.js'
import { KEYS_STREAM } from '../../domain/ledger/names.js'
import type { Envelope } from '../../domain/ledger/envelope.js'

const PAGE = 1000

/** What reading the rotations needs: a backend, or the proof source of the HTTP API. */
export interface RotationSource {
  readStream(stream: string, fromVersion: number, limit: number): Promise<Envelope[]>
}

/** Every rotation event in log order. */
export async function rotationsOf(source: RotationSource): Promise<Envelope[]> {
  const out: Envelope[] = []
  for (let from = 1; ; ) {
    const page = await source.readStream(KEYS_STREAM, from, PAGE)
    out.push(...page)
    if (page.length < PAGE) return out
    from += page.length
  }
}

export async function keyChainOf(source: RotationSource, ledgerKey: string): Promise<KeyEra[]> {
  const eras: KeyEra[] = [{ publicKey: ledgerKey, since: 1 }]
  for (const envelope of await rotationsOf(source)) {
    const data = decodeRotation(envelope)
    if (data === undefined) throw new Error(`the key rotation at sequence ${envelope.sequence} is malformed`)
    eras.push({ publicKey: data.newKey, since: envelope.sequence + 1 })
  }
  return eras
}
