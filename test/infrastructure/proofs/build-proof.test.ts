import { describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import { referenceCrypto } from '../../../domain/crypto/reference.js'
import { anchorData } from '../../../domain/ledger/anchor.js'
import { checkConsistencyProof, checkInclusionProof, checkProof, type InclusionProof } from '../../../domain/ledger/proof.js'
import { Expected } from '../../../domain/ports/event-store.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { buildInclusionProof, Proofs, ProofUnavailable } from '../../../infrastructure/proofs/build-proof.js'
import { buildLedger, ledgerKey, otherSigner, standardSteps } from '../../support/ledger-fixture.js'

const { store, backend } = await buildLedger(standardSteps)
await store.close()
const head = await backend.head()
const all = await backend.readRange(1, head.sequence)
const checkpoints = all.filter((e) => e.type === 'LedgerAnchored')
const latest = checkpoints[checkpoints.length - 1]
const latestSize = anchorData(latest ?? all[0] ?? ({} as never))?.treeSize ?? 0
const roundTrip = <T>(proof: T): unknown => JSON.parse(JSON.stringify(proof))
const flipHex = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`

describe('inclusion proofs', () => {
  it('has several checkpoints to prove against', () => {
    expect(checkpoints.length).toBeGreaterThanOrEqual(2)
  })

  it('every event under the latest checkpoint, checkpoints included, has a proof that checks offline with both crypto paths', async () => {
    const proofs = new Proofs(backend)
    for (const event of all.filter((e) => e.sequence <= latestSize)) {
      const proof = roundTrip(await proofs.inclusion(event.sequence))
      expect(checkInclusionProof(proof, ledgerKey, nativeCrypto)).toMatchObject({ ok: true, sequence: event.sequence, treeSize: latestSize })
      expect(checkInclusionProof(proof, ledgerKey, referenceCrypto).ok).toBe(true)
    }
  })

  it('proves an event against every checkpoint that holds it, and refuses one that does not', async () => {
    const proofs = new Proofs(backend)
    for (const checkpoint of checkpoints) {
      const size = checkpoint.sequence - 1
      expect(checkProof(roundTrip(await proofs.inclusion(1, size)), ledgerKey, nativeCrypto)).toMatchObject({ ok: true, treeSize: size })
    }
    const first = checkpoints[0] as (typeof checkpoints)[number]
    await expect(proofs.inclusion(first.sequence + 1, first.sequence - 1)).rejects.toThrow(/not under the checkpoint/)
    await expect(proofs.inclusion(1, first.sequence)).rejects.toThrow(/no checkpoint has tree size/)
  })

  it('fails under a key that is not the ledger\'s', async () => {
    const proof = await buildInclusionProof(backend, 3)
    expect(checkInclusionProof(proof, toHex(otherSigner.publicKey), nativeCrypto)).toEqual({ ok: false, reason: expect.stringMatching(/not the trusted ledger key/) as unknown })
  })

  it('fails when a hash, the event, the index or the size is altered, or a member is added', async () => {
    const proof = await buildInclusionProof(backend, 2)
    expect(proof.hashes.length).toBeGreaterThan(0)
    const flipped: InclusionProof = { ...proof, hashes: [flipHex(proof.hashes[0] ?? ''), ...proof.hashes.slice(1)] }
    expect(checkInclusionProof(flipped, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/root-mismatch/) as unknown })
    expect(checkInclusionProof({ ...proof, hashes: proof.hashes.slice(1) }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/wrong-proof-size/) as unknown })
    const otherEvent = { ...proof, event: { ...proof.event, data: { changed: true } } }
    expect(checkInclusionProof(otherEvent, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/hash does not match/) as unknown })
    expect(checkInclusionProof({ ...proof, leafIndex: proof.leafIndex + 1 }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/leafIndex/) as unknown })
    expect(checkInclusionProof({ ...proof, treeSize: proof.treeSize + 1 }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/treeSize/) as unknown })
    expect(checkInclusionProof({ ...proof, extra: 1 }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed/) as unknown })
  })

  it('another event\'s hashes, or another checkpoint, do not prove the event', async () => {
    const proofs = new Proofs(backend)
    const two = await proofs.inclusion(2)
    const three = await proofs.inclusion(3)
    expect(checkInclusionProof({ ...two, hashes: three.hashes }, ledgerKey, nativeCrypto).ok).toBe(false)
    const first = checkpoints[0] as (typeof checkpoints)[number]
    const early = await proofs.inclusion(2, first.sequence - 1)
    expect(checkInclusionProof({ ...early, checkpoint: two.checkpoint }, ledgerKey, nativeCrypto).ok).toBe(false)
  })

  it('explains why there is no proof: no such event, or no checkpoint yet', async () => {
    await expect(buildInclusionProof(backend, head.sequence + 5)).rejects.toBeInstanceOf(ProofUnavailable)
    const open = await buildLedger([{ stream: 'account-a', events: 2, command: false }], { anchorEvery: 100 })
    await open.store.append({ writes: [{ stream: 'account-b', expected: Expected.any, events: [{ type: 'ThingHappened', data: {} }] }] })
    await expect(buildInclusionProof(open.backend, 1)).rejects.toThrow(/no checkpoint yet/)
  })
})

describe('consistency proofs', () => {
  it('every pair of checkpoints is consistent, checked offline with both crypto paths', async () => {
    const proofs = new Proofs(backend)
    for (const older of checkpoints) {
      for (const newer of checkpoints.filter((c) => c.sequence >= older.sequence)) {
        const proof = roundTrip(await proofs.consistency(older.sequence - 1, newer.sequence - 1))
        expect(checkConsistencyProof(proof, ledgerKey, nativeCrypto)).toMatchObject({ ok: true, oldSize: older.sequence - 1, newSize: newer.sequence - 1 })
        expect(checkProof(proof, ledgerKey, referenceCrypto).ok).toBe(true)
      }
    }
  })

  it('fails when a hash is altered, the checkpoints are swapped or one is from another key', async () => {
    const proofs = new Proofs(backend)
    const first = checkpoints[0] as (typeof checkpoints)[number]
    const proof = await proofs.consistency(first.sequence - 1)
    expect(proof.hashes.length).toBeGreaterThan(0)
    expect(checkConsistencyProof({ ...proof, hashes: [flipHex(proof.hashes[0] ?? ''), ...proof.hashes.slice(1)] }, ledgerKey, nativeCrypto).ok).toBe(false)
    expect(checkConsistencyProof({ ...proof, old: proof.new, new: proof.old }, ledgerKey, nativeCrypto).ok).toBe(false)
    expect(checkConsistencyProof(proof, toHex(otherSigner.publicKey), nativeCrypto).ok).toBe(false)
    await expect(proofs.consistency(first.sequence)).rejects.toBeInstanceOf(ProofUnavailable)
  })
})
