/**
 * The verify pool (signatures checked on threads off the event loop) accepts exactly what the
 * native path on the event loop accepts, answers each caller its own result under concurrency,
 * and refuses rather than guesses once closed. The HTTP edge's use of it is exercised by every
 * command route test (a server verifies with a pool by default).
 */
import { randomBytes } from 'node:crypto'
import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { fromHex } from '../../../domain/crypto/hex.js'
import { signCommand } from '../../../domain/ledger/command.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { createVerifyPool } from '../../../infrastructure/crypto/verify-pool.js'
import { verifySigned, verifySignedOff } from '../../../infrastructure/verified-commands.js'
import { L, le, leToBig } from '../../support/ed25519-scalars.js'

const pool = createVerifyPool(2)
afterAll(() => pool.close())


describe('the verify pool', () => {
  it('agrees with the native path on valid, corrupted, malleated and small-order cases, all in flight at once', async () => {
    const cases: { pk: Uint8Array; msg: Uint8Array; sig: Uint8Array }[] = []
    for (let i = 0; i < 200; i++) {
      const signer = nativeEd25519.signer(randomBytes(32))
      const msg = randomBytes(32)
      const sig = signer.sign(msg)
      cases.push({ pk: signer.publicKey, msg, sig })
      const flipped = new Uint8Array(sig)
      flipped[i % 64] = (flipped[i % 64] ?? 0) ^ (1 << (i % 8))
      cases.push({ pk: signer.publicKey, msg, sig: flipped })
      const bumped = new Uint8Array(sig)
      bumped.set(le(leToBig(sig.subarray(32)) + L), 32)
      cases.push({ pk: signer.publicKey, msg, sig: bumped })
      cases.push({ pk: nativeEd25519.signer(randomBytes(32)).publicKey, msg, sig })
    }
    const identityR = fromHex(ED25519_TORSION_SUBGROUP[0] as string)
    for (const torsion of ED25519_TORSION_SUBGROUP) cases.push({ pk: fromHex(torsion), msg: randomBytes(32), sig: new Uint8Array([...identityR, ...new Uint8Array(32)]) })
    const answers = await Promise.all(cases.map(({ pk, msg, sig }) => pool.verify(pk, msg, sig)))
    expect(answers).toEqual(cases.map(({ pk, msg, sig }) => nativeEd25519.verify(pk, msg, sig)))
    expect(answers.filter(Boolean).length).toBe(200)
  })

  it('refuses wrong lengths without a thread', async () => {
    const signer = nativeEd25519.signer(randomBytes(32))
    const msg = randomBytes(32)
    const sig = signer.sign(msg)
    expect(await pool.verify(signer.publicKey.subarray(1), msg, sig)).toBe(false)
    expect(await pool.verify(signer.publicKey, msg.subarray(1), sig)).toBe(false)
    expect(await pool.verify(signer.publicKey, msg, sig.subarray(1))).toBe(false)
  })

  it('property: a signed command verifies off the event loop exactly as on it, however it was altered', async () => {
    const signer = nativeEd25519.signer(randomBytes(32))
    const ledger = '00'.repeat(32)
    const actor = Buffer.from(signer.publicKey).toString('hex')
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 20 }), fc.nat(127), fc.boolean(), async (nonce, index, alter) => {
        const signed = signCommand({ type: 'WrapOpen', payload: { amount: '1' }, actor, nonce: `n${nonce}`, issuedAt: '2026-12-01T00:00:00.000Z', ledger }, signer, nativeCrypto)
        const digits = signed.signature.split('')
        if (alter) digits[index] = digits[index] === '0' ? '1' : '0'
        const candidate = { ...signed, signature: digits.join('') }
        const off = await verifySignedOff(candidate, nativeCrypto, pool)
        expect(off).toBe(verifySigned({ ...candidate }, nativeCrypto))
        expect(off === undefined).toBe(alter)
      }),
      { numRuns: 200 },
    )
  })

  it('once closed, refuses new work', async () => {
    const closing = createVerifyPool(1)
    const signer = nativeEd25519.signer(randomBytes(32))
    const msg = randomBytes(32)
    expect(await closing.verify(signer.publicKey, msg, signer.sign(msg))).toBe(true)
    await closing.close()
    await expect(closing.verify(signer.publicKey, msg, signer.sign(msg))).rejects.toThrow(/closed/)
  })
})
