import { describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import { referenceCrypto } from '../../../domain/crypto/reference.js'
import type { JsonValue } from '../../../domain/json.js'
import { anchorData } from '../../../domain/ledger/anchor.js'
import { envelopeBody, sealEnvelope, type Envelope } from '../../../domain/ledger/envelope.js'
import { rotationData } from '../../../domain/ledger/key-rotation.js'
import { checkProof, rotationsOf, type ConsistencyProof, type InclusionProof } from '../../../domain/ledger/proof.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { Proofs } from '../../../infrastructure/proofs/build-proof.js'
import { buildLedger, ledgerKey, ledgerSigner, seed } from '../../support/ledger-fixture.js'

const second = nativeEd25519.signer(seed(31))
const third = nativeEd25519.signer(seed(32))
const attacker = nativeEd25519.signer(seed(77))
const hex = (signer: Signer) => toHex(signer.publicKey)

const { store, backend } = await buildLedger([
  { stream: 'account-a', events: 3, command: true },
  { stream: 'account-b', events: 3, command: true },
  { rotateTo: second },
  { stream: 'account-a', events: 6, command: true },
  { rotateTo: third },
  { stream: 'account-b', events: 2, command: true },
])
await store.close()
const head = await backend.head()
const all = await backend.readRange(1, head.sequence)
const checkpoints = all.filter((e) => e.type === 'LedgerAnchored')
const rotations = all.filter((e) => e.type === 'LedgerKeyRotated')
const latest = checkpoints[checkpoints.length - 1] as Envelope
const latestSize = latest.sequence - 1
const proofs = new Proofs(backend)
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
type V3 = Extract<InclusionProof, { version: 3 }>
const check = (proof: unknown, key = ledgerKey) => checkProof(copy(proof), key, nativeCrypto)

describe('proofs after key rotations, checked from the genesis key alone', () => {
  it('the log has checkpoints in every key era', () => {
    expect(rotations).toHaveLength(2)
    expect(new Set(checkpoints.map((c) => c.signer))).toEqual(new Set([ledgerKey, hex(second), hex(third)]))
  })

  it('proves every event under the latest checkpoint, carrying both rotations, with both crypto paths', async () => {
    for (const event of all.filter((e) => e.sequence <= latestSize)) {
      const proof = await proofs.inclusion(event.sequence)
      expect(proof.ledgerPublicKey).toBe(ledgerKey)
      expect(proof.version).toBe(3)
      expect(rotationsOf(proof).map((r) => r.event.sequence)).toEqual(rotations.map((r) => r.sequence))
      expect(check(proof)).toMatchObject({ ok: true, sequence: event.sequence, treeSize: latestSize })
      expect(checkProof(copy(proof), ledgerKey, referenceCrypto).ok).toBe(true)
    }
  })

  it('proves against every checkpoint, each carrying the rotations under it', async () => {
    for (const checkpoint of checkpoints) {
      const size = checkpoint.sequence - 1
      const proof = await proofs.inclusion(1, size)
      expect(rotationsOf(proof)).toHaveLength(rotations.filter((r) => r.sequence <= size).length)
      expect(proof.version).toBe(rotationsOf(proof).length === 0 ? 2 : 3)
      expect(check(proof)).toMatchObject({ ok: true, treeSize: size })
    }
  })

  it('proves consistency between checkpoints of different keys', async () => {
    for (const older of checkpoints) {
      for (const newer of checkpoints.filter((c) => c.sequence >= older.sequence)) {
        expect(check(await proofs.consistency(older.sequence - 1, newer.sequence - 1))).toMatchObject({ ok: true, oldSize: older.sequence - 1, newSize: newer.sequence - 1 })
      }
    }
  })

  it('keeps version 2 (no rotations member) for a checkpoint the genesis key signed, and a version 2 proof cannot skip the rotations', async () => {
    const first = checkpoints[0] as Envelope
    const early = await proofs.inclusion(1, first.sequence - 1)
    expect(early.version).toBe(2)
    expect('rotations' in early).toBe(false)
    expect(check(early)).toMatchObject({ ok: true })
    const later = (await proofs.inclusion(1)) as V3
    const { rotations: carried, ...rest } = later
    expect(carried).toHaveLength(2)
    expect(check({ ...rest, version: 2 })).toMatchObject({ ok: false, reason: expect.stringMatching(/the checkpoint is signed by .*, not the trusted ledger key/) })
  })
})

describe('a cheater\'s proof after rotations', () => {
  const proofOf = async (sequence = 2): Promise<V3> => {
    const proof = copy(await proofs.inclusion(sequence))
    if (proof.version !== 3) throw new Error('expected a proof carrying rotations')
    return proof
  }

  it('without the rotations, or with one left out, fails', async () => {
    const proof = await proofOf()
    expect(check({ ...proof, rotations: [] }).ok).toBe(false)
    expect(check({ ...proof, rotations: proof.rotations.slice(0, 1) })).toMatchObject({ ok: false, reason: expect.stringMatching(/the checkpoint is signed by .*, not by .*in force/) })
    expect(check({ ...proof, rotations: proof.rotations.slice(1) })).toMatchObject({ ok: false, reason: expect.stringMatching(/key rotation is signed by/) })
    expect(check({ ...proof, rotations: [...proof.rotations].reverse() }).ok).toBe(false)
  })

  it('under a rotated key taken as the trusted one, fails', async () => {
    expect(check(await proofOf(), hex(second)).ok).toBe(false)
  })

  it('with a rotation whose inclusion proof was changed, fails', async () => {
    const proof = await proofOf()
    const [r1, r2] = proof.rotations as [V3['rotations'][number], V3['rotations'][number]]
    const hashes = r1.hashes.map((h, i) => (i === 0 ? `${h[0] === '0' ? '1' : '0'}${h.slice(1)}` : h))
    expect(check({ ...proof, rotations: [{ ...r1, hashes }, r2] })).toMatchObject({ ok: false, reason: expect.stringMatching(/not in the checkpoint's tree/) })
  })

  it('with a forged rotation to an attacker key that signs the checkpoint and the event, fails', async () => {
    // The attacker rebuilds the checkpoint and the event under its own key and claims a rotation
    // to it, self-certified by its statement; without the genesis key it cannot sign the rotation.
    const proof = await proofOf()
    const r1 = proof.rotations[0]?.event as Envelope
    const data = rotationData(ledgerKey, r1.sequence, ledgerKey, attacker) as unknown as JsonValue
    for (const by of [attacker, second]) {
      const forged = sealEnvelope({ ...envelopeBody(r1), data, signer: hex(by) }, by, nativeCrypto)
      expect(check({ ...proof, rotations: [{ event: forged, hashes: proof.rotations[0]?.hashes ?? [] }] })).toMatchObject({ ok: false })
    }
    // The genuine rotation's body with the attacker's data keeps the outgoing key's signature, but not its hash.
    expect(check({ ...proof, rotations: [{ ...proof.rotations[0], event: { ...r1, data } }, ...proof.rotations.slice(1)] })).toMatchObject({ ok: false, reason: expect.stringMatching(/hash does not match/) })
  })

  it('with the event re-signed by a retired key, fails', async () => {
    const proof = await proofOf((rotations[1]?.sequence ?? 0) + 3)
    const late = proof.event
    const forged = sealEnvelope({ ...envelopeBody(late), signer: ledgerKey }, ledgerSigner, nativeCrypto)
    expect(check({ ...proof, event: forged })).toMatchObject({ ok: false, reason: expect.stringMatching(/the event is signed by/) })
  })

  it('a consistency proof without its rotations fails', async () => {
    const proof: ConsistencyProof = copy(await proofs.consistency((checkpoints[0] as Envelope).sequence - 1))
    expect(proof.version).toBe(2)
    expect(check(proof).ok).toBe(true)
    expect(check({ ...proof, rotations: [] }).ok).toBe(false)
    const { rotations: _dropped, ...rest } = proof as Extract<ConsistencyProof, { version: 2 }>
    expect(check({ ...rest, version: 1 }).ok).toBe(false)
  })

  it('the checkpoint after each rotation carries both keys\' note signatures', () => {
    for (const rotation of rotations) {
      const after = all[rotation.sequence] as Envelope
      expect(anchorData(after)?.signatures).toHaveLength(2)
    }
  })
})
