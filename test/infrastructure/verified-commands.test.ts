/** One signature check per command object per process, and never a stale one after the object changed. */
import { describe, expect, it } from 'vitest'
import { signCommand, type SignedCommand } from '../../domain/ledger/command.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { toHex } from '../../domain/crypto/hex.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'
import fc from 'fast-check'
import { canonicalize } from '../../domain/canonical/jcs.js'
import { checkedCommand, signChecked, signedCommandText, verifySigned, verifySignedOff } from '../../infrastructure/verified-commands.js'
import { commandHash, SignedCommandC, type Command } from '../../domain/ledger/command.js'
import type { Signer } from '../../domain/ports/crypto.js'
import { tokens } from '../../domain/governance/amounts.js'
import { ALICE, BOB, cmd } from '../domain/governance/fixtures.js'
import { harness, keyOf, realKeys, sign, type Harness } from './command-handler-support.js'
import { GovernanceRequestC } from '../../domain/governance/index.js'
import type { JsonValue } from '../../domain/json.js'

const actor = nativeCrypto.ed25519.signer(new Uint8Array(32).fill(7))
const counting = (): { crypto: CryptoSuite; calls: () => number; hashes: () => number } => {
  let calls = 0
  let hashes = 0
  const ed25519 = { ...nativeCrypto.ed25519, verify: (key: Uint8Array, message: Uint8Array, signature: Uint8Array) => (calls++, nativeCrypto.ed25519.verify(key, message, signature)) }
  const sha256 = (data: Uint8Array) => (hashes++, nativeCrypto.sha256(data))
  return { crypto: { ed25519, sha256 }, calls: () => calls, hashes: () => hashes }
}
const signed0 = (): SignedCommand =>
  signCommand({ type: 'WrapOpen', payload: { amount: '1' }, actor: toHex(actor.publicKey), nonce: 'n', issuedAt: '2026-01-01T00:00:00.000Z', ledger: 'ab'.repeat(32) }, actor, nativeCrypto)
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

  it('marks a command decoded only when its caller says it decoded that very object', async () => {
    const plain = signed()
    expect(await verifySignedOff(plain, nativeCrypto, undefined)).toBeDefined()
    expect(checkedCommand(plain)).toBeUndefined()
    const decoded = signed()
    const hash = await verifySignedOff(decoded, nativeCrypto, undefined, SignedCommandC)
    expect(checkedCommand(decoded)).toEqual({ signed: decoded, hash })
    // A forged signature is never marked, however it was decoded.
    const forged = signed()
    ;(forged as { signature: string }).signature = `${forged.signature.slice(0, -2)}00`
    expect(await verifySignedOff(forged, nativeCrypto, undefined, SignedCommandC)).toBeUndefined()
    expect(checkedCommand(forged)).toBeUndefined()
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

describe('signChecked (a command this process signs for its own handler)', () => {
  const command = (over: Partial<Command> = {}): Command => ({ type: 'WrapOpen', payload: { amount: '1', list: [{ n: 1 }] }, actor: toHex(actor.publicKey), nonce: 'n', issuedAt: '2026-01-01T00:00:00.000Z', ledger: 'ab'.repeat(32), ...over })

  it('signs exactly what signCommand signs, frozen, and marks it checked with its hash: no later decode, hash or verification', () => {
    const { crypto, calls, hashes } = counting()
    const given = command()
    const checked = signChecked(given, actor, crypto)
    expect(checked).toEqual(signCommand(command(), actor, nativeCrypto))
    expect(Object.isFrozen(checked.command.payload)).toBe(true)
    // The caller's own objects are neither frozen nor shared: it may go on changing them.
    expect(Object.isFrozen(given.payload)).toBe(false)
    ;(given.payload as { amount: string }).amount = '1000000'
    expect(checked.command.payload).toEqual({ amount: '1', list: [{ n: 1 }] })
    const before = [calls(), hashes()]
    expect(checkedCommand(checked)).toEqual({ signed: checked, hash: commandHash(checked.command, nativeCrypto) })
    expect(verifySigned(checked, crypto)).toBe(checkedCommand(checked)?.hash)
    expect([calls(), hashes()]).toEqual(before)
  })

  it('marks nothing but the object it returned: a copy, or a command signed any other way, is checked in full', () => {
    const checked = signChecked(command(), actor, nativeCrypto)
    expect(checkedCommand({ ...checked })).toBeUndefined()
    expect(checkedCommand(signCommand(command(), actor, nativeCrypto))).toBeUndefined()
    expect(checkedCommand('x')).toBeUndefined()
    expect(checkedCommand(null)).toBeUndefined()
  })

  it('leaves unmarked a command that does not decode, or whose signer does not sign for the key it shows', () => {
    expect(checkedCommand(signChecked(command({ nonce: 'has a space' }), actor, nativeCrypto))).toBeUndefined()
    const other = nativeCrypto.ed25519.signer(new Uint8Array(32).fill(9))
    // A signer that shows the actor's key but signs with another: its signature is not marked good.
    const lying: Signer = { publicKey: actor.publicKey, sign: (message) => other.sign(message) }
    const signed = signChecked(command(), lying, nativeCrypto)
    expect(checkedCommand(signed)).toBeUndefined()
    expect(verifySigned(signed, nativeCrypto)).toBeUndefined()
  })
})

describe('signChecked commands through a real handler and store', () => {
  let open: Harness | undefined
  const started = async (): Promise<Harness> => {
    open = await harness()
    for (const c of [cmd.genesis(), cmd.register(ALICE), cmd.register(BOB)]) {
      const result = await open.handler.handle(sign(c))
      if (!result.ok) throw new Error(result.error.code)
    }
    return open
  }
  const transfer = (nonce: string, lying?: Signer): ReturnType<typeof signChecked> => {
    const signer = realKeys.get(ALICE) as Signer
    const { actor: _actor, ...request } = cmd.transfer(ALICE, BOB, tokens(3))
    const wire = GovernanceRequestC.encode(request) as { type: string; payload: JsonValue }
    const payload = JSON.parse(JSON.stringify(wire.payload).split(ALICE).join(keyOf(ALICE)).split(BOB).join(keyOf(BOB))) as JsonValue
    return signChecked({ type: wire.type, payload, actor: keyOf(ALICE), nonce, issuedAt: new Date(open?.clock.now() ?? 0).toISOString(), ledger: open?.store.ledgerPublicKey ?? '' }, lying ?? signer, nativeCrypto)
  }

  it('are decided and appended as any signed command, with the same hash', async () => {
    const { handler, store } = await started()
    const signed = transfer('checked-1')
    const result = await handler.handle(signed)
    expect(result).toMatchObject({ ok: true, duplicate: false, commandHash: commandHash(signed.command, nativeCrypto) })
    expect((await store.commandResult(commandHash(signed.command, nativeCrypto)))?.firstSequence).toBe(result.ok ? result.firstSequence : -1)
    await open?.store.close()
  })

  it('a lying signer’s command is refused as a bad signature and nothing is appended', async () => {
    const { handler, store } = await started()
    const head = (await store.head()).sequence
    const bob = realKeys.get(BOB) as Signer
    const result = await handler.handle(transfer('checked-2', { publicKey: (realKeys.get(ALICE) as Signer).publicKey, sign: (m) => bob.sign(m) }))
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-signature' } })
    expect((await store.head()).sequence).toBe(head)
    await open?.store.close()
  })
})

describe('signedCommandText (what the stores keep)', () => {
  it('is canonicalize(signed) for any payload, however the command was checked, or not at all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom('checked', 'edge', 'layer', 'none'), async (payload, how) => {
        fc.pre(JSON.stringify(payload) !== undefined && !/\\ud[89a-f]/i.test(JSON.stringify(payload)))
        const command: Command = { type: 'WrapOpen', payload: payload as JsonValue, actor: toHex(actor.publicKey), nonce: 'n', issuedAt: '2026-01-01T00:00:00.000Z', ledger: 'ab'.repeat(32) }
        const signed = how === 'checked' ? signChecked(command, actor, nativeCrypto) : signCommand(command, actor, nativeCrypto)
        if (how === 'edge') expect(await verifySignedOff(signed, nativeCrypto, undefined)).toBeDefined()
        if (how === 'layer') expect(verifySigned(signed, nativeCrypto)).toBeDefined()
        expect(signedCommandText(signed)).toBe(canonicalize(signed as unknown as JsonValue))
      }),
      { numRuns: 200 },
    )
  })

  it('follows a command changed after a check that did not freeze it', () => {
    const signed = signed0()
    expect(verifySigned(signed, nativeCrypto)).toBeDefined()
    ;(signed.command.payload as { amount: string }).amount = '999'
    expect(signedCommandText(signed)).toBe(canonicalize(signed as unknown as JsonValue))
    expect(signedCommandText(signed)).toContain('"amount":"999"')
  })
})
