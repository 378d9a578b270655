/**
 * A forked history under one ledger key, seen by two witnesses: each cosigns the branch it was
 * shown, refuses the other branch's checkpoint, and the verifier, given a checkpoint cosigned by
 * the witness that saw the other branch, names the fork; with the one its own branch got, it passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../domain/crypto/hex.js'
import { anchorData, checkpointNote } from '../../../domain/ledger/anchor.js'
import { Expected, type EventStore } from '../../../domain/ports/event-store.js'
import { defaultOrigin, logVkey } from '../../../domain/tlog/checkpoint.js'
import { cosignatureVerifier } from '../../../domain/tlog/cosignature.js'
import { encodeVkey } from '../../../domain/tlog/note.js'
import { openWitnessedCheckpoint } from '../../../domain/tlog/witnessed.js'
import { startWitnessServer, type RunningWitness } from '../../../api/witness/server.js'
import { storeLines } from '../../../infrastructure/bundle/lines.js'
import { manualClock } from '../../../infrastructure/clock.js'
import { Proofs } from '../../../infrastructure/proofs/build-proof.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { submitCheckpoint } from '../../../infrastructure/witness/client.js'
import { logsFromArgs } from '../../../infrastructure/witness/config.js'
import type { WitnessState } from '../../../infrastructure/witness/state.js'
import { createWitness } from '../../../infrastructure/witness/witness.js'
import { ledgerKey } from '../http/support.js'
import { crypto, openState, tempDir } from '../../infrastructure/witness/support.js'

interface Branch {
  readonly backend: StorageBackend
  readonly store: EventStore
  readonly proofs: Proofs
}

interface Witness {
  readonly name: string
  readonly vkey: string
  readonly server: RunningWitness
  readonly state: WitnessState
}

const origin = defaultOrigin(ledgerKey.publicKey)
const ledgerVkey = logVkey(origin, ledgerKey.publicKey, crypto)
let a: Branch
let b: Branch
let w1: Witness
let w2: Witness

async function branch(): Promise<Branch> {
  const backend = createMemoryBackend()
  const store = await openLedgerStore({ backend, signer: ledgerKey.signer, clock: manualClock(Date.UTC(2026, 0, 1)), anchorEvery: 100_000, anchorIntervalMs: 0 })
  return { backend, store, proofs: new Proofs(backend) }
}

async function grow(on: Branch, side: string, events: number): Promise<{ note: string; size: number }> {
  await on.store.append({ writes: [{ stream: `thing-${side}`, expected: Expected.any, events: Array.from({ length: events }, (_, j) => ({ type: 'ThingHappened', data: { side, j } })) }] })
  const sealed = await on.store.sealAnchor()
  const data = sealed === undefined ? undefined : anchorData(sealed)
  if (data === undefined) throw new Error('no checkpoint')
  return { note: checkpointNote(data, crypto.sha256), size: data.treeSize }
}

async function witness(name: string, seed: number): Promise<Witness> {
  const signer = crypto.ed25519.signer(new Uint8Array(32).fill(seed))
  const state = openState(tempDir())
  const server = await startWitnessServer({ witness: createWitness({ name, signer, logs: logsFromArgs([`${origin}=${ledgerVkey}`], crypto), state, crypto, clock: manualClock(Date.UTC(2026, 0, 2)) }) })
  return { name, vkey: encodeVkey(cosignatureVerifier(name, signer.publicKey, crypto)), server, state }
}

/** Submits a checkpoint as serve does: from the witness's size, learning it from a 409. */
async function cosign(w: Witness, on: Branch, note: string, size: number, from = 0): Promise<{ ok: boolean; note: string }> {
  const proof = from === 0 ? [] : (await on.proofs.consistency(from, size)).hashes.map(fromHex)
  const result = await submitCheckpoint(w.server.url, from, proof, note)
  if (!result.ok && result.kind === 'conflict' && result.size !== from) return cosign(w, on, note, size, result.size)
  return { ok: result.ok, note: result.ok ? `${note}${result.body}` : note }
}

beforeAll(async () => {
  ;[a, b] = [await branch(), await branch()]
  ;[w1, w2] = [await witness('witness.example/one', 0x31), await witness('witness.example/two', 0x32)]
})

afterAll(async () => {
  for (const w of [w1, w2]) {
    await w.server.close()
    w.state.close()
  }
  for (const x of [a, b]) await x.store.close()
})

describe('a fork under one key, two witnesses', () => {
  it('shares a prefix, then diverges at the same size', async () => {
    const [sharedA, sharedB] = [await grow(a, 'shared', 40), await grow(b, 'shared', 40)]
    expect(sharedA.note).toBe(sharedB.note)
    expect((await cosign(w1, a, sharedA.note, sharedA.size)).ok).toBe(true)
    expect((await cosign(w2, b, sharedB.note, sharedB.size)).ok).toBe(true)

    const [forkA, forkB] = [await grow(a, 'left', 25), await grow(b, 'right', 25)]
    expect(forkA.size).toBe(forkB.size)
    expect(forkA.note).not.toBe(forkB.note)
    const cosignedA = await cosign(w1, a, forkA.note, forkA.size, sharedA.size)
    const cosignedB = await cosign(w2, b, forkB.note, forkB.size, sharedB.size)
    expect(cosignedA.ok && cosignedB.ok).toBe(true)

    // Each witness refuses the other branch, however it is offered.
    expect((await cosign(w1, b, forkB.note, forkB.size, sharedB.size)).ok).toBe(false)
    expect((await cosign(w2, a, forkA.note, forkA.size, sharedA.size)).ok).toBe(false)

    // The auditor of branch B, holding A's checkpoint cosigned by witness one, is told of the fork.
    const fromOne = openWitnessedCheckpoint(cosignedA.note, ledgerKey.publicKey, [w1.vkey], 1, crypto)
    if (!fromOne.ok) throw new Error(fromOne.reason)
    expect(fromOne.witnesses).toEqual([w1.name])
    const refused = await verifyLines(storeLines(b.backend), { trustedKey: ledgerKey.publicKey, trustedTrees: [{ size: fromOne.size, root: fromOne.root, source: `witness ${w1.name}` }], workers: 0 })
    expect(refused.ok).toBe(false)
    expect(refused.failure?.reason).toMatch(new RegExp(`tree of ${forkA.size} events has root .*witness ${w1.name} signed root ${fromOne.root}.*fork`))
    expect(refused.failure?.sequence).toBe(forkA.size)

    // With its own branch's cosigned checkpoint it verifies; a note without the needed cosignatures is refused.
    const fromTwo = openWitnessedCheckpoint(cosignedB.note, ledgerKey.publicKey, [w1.vkey, w2.vkey], 1, crypto)
    if (!fromTwo.ok) throw new Error(fromTwo.reason)
    const accepted = await verifyLines(storeLines(b.backend), { trustedKey: ledgerKey.publicKey, trustedTrees: [{ size: fromTwo.size, root: fromTwo.root, source: 'two' }], workers: 0 })
    expect(accepted.ok).toBe(true)
    expect(openWitnessedCheckpoint(cosignedB.note, ledgerKey.publicKey, [w1.vkey, w2.vkey], 2, crypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/1 valid cosignature/) as unknown })
    expect(openWitnessedCheckpoint(forkB.note, ledgerKey.publicKey, [w2.vkey], 1, crypto).ok).toBe(false)
    expect(openWitnessedCheckpoint(cosignedB.note, toHex(new Uint8Array(32).fill(9)), [w2.vkey], 1, crypto).ok).toBe(false)
  })
})
