import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { referenceCrypto, referenceEd25519 } from '../../../domain/crypto/reference.js'
import { formatCheckpoint, signCheckpoint, logVkey } from '../../../domain/tlog/checkpoint.js'
import { cosignatureMessage, cosignatureSigner, cosignatureTimestamp, cosignatureVerifier, MAX_TIMESTAMP } from '../../../domain/tlog/cosignature.js'
import { ALGORITHM, ed25519NoteVerifier, encodeVkey, keyIdOf, openNote, parseNote, signatureLine } from '../../../domain/tlog/note.js'
import { verifierFromVkey, vkeyOf } from '../../../domain/tlog/vkey.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { examples } from './c2sp-vectors.js'

const crypto = referenceCrypto
const log = referenceEd25519.signer(new Uint8Array(32).fill(1))
const witness = referenceEd25519.signer(new Uint8Array(32).fill(2))
const W = 'witness.example/w1'
const root = new Uint8Array(32).fill(7)
const checkpoint = signCheckpoint('log.example/a', 12, root, log, crypto)
const text = formatCheckpoint({ origin: 'log.example/a', size: 12, root, extensions: [] })

const cosign = (note: string, at: number, body = text) => `${note}${signatureLine(cosignatureSigner(W, witness, crypto, at), body)}\n`

describe('cosignature/v1', () => {
  it('signs the spec\'s message: header, time line, then the whole checkpoint text', () => {
    const example = parseNote(examples['tlog-cosignature'].checkpoint)
    if (!example.ok) throw new Error(example.reason)
    expect(new TextDecoder().decode(cosignatureMessage(example.value.text, 1679315147n))).toBe(
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    )
  })

  it('a cosigned checkpoint opens under the log key and the witness key; the line carries key ID, timestamp, signature', () => {
    const note = cosign(checkpoint, 1_700_000_000)
    const verifier = cosignatureVerifier(W, witness.publicKey, crypto)
    const opened = openNote(note, [verifier])
    expect(opened.ok && opened.value.verified.map((s) => s.name)).toEqual([W])
    expect(opened.ok && opened.value.unverified.map((s) => s.name)).toEqual(['log.example/a'])
    const line = opened.ok ? opened.value.verified[0] : undefined
    expect(line?.signature.length).toBe(72)
    expect(line && cosignatureTimestamp(line)).toBe(1_700_000_000n)
    expect(openNote(note, [verifier, ed25519NoteVerifier('log.example/a', log.publicKey, crypto)]).ok).toBe(true)
    const native = verifierFromVkey(vkeyOf(verifier), nativeCrypto)
    expect(native.ok && openNote(note, [native.value]).ok).toBe(true)
  })

  it('uses type byte 0x04 in its key ID and vkey, so a log key never passes for a witness key', () => {
    const verifier = cosignatureVerifier(W, witness.publicKey, crypto)
    expect(verifier.keyId).toBe(keyIdOf(W, 0x04, witness.publicKey, crypto.sha256))
    expect(verifier.keyId).not.toBe(ed25519NoteVerifier(W, witness.publicKey, crypto).keyId)
    const vkey = vkeyOf(verifier)
    expect(Buffer.from(vkey.split('+')[2] ?? '', 'base64')[0]).toBe(ALGORITHM.cosignatureV1)
    const back = verifierFromVkey(vkey, crypto)
    expect(back.ok && back.value.algorithm).toBe(0x04)
    // A plain Ed25519 signature under the witness name is not a cosignature.
    expect(openNote(cosign(checkpoint, 5), [ed25519NoteVerifier(W, witness.publicKey, crypto)]).ok).toBe(false)
  })

  it('refuses a changed timestamp, a changed checkpoint, extension lines added or removed, and another witness key', () => {
    const verifier = cosignatureVerifier(W, witness.publicKey, crypto)
    const note = cosign(checkpoint, 1_700_000_000)
    const opened = parseNote(note)
    if (!opened.ok) throw new Error(opened.reason)
    const line = opened.value.signatures[1]
    if (line === undefined) throw new Error('no cosignature')
    const shifted = Uint8Array.from(line.signature)
    shifted[7] = (shifted[7] as number) ^ 1
    expect(verifier.verify(new TextEncoder().encode(text), shifted)).toBe(false)
    expect(verifier.verify(new TextEncoder().encode(text), line.signature)).toBe(true)
    expect(verifier.verify(new TextEncoder().encode(text.replace('12', '13')), line.signature)).toBe(false)
    const extended = formatCheckpoint({ origin: 'log.example/a', size: 12, root, extensions: ['ext'] })
    expect(verifier.verify(new TextEncoder().encode(extended), line.signature)).toBe(false)
    const cosignedExtended = signatureLine(cosignatureSigner(W, witness, crypto, 9), extended)
    const cosignedBytes = parseNote(`${extended}\n${cosignedExtended}\n`)
    expect(cosignedBytes.ok && verifier.verify(new TextEncoder().encode(extended), cosignedBytes.value.signatures[0]?.signature ?? new Uint8Array())).toBe(true)
    expect(cosignedBytes.ok && verifier.verify(new TextEncoder().encode(text), cosignedBytes.value.signatures[0]?.signature ?? new Uint8Array())).toBe(false)
    const other = cosignatureVerifier(W, referenceEd25519.signer(new Uint8Array(32).fill(3)).publicKey, crypto)
    expect(openNote(note, [other]).ok).toBe(false)
  })

  it('never signs a zero, fractional or unsafe timestamp, and refuses one above 2^63 - 1', () => {
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1]) expect(() => cosignatureSigner(W, witness, crypto, bad)).toThrow(RangeError)
    const verifier = cosignatureVerifier(W, witness.publicKey, crypto)
    const huge = MAX_TIMESTAMP + 1n
    const signature = new Uint8Array(72)
    new DataView(signature.buffer).setBigUint64(0, huge, false)
    signature.set(witness.sign(cosignatureMessage(text, huge)), 8)
    expect(verifier.verify(new TextEncoder().encode(text), signature)).toBe(false)
  })

  it('any timestamp and size: cosign, then verify; a different timestamp in the signature never verifies', () => {
    const verifier = cosignatureVerifier(W, witness.publicKey, crypto)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.maxSafeNat(), fc.integer({ min: 1, max: 2 ** 40 }), (at, size, delta) => {
        const body = formatCheckpoint({ origin: 'log.example/a', size, root, extensions: [] })
        const parsed = parseNote(cosign('', at, body).replace(/^/, `${body}\n`))
        if (!parsed.ok) throw new Error(parsed.reason)
        const signature = parsed.value.signatures[0]?.signature ?? new Uint8Array()
        expect(verifier.verify(new TextEncoder().encode(body), signature)).toBe(true)
        const moved = Uint8Array.from(signature)
        new DataView(moved.buffer).setBigUint64(0, BigInt(at) + BigInt(delta), false)
        expect(verifier.verify(new TextEncoder().encode(body), moved)).toBe(false)
      }),
      { numRuns: 40 },
    )
  })

  it('a log vkey and a witness vkey are both written as vkeys', () => {
    expect(logVkey('log.example/a', log.publicKey, crypto)).toBe(encodeVkey(ed25519NoteVerifier('log.example/a', log.publicKey, crypto)))
  })
})
