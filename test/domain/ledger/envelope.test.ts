import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../../domain/canonical/jcs.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { referenceCrypto, referenceEd25519 } from '../../../domain/crypto/reference.js'
import type { JsonValue } from '../../../domain/json.js'
import { checkEnvelopeSeal, envelopeBody, hashBody, LEDGER_FORMAT, sealEnvelopeText, type EnvelopeBody } from '../../../domain/ledger/envelope.js'

const signer = referenceEd25519.signer(new Uint8Array(32).fill(7))
const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex)
const hex64 = fc.uint8Array({ minLength: 64, maxLength: 64 }).map(toHex)
const time = fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true }).map((d) => d.toISOString())
const cause = fc.oneof(
  fc.record({ kind: fc.constant('command' as const), commandHash: hex32, actor: hex32, actorSignature: hex64 }),
  fc.record({ kind: fc.constant('system' as const), reason: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) }),
)
const body: fc.Arbitrary<EnvelopeBody> = fc.record({
  format: fc.constant(LEDGER_FORMAT),
  sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  stream: fc.stringMatching(/^[a-z][a-z0-9]{0,8}(-[A-Za-z0-9][A-Za-z0-9._:-]{0,20})?$/),
  streamVersion: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  type: fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,20}$/),
  data: fc.jsonValue() as fc.Arbitrary<JsonValue>,
  recordedAt: time,
  cause,
  prevHash: hex32,
  signer: hex32,
})

describe('sealed envelopes', () => {
  it('carry exactly their canonical text, and a hash over the canonical body', () => {
    fc.assert(
      fc.property(body, (b) => {
        const { envelope, text } = sealEnvelopeText(b, signer, referenceCrypto)
        expect(text).toBe(canonicalize(envelope as unknown as JsonValue))
        expect(envelope.hash).toBe(toHex(hashBody(envelopeBody(envelope), referenceCrypto)))
      }),
      { numRuns: 300 },
    )
  })

  it('verify under the ledger key and fail when any member changes', () => {
    fc.assert(
      fc.property(body, fc.constantFrom<keyof EnvelopeBody>('format', 'sequence', 'stream', 'streamVersion', 'type', 'data', 'recordedAt', 'prevHash'), (b, member) => {
        const { envelope } = sealEnvelopeText({ ...b, signer: toHex(signer.publicKey) }, signer, referenceCrypto)
        expect(checkEnvelopeSeal(envelope, referenceCrypto)).toEqual({ ok: true })
        const changed = { ...envelope, [member]: member === 'data' ? { other: envelope.data } : typeof envelope[member] === 'number' ? (envelope[member] as number) + 1 : `${String(envelope[member])}x` }
        expect(checkEnvelopeSeal(changed, referenceCrypto).ok).toBe(false)
      }),
      { numRuns: 100 },
    )
  })
})
