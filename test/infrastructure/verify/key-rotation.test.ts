import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../../domain/canonical/jcs.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { referenceCrypto } from '../../../domain/crypto/reference.js'
import type { JsonValue } from '../../../domain/json.js'
import { anchorData } from '../../../domain/ledger/anchor.js'
import { envelopeBody, sealEnvelope, type Envelope } from '../../../domain/ledger/envelope.js'
import { decodeRotation, rotationData, rotationStatement } from '../../../domain/ledger/key-rotation.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { verifyLines, type VerifyReport } from '../../../infrastructure/verify/verifier.js'
import { buildLedger, iterate, ledgerKey, ledgerSigner, linesOf, seed, type RotateStep, type Step } from '../../support/ledger-fixture.js'

const second = nativeEd25519.signer(seed(21))
const third = nativeEd25519.signer(seed(22))
const attacker = nativeEd25519.signer(seed(66))
const accomplice = nativeEd25519.signer(seed(67))
const hex = (signer: Signer) => toHex(signer.publicKey)

/** Appends, a rotation with events still unanchored, a checkpoint in the new key's era, a second rotation, more appends. */
const steps: readonly (Step | RotateStep)[] = [
  { stream: 'account-a', events: 2, command: true },
  { stream: 'account-b', events: 4, command: true },
  { stream: 'proposal-1', events: 1, command: false },
  { rotateTo: second },
  { stream: 'account-a', events: 3, command: true },
  { stream: 'account-b', events: 3, command: true },
  { rotateTo: third },
  { stream: 'datanet-x', events: 2, command: true },
]

const { store, backend } = await buildLedger(steps)
await store.close()
const lines = await linesOf(backend)

type Line = { event?: Envelope; command?: unknown }
const parse = (line: string) => JSON.parse(line) as Line
const events = lines.flatMap((line) => (parse(line).event === undefined ? [] : [parse(line).event as Envelope]))
const rotations = events.filter((e) => e.type === 'LedgerKeyRotated')
const indexOf = (sequence: number) => lines.findIndex((line) => parse(line).event?.sequence === sequence)
const withEvent = (envelope: Envelope) => {
  const i = indexOf(envelope.sequence)
  return lines.map((line, j) => (j === i ? canonicalize({ event: envelope } as unknown as JsonValue) : line))
}
const reseal = (original: Envelope, changes: Partial<Envelope>, by: Signer) => sealEnvelope({ ...envelopeBody(original), ...changes, signer: hex(by) }, by, nativeCrypto)

const verify = (input: readonly string[], options: Parameters<typeof verifyLines>[1] = {}): Promise<VerifyReport> =>
  verifyLines(iterate(input), { trustedKey: ledgerKey, workers: 0, ...options })

function expectFailure(report: VerifyReport, sequence: number | null, reason: RegExp): void {
  expect(report.ok).toBe(false)
  expect(report.failure?.sequence).toBe(sequence)
  expect(report.failure?.reason).toMatch(reason)
}

describe('a log whose key was rotated twice, across checkpoints', () => {
  const [r1, r2] = rotations as [Envelope, Envelope]

  it('holds each rotation as the store wrote it: signed by the outgoing key, a checkpoint signed by both right after', () => {
    expect(rotations).toHaveLength(2)
    expect(r1.signer).toBe(ledgerKey)
    expect(decodeRotation(r1)).toMatchObject({ previousKey: ledgerKey, newKey: hex(second) })
    expect(r1.cause).toEqual({ kind: 'system', reason: 'key-rotation' })
    const after = events[r1.sequence] as Envelope
    expect(after.type).toBe('LedgerAnchored')
    expect(after.signer).toBe(hex(second))
    expect(anchorData(after)?.signatures.map((s) => s.key)).toEqual([hex(second), ledgerKey])
    expect(r2.signer).toBe(hex(second))
    expect(anchorData(events[r2.sequence] as Envelope)?.signatures.map((s) => s.key)).toEqual([hex(third), hex(second)])
    // Every event is signed by the key in force at its sequence.
    for (const e of events) expect(e.signer).toBe(e.sequence <= r1.sequence ? ledgerKey : e.sequence <= r2.sequence ? hex(second) : hex(third))
    // A checkpoint signed by the second key alone, between the rotations.
    expect(events.some((e) => e.type === 'LedgerAnchored' && e.sequence > r1.sequence + 1 && e.sequence < r2.sequence)).toBe(true)
  })

  it('verifies from the genesis key alone, and reports the chain of keys', async () => {
    for (const options of [{ workers: 0 }, { workers: 2 }, { workers: 0, crypto: 'reference' as const }]) {
      const report = await verify(lines, options)
      expect(report.failure).toBeNull()
      expect(report.ledgerPublicKey).toBe(ledgerKey)
      expect(report.summary?.keys).toEqual([
        { publicKey: ledgerKey, since: 1 },
        { publicKey: hex(second), since: r1.sequence + 1 },
        { publicKey: hex(third), since: r2.sequence + 1 },
      ])
    }
  })

  it('refuses the log under a rotated key taken as the trusted one', async () => {
    expectFailure(await verify(lines, { trustedKey: hex(second) }), null, /not the trusted key/)
  })

  it('refuses a rotation not signed by the outgoing key', async () => {
    // The attacker cannot sign with the genesis key, so signs the rotation with its own.
    const forged = reseal(r1, {}, attacker)
    expectFailure(await verify(withEvent(forged)), r1.sequence, /not by the outgoing key/)
    // Or names itself as the outgoing key: then it is not the key in force.
    const claimed = reseal(r1, { data: rotationData(ledgerKey, r1.sequence, hex(attacker), second) as unknown as JsonValue }, attacker)
    expectFailure(await verify(withEvent(claimed)), r1.sequence, /which is not the ledger key/)
  })

  it('refuses a rotation without a valid statement by the incoming key', async () => {
    const data = decodeRotation(r1) as NonNullable<ReturnType<typeof decodeRotation>>
    const zeroed = reseal(r1, { data: { ...data, newKeySignature: '0'.repeat(128) } }, ledgerSigner)
    expectFailure(await verify(withEvent(zeroed)), r1.sequence, /did not sign the rotation statement/)
    // A statement the new key really signed, but for another sequence (a replay), binds nothing here.
    const moved = rotationData(ledgerKey, r1.sequence + 1, ledgerKey, second)
    expectFailure(await verify(withEvent(reseal(r1, { data: moved as unknown as JsonValue }, ledgerSigner))), r1.sequence, /did not sign the rotation statement/)
    // And one for another ledger.
    const elsewhere = rotationData(hex(attacker), r1.sequence, ledgerKey, second)
    expectFailure(await verify(withEvent(reseal(r1, { data: elsewhere as unknown as JsonValue }, ledgerSigner))), r1.sequence, /did not sign the rotation statement/)
  })

  it('refuses events after a rotation signed by the old key', async () => {
    const inForce = new RegExp(`not the ledger key ${hex(second)} \\(in force since sequence ${r1.sequence + 1}\\)`)
    for (const e of events.filter((x) => x.sequence > r1.sequence && x.sequence < r2.sequence)) {
      // A checkpoint's note must be signed by its own signer too: the line check may see that first.
      const reason = e.type === 'LedgerAnchored' && !anchorData(e)?.signatures.some((s) => s.key === ledgerKey) ? /note is not signed by the event's signer/ : inForce
      expectFailure(await verify(withEvent(reseal(e, {}, ledgerSigner))), e.sequence, reason)
    }
    const late = events[events.length - 2] as Envelope
    expectFailure(await verify(withEvent(reseal(late, {}, second))), late.sequence, /not the ledger key/)
  })

  it('refuses an event before a rotation signed by the new key', async () => {
    const early = events[r1.sequence - 2] as Envelope
    expectFailure(await verify(withEvent(reseal(early, {}, second))), early.sequence, new RegExp(`not the ledger key ${ledgerKey}$`))
  })

  it('refuses a forged rotation to an attacker key, however it is signed', async () => {
    // A rotation that hands over to the attacker: the outgoing key's signature no longer matches its body.
    const data = rotationData(ledgerKey, r1.sequence, ledgerKey, attacker)
    const swapped = { ...r1, data: data as unknown as JsonValue }
    expectFailure(await verify(withEvent(swapped)), r1.sequence, /hash does not match/)
    // Re-sealed by the attacker: not the outgoing key.
    expectFailure(await verify(withEvent(reseal(r1, { data: data as unknown as JsonValue }, attacker))), r1.sequence, /not by the outgoing key/)
    // An extra rotation slipped in after a genuine event, chained correctly, signed by the attacker.
    const at = events[2] as Envelope
    const inserted = reseal(at, { stream: 'ledger-keys', streamVersion: 1, type: 'LedgerKeyRotated', cause: { kind: 'system', reason: 'key-rotation' }, data: rotationData(ledgerKey, at.sequence, hex(attacker), accomplice) as unknown as JsonValue }, attacker)
    expectFailure(await verify(withEvent(inserted)), at.sequence, /which is not the ledger key/)
  })

  it('refuses the rotation types anywhere but in ledger-keys, with the key-rotation cause', async () => {
    const e = events[3] as Envelope
    expectFailure(await verify(withEvent(reseal(e, { type: 'LedgerKeyRotated' }, ledgerSigner))), e.sequence, /belong to ledger-keys/)
    expectFailure(await verify(withEvent(reseal(r1, { cause: { kind: 'system', reason: 'test' } }, ledgerSigner))), r1.sequence, /system cause "key-rotation"/)
  })

  it('the statement is domain-separated and names everything it binds', () => {
    expect(rotationStatement('aa', 7, 'bb', 'cc')).toBe('model-ledger key rotation v1\nledger aa\nsequence 7\nprevious bb\nnew cc\n')
    const data = decodeRotation(r1) as NonNullable<ReturnType<typeof decodeRotation>>
    const statement = new TextEncoder().encode(rotationStatement(ledgerKey, r1.sequence, ledgerKey, hex(second)))
    expect(referenceCrypto.ed25519.verify(second.publicKey, statement, Buffer.from(data.newKeySignature, 'hex'))).toBe(true)
  })
})

describe('rotations in random logs', () => {
  // One fresh key for every step a plan may hold: a plan may be all rotations.
  const maxSteps = 12
  const keys = Array.from({ length: maxSteps }, (_, i) => nativeEd25519.signer(seed(100 + i)))
  const stepArb = fc.oneof(
    { weight: 4, arbitrary: fc.record({ stream: fc.constantFrom('account-a', 'account-b', 'proposal-1'), events: fc.integer({ min: 1, max: 3 }), command: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant('rotate' as const) },
  )
  const build = async (plan: readonly (Step | 'rotate')[]) => {
    let next = 0
    const built = await buildLedger(plan.map((step) => (step === 'rotate' ? { rotateTo: keys[next++] as Signer } : step)), { anchorEvery: 4 })
    await built.store.close()
    return linesOf(built.backend)
  }

  it('verify from the genesis key, and an event re-signed by any key but the one in force is refused at its sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: maxSteps }), fc.nat(), fc.nat(), async (plan, pick, who) => {
        const input = await build(plan)
        const report = await verify(input)
        expect(report.failure).toBeNull()
        const rotated = plan.filter((step) => step === 'rotate').length
        expect(report.summary?.keys).toHaveLength(1 + rotated)
        // The adversary re-signs one event with another key it might hold: any earlier or later key, or its own.
        const all = input.flatMap((line) => (parse(line).event === undefined ? [] : [parse(line).event as Envelope]))
        const victim = all[pick % all.length] as Envelope
        const candidates = [ledgerSigner, ...keys.slice(0, rotated), attacker].filter((signer) => hex(signer) !== victim.signer)
        const forger = candidates[who % candidates.length] as Signer
        const i = input.findIndex((line) => parse(line).event?.sequence === victim.sequence)
        const tampered = input.map((line, j) => (j === i ? canonicalize({ event: reseal(victim, {}, forger) } as unknown as JsonValue) : line))
        const refused = await verify(tampered)
        expect(refused.ok).toBe(false)
        expect(refused.failure?.sequence).toBe(victim.sequence)
      }),
      { numRuns: 25 },
    )
  })
})
