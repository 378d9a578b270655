/** One signature check per command object per process, and never a stale one after the object changed. */
import { describe, expect, it } from 'vitest'
import { signCommand, type SignedCommand } from '../../domain/ledger/command.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { toHex } from '../../domain/crypto/hex.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'
import { verifySigned, verifySignedOff } from '../../infrastructure/verified-commands.js'

const actor = nativeCrypto.ed25519.signer(new Uint8Array(32).fill(7))
const counting = (): { crypto: CryptoSuite; calls: () => number; hashes: () => number } => {
  let calls = 0
  let hashes = 0
  const ed25519 = { ...nativeCrypto.ed25519, verify: (key: Uint8Array, message: Uint8Array, signature: Uint8Array) => (calls++, nativeCrypto.ed25519.verify(key, message, signature)) }
  const sha256 = (data: Uint8Array) => (hashes++, nativeCrypto.sha256(data))
  return { crypto: { ed25519, sha256 }, calls: () => calls, hashes: () => hashes }
}
const signed = (): SignedCommand =>
  signCommand({ type: 'WrapOpen', payload: { amount: '1' }, actor: toHex(actor.publicKey), nonce: 'n', issuedAt: '2026-01-01T00:00:00.000Z', ledger: 'ab'.repeat(32) }, actor, nativeCrypto)

describe('verifySigned', () => {
  it('verifies an object once, however many layers ask', () => {
    const { crypto, calls } = counting()
    const command = signed()
    const hash = verifySigned(command, crypto)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(verifySigned(command, crypto)).toBe(hash)
    expect(verifySigned(command, crypto)).toBe(hash)
    expect(calls()).toBe(1)
  })

  it('checks again, and refuses, a command changed after its check', () => {
    const { crypto, calls } = counting()
    const command = signed()
    expect(verifySigned(command, crypto)).toBeDefined()
    ;(command.command.payload as { amount: string }).amount = '1000000'
    expect(verifySigned(command, crypto)).toBeUndefined()
    expect(calls()).toBe(2)
  })

  it('checks again a command whose signature was swapped for another', () => {
    const { crypto } = counting()
    const command = signed()
    expect(verifySigned(command, crypto)).toBeDefined()
    const forged = command as { signature: string }
    forged.signature = `${forged.signature.slice(0, -2)}00`
    expect(verifySigned(command, crypto)).toBeUndefined()
  })
})

describe('verifySignedOff (the HTTP edge)', () => {
  it('freezes the command it checks, so later layers trust it without verifying or hashing it again', async () => {
    const { crypto, calls, hashes } = counting()
    const command = signed()
    const hash = await verifySignedOff(command, crypto, undefined)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(Object.isFrozen(command) && Object.isFrozen(command.command) && Object.isFrozen(command.command.payload)).toBe(true)
    const [verifications, hashed] = [calls(), hashes()]
    expect(verifySigned(command, crypto)).toBe(hash)
    expect(await verifySignedOff(command, crypto, undefined)).toBe(hash)
    expect([calls(), hashes()]).toEqual([verifications, hashed])
    // Nobody can change it after the check: the cheater's write throws and the object is as verified.
    expect(() => ((command.command.payload as { amount: string }).amount = '1000000')).toThrow(TypeError)
    expect(() => ((command as { signature: string }).signature = '00')).toThrow(TypeError)
    expect(command.command.payload).toEqual({ amount: '1' })
  })

  it('refuses a command altered before its check, and remembers nothing for it', async () => {
    const { crypto, calls } = counting()
    const command = signed()
    ;(command.command.payload as { amount: string }).amount = '1000000'
    expect(await verifySignedOff(command, crypto, undefined)).toBeUndefined()
    expect(verifySigned(command, crypto)).toBeUndefined()
    expect(calls()).toBe(2)
  })
})
