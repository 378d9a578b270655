/** One signature check per command object per process, and never a stale one after the object changed. */
import { describe, expect, it } from 'vitest'
import { signCommand, type SignedCommand } from '../../domain/ledger/command.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { toHex } from '../../domain/crypto/hex.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'
import { verifySigned } from '../../infrastructure/verified-commands.js'

const actor = nativeCrypto.ed25519.signer(new Uint8Array(32).fill(7))
const counting = (): { crypto: CryptoSuite; calls: () => number } => {
  let calls = 0
  const ed25519 = { ...nativeCrypto.ed25519, verify: (key: Uint8Array, message: Uint8Array, signature: Uint8Array) => (calls++, nativeCrypto.ed25519.verify(key, message, signature)) }
  return { crypto: { ...nativeCrypto, ed25519 }, calls: () => calls }
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
