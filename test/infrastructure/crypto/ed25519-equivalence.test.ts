import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromHex } from '../../../domain/crypto/hex.js'
import { referenceEd25519 } from '../../../domain/crypto/reference.js'
import { nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { vectorsDir } from '../../support/vectors.js'
import { L, le, leToBig } from '../../support/ed25519-scalars.js'

interface WycheproofTest {
  tcId: number
  comment: string
  msg: string
  sig: string
  result: 'valid' | 'invalid'
  flags: string[]
}
interface WycheproofFile {
  numberOfTests: number
  testGroups: { publicKey: { pk: string }; tests: WycheproofTest[] }[]
}

const wycheproof = JSON.parse(readFileSync(join(vectorsDir(), 'wycheproof-ed25519_test.json'), 'utf8')) as WycheproofFile
const cases = wycheproof.testGroups.flatMap((group) => group.tests.map((test) => ({ pk: fromHex(group.publicKey.pk), test })))
const paths = [referenceEd25519, nativeEd25519]

describe('Ed25519 against Wycheproof', () => {
  it('reads every case', () => {
    expect(cases.length).toBe(wycheproof.numberOfTests)
  })
  for (const path of paths) {
    it(`${path.name} gives the expected result for all ${wycheproof.numberOfTests} cases`, () => {
      const wrong = cases
        .filter(({ pk, test }) => path.verify(pk, fromHex(test.msg), fromHex(test.sig)) !== (test.result === 'valid'))
        .map(({ test }) => test.tcId)
      expect(wrong).toEqual([])
    })
  }
})


/** A signature whose R is shifted by a torsion point: valid under the cofactored equation only. */
function mixedOrderSignature(seed: Uint8Array, message: Uint8Array, torsion: string) {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed)
  const r = leToBig(randomBytes(32)) % L
  const R = ed25519.Point.BASE.multiply(r).add(ed25519.Point.fromBytes(fromHex(torsion)))
  const Rb = R.toBytes()
  const k = leToBig(sha512(new Uint8Array([...Rb, ...pointBytes, ...message]))) % L
  const S = (r + k * scalar) % L
  return { publicKey: pointBytes, signature: new Uint8Array([...Rb, ...le(S)]) }
}

describe('the native and reference paths accept exactly the same signatures', () => {
  it('agree on every Wycheproof case', () => {
    for (const { pk, test } of cases) {
      const msg = fromHex(test.msg)
      const sig = fromHex(test.sig)
      expect(nativeEd25519.verify(pk, msg, sig), `tcId ${test.tcId}`).toBe(referenceEd25519.verify(pk, msg, sig))
    }
  })

  it('native gives the same verdicts on a key\'s first sighting (verified from its bytes), its second (a key object made) and later ones (the key object kept)', () => {
    const identityR = fromHex(ED25519_TORSION_SUBGROUP[0] as string)
    for (let k = 0; k < 20; k++) {
      const seed = randomBytes(32)
      const signer = referenceEd25519.signer(seed)
      const message = randomBytes(1 + k)
      const good = signer.sign(message)
      const bad = Uint8Array.from(good, (byte, i) => (i === k ? byte ^ 1 : byte))
      const smallOrder = fromHex(ED25519_TORSION_SUBGROUP[k % ED25519_TORSION_SUBGROUP.length] as string)
      const trivial = new Uint8Array([...identityR, ...new Uint8Array(32)])
      // A fresh key, each time alternating which signature comes first.
      for (let sighting = 0; sighting < 4; sighting++) {
        const [first, second] = sighting % 2 === 0 ? [good, bad] : [bad, good]
        expect(nativeEd25519.verify(signer.publicKey, message, first)).toBe(first === good)
        expect(nativeEd25519.verify(signer.publicKey, message, second)).toBe(second === good)
        expect(nativeEd25519.verify(smallOrder, message, trivial)).toBe(false)
      }
    }
  })

  it('both refuse small-order public keys, which OpenSSL alone would accept with a trivial signature', () => {
    const identityR = fromHex(ED25519_TORSION_SUBGROUP[0] as string)
    for (const torsion of ED25519_TORSION_SUBGROUP) {
      const signature = new Uint8Array([...identityR, ...new Uint8Array(32)])
      for (const path of paths) expect(path.verify(fromHex(torsion), new Uint8Array([1, 2, 3]), signature)).toBe(false)
    }
  })

  it('both refuse a mixed-order R (the cofactorless equation is pinned)', () => {
    const seed = randomBytes(32)
    const message = new TextEncoder().encode('mixed order')
    for (const torsion of ED25519_TORSION_SUBGROUP.slice(1)) {
      const { publicKey, signature } = mixedOrderSignature(seed, message, torsion)
      // The case is real: a cofactored verifier (noble's own verify) accepts it.
      expect(ed25519.verify(signature, message, publicKey, { zip215: false })).toBe(true)
      for (const path of paths) expect(path.verify(publicKey, message, signature)).toBe(false)
    }
  })

  it('both refuse S + L (malleability) and accept the original', () => {
    const signer = nativeEd25519.signer(randomBytes(32))
    const message = randomBytes(40)
    const signature = signer.sign(message)
    const bumped = new Uint8Array(signature)
    bumped.set(le(leToBig(signature.subarray(32)) + L), 32)
    for (const path of paths) {
      expect(path.verify(signer.publicKey, message, signature)).toBe(true)
      expect(path.verify(signer.publicKey, message, bumped)).toBe(false)
    }
  })

  it('produce identical deterministic signatures and agree on random corruptions', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(95),
        fc.integer({ min: 1, max: 255 }),
        (seed, message, index, flip) => {
          const native = nativeEd25519.signer(seed)
          const reference = referenceEd25519.signer(seed)
          const signature = native.sign(message)
          expect(Buffer.from(reference.sign(message)).equals(Buffer.from(signature))).toBe(true)
          expect(Buffer.from(reference.publicKey).equals(Buffer.from(native.publicKey))).toBe(true)
          const blob = new Uint8Array([...native.publicKey, ...signature])
          blob[index] = (blob[index] ?? 0) ^ flip
          const pk = blob.subarray(0, 32)
          const sig = blob.subarray(32)
          expect(nativeEd25519.verify(pk, message, sig)).toBe(referenceEd25519.verify(pk, message, sig))
          expect(nativeEd25519.verify(pk, message, sig)).toBe(false)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('refuse wrong lengths without throwing', () => {
    const signer = nativeEd25519.signer(randomBytes(32))
    const signature = signer.sign(new Uint8Array())
    for (const path of paths) {
      expect(path.verify(signer.publicKey.subarray(1), new Uint8Array(), signature)).toBe(false)
      expect(path.verify(signer.publicKey, new Uint8Array(), signature.subarray(0, 63))).toBe(false)
      expect(path.verify(signer.publicKey, new Uint8Array(), new Uint8Array([...signature, 0]))).toBe(false)
    }
  })
})
