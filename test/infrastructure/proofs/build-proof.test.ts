import { sha256 } from '@noble/hashes/sha2.js'
import { MerkleTree } from 'merkletreejs'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../domain/crypto/hex.js'
import { leafHash, merkleOptions } from '../../../domain/ledger/merkle.js'
import { checkInclusionProof, type InclusionProof } from '../../../domain/ledger/proof.js'
import { referenceCrypto } from '../../../domain/crypto/reference.js'
import { Expected } from '../../../domain/ports/event-store.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { buildInclusionProof, ProofUnavailable } from '../../../infrastructure/proofs/build-proof.js'
import { buildLedger, ledgerKey, otherSigner, standardSteps } from '../../support/ledger-fixture.js'

const { store, backend } = await buildLedger(standardSteps)
await store.close()
const head = await backend.head()
const all = await backend.readRange(1, head.sequence)
const ordinary = all.filter((e) => e.type !== 'LedgerAnchored')
const roundTrip = (proof: InclusionProof): unknown => JSON.parse(JSON.stringify(proof))

describe('inclusion proofs', () => {
  it('every anchored event has a proof that checks offline, with both crypto paths', async () => {
    for (const event of ordinary) {
      const proof = roundTrip(await buildInclusionProof(backend, event.sequence))
      expect(checkInclusionProof(proof, ledgerKey, nativeCrypto)).toMatchObject({ ok: true, sequence: event.sequence })
      expect(checkInclusionProof(proof, ledgerKey, referenceCrypto).ok).toBe(true)
    }
  })

  it('the path verifies with merkletreejs\'s own MerkleTree.verify', async () => {
    const proof = await buildInclusionProof(backend, 6)
    const path = proof.path.map((step) => ({ position: step.position, data: Buffer.from(fromHex(step.data)) }))
    const leaf = Buffer.from(leafHash(fromHex(proof.event.hash)))
    const root = Buffer.from(fromHex((proof.anchor.data as { root: string }).root))
    expect(MerkleTree.verify(path, leaf, root, (d: Buffer) => Buffer.from(sha256(d)), merkleOptions())).toBe(true)
  })

  it('fails under a key that is not the ledger\'s', async () => {
    const proof = await buildInclusionProof(backend, 3)
    const result = checkInclusionProof(proof, toHex(otherSigner.publicKey), nativeCrypto)
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/not the trusted ledger key/) as unknown })
  })

  it('fails when the path, the event or the index is altered', async () => {
    const proof = await buildInclusionProof(backend, 2)
    const firstStep = proof.path[0]
    if (firstStep === undefined) throw new Error('expected a path')
    const flipped = { ...proof, path: [{ ...firstStep, data: `${firstStep.data[0] === '0' ? '1' : '0'}${firstStep.data.slice(1)}` }, ...proof.path.slice(1)] }
    expect(checkInclusionProof(flipped, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/Merkle path/) as unknown })
    const otherEvent = { ...proof, event: { ...proof.event, data: { changed: true } } }
    expect(checkInclusionProof(otherEvent, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/hash does not match/) as unknown })
    expect(checkInclusionProof({ ...proof, leafIndex: proof.leafIndex + 1 }, ledgerKey, nativeCrypto).ok).toBe(false)
    expect(checkInclusionProof({ ...proof, extra: 1 }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed/) as unknown })
  })

  it('a proof from another anchor does not cover the event', async () => {
    const early = await buildInclusionProof(backend, 2)
    const late = await buildInclusionProof(backend, 10)
    expect(checkInclusionProof({ ...early, anchor: late.anchor }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/covers/) as unknown })
  })

  it('explains why there is no proof: no such event, an anchor, or not yet anchored', async () => {
    await expect(buildInclusionProof(backend, head.sequence + 5)).rejects.toBeInstanceOf(ProofUnavailable)
    const anchor = all.find((e) => e.type === 'LedgerAnchored')
    await expect(buildInclusionProof(backend, anchor?.sequence ?? 0)).rejects.toThrow(/proves itself/)
    const open = await buildLedger([{ stream: 'account-a', events: 2, command: false }], { anchorEvery: 100 })
    await open.store.append({ writes: [{ stream: 'account-b', expected: Expected.any, events: [{ type: 'ThingHappened', data: {} }] }] })
    await expect(buildInclusionProof(open.backend, 1)).rejects.toThrow(/not under an anchor yet/)
  })
})
