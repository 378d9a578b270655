/**
 * The ledger and the witness together, over HTTP, through the texts alone: the witness trusts the
 * ledger's vkey, takes the checkpoint note the ledger serves at /tlog/checkpoint, and a consistency
 * proof from /v1/proofs/consistency, and cosigns; a checkpoint that skips the proof is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noteVerifierKey } from '../../../domain/ledger/anchor.js'
import { fromHex } from '../../../domain/crypto/hex.js'
import { Expected } from '../../../domain/ports/event-store.js'
import { checkCheckpointNote, defaultOrigin, logVkey } from '../../../domain/tlog/checkpoint.js'
import { cosignatureVerifier } from '../../../domain/tlog/cosignature.js'
import { openNote } from '../../../domain/tlog/note.js'
import { verifierFromVkey } from '../../../domain/tlog/vkey.js'
import { startWitnessServer, type RunningWitness } from '../../../api/witness/server.js'
import { manualClock } from '../../../infrastructure/clock.js'
import { submitCheckpoint } from '../../../infrastructure/witness/client.js'
import { logsFromArgs } from '../../../infrastructure/witness/config.js'
import type { WitnessState } from '../../../infrastructure/witness/state.js'
import { createWitness } from '../../../infrastructure/witness/witness.js'
import { startTestServer, type TestServer } from '../http/support.js'
import { crypto, openState, tempDir, WITNESS_NAME, witnessKey } from '../../infrastructure/witness/support.js'

let ledger: TestServer
let witness: RunningWitness
let state: WitnessState
let vkey: string
const cosigner = cosignatureVerifier(WITNESS_NAME, witnessKey.publicKey, crypto)

async function grow(events: number): Promise<{ note: string; size: number }> {
  await ledger.store.append({ writes: [{ stream: `thing-${Math.random()}`, expected: Expected.any, events: Array.from({ length: events }, (_, j) => ({ type: 'ThingHappened', data: { j } })) }] })
  await ledger.store.sealAnchor()
  const note = await (await fetch(`${ledger.url}/tlog/checkpoint`)).text()
  const checked = checkCheckpointNote(note, vkey, crypto)
  if (!checked.ok) throw new Error(checked.reason)
  return { note, size: checked.value.size }
}

async function proof(from: number, to: number): Promise<Uint8Array[]> {
  const response = await fetch(`${ledger.url}/v1/proofs/consistency?from=${from}&to=${to}`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { hashes: string[] }).hashes.map(fromHex)
}

beforeAll(async () => {
  ledger = await startTestServer()
  const origin = defaultOrigin(ledger.store.ledgerPublicKey)
  vkey = logVkey(origin, ledger.store.ledgerPublicKey, crypto)
  state = openState(tempDir())
  const logs = logsFromArgs([`${origin}=${vkey}`], crypto)
  witness = await startWitnessServer({ witness: createWitness({ name: WITNESS_NAME, signer: witnessKey, logs, state, crypto, clock: manualClock() }) })
})

afterAll(async () => {
  await witness.close()
  state.close()
  await ledger.close()
})

describe('a witness cosigning the ledger', () => {
  it('reads the ledger\'s vkey the way the ledger prints it', () => {
    expect(vkey).toBe(noteVerifierKey(defaultOrigin(ledger.store.ledgerPublicKey), ledger.store.ledgerPublicKey, crypto.sha256))
  })

  it('cosigns the first checkpoint, then each next one with the ledger\'s consistency proof; refuses a jump without one', async () => {
    const first = await grow(50)
    const accepted = await submitCheckpoint(witness.url, 0, [], first.note, { verifier: cosigner })
    expect(accepted.ok).toBe(true)

    const second = await grow(120)
    expect(second.size).toBeGreaterThan(first.size)
    const skipped = await submitCheckpoint(witness.url, first.size, [], second.note)
    expect(skipped).toMatchObject({ ok: false, kind: 'refused', status: 422 })
    const grown = await submitCheckpoint(witness.url, first.size, await proof(first.size, second.size), second.note, { verifier: cosigner })
    expect(grown.ok).toBe(true)

    // The cosigned note verifies under the ledger's vkey and the witness's.
    const ledgerVerifier = verifierFromVkey(vkey, crypto)
    if (!grown.ok || !ledgerVerifier.ok) throw new Error('not cosigned')
    expect(openNote(`${second.note}${grown.body}`, [ledgerVerifier.value, cosigner]).ok).toBe(true)

    // A stale submitter learns the size and catches up from there.
    const third = await grow(3)
    const stale = await submitCheckpoint(witness.url, first.size, await proof(first.size, third.size), third.note)
    expect(stale).toEqual({ ok: false, kind: 'conflict', size: second.size })
    expect((await submitCheckpoint(witness.url, second.size, await proof(second.size, third.size), third.note)).ok).toBe(true)
  })
})
