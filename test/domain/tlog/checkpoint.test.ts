import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import { referenceCrypto, referenceEd25519 } from '../../../domain/crypto/reference.js'
import { encodeBase64 } from '../../../domain/tlog/base64.js'
import { checkCheckpointNote, defaultOrigin, formatCheckpoint, logVkey, parseCheckpoint, parseDecimalSize, signCheckpoint } from '../../../domain/tlog/checkpoint.js'
import { cosignatureTimestamp } from '../../../domain/tlog/cosignature.js'
import { hexKeyId, parseNote } from '../../../domain/tlog/note.js'
import { examples } from './c2sp-vectors.js'

const crypto = referenceCrypto
const ledger = referenceEd25519.signer(new Uint8Array(32).fill(0x4c))
const root = new Uint8Array(32).map((_, i) => i)
const origin = defaultOrigin(toHex(ledger.publicKey))

describe('checkpoint text', () => {
  it('parses the tlog-cosignature example: origin, size, root, and a witness line carrying key ID then timestamp', () => {
    const example = examples['tlog-cosignature']
    const note = parseNote(example.checkpoint)
    if (!note.ok) throw new Error(note.reason)
    const checkpoint = parseCheckpoint(note.value.text)
    expect(checkpoint.ok && checkpoint.value.origin).toBe('example.com/behind-the-sofa')
    expect(checkpoint.ok && checkpoint.value.size).toBe(20852163)
    expect(checkpoint.ok && encodeBase64(checkpoint.value.root)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=')
    expect(checkpoint.ok && checkpoint.value.extensions).toEqual([])
    const witness = note.value.signatures.find((signature) => signature.name === 'witness.example.com/w1')
    expect(witness && hexKeyId(witness.keyId)).toBe('8d66cf3f')
    expect(witness && cosignatureTimestamp(witness)).toBe(BigInt(example.witnessTimestamp))
  })

  it('formats and parses back any checkpoint, extension lines included', () => {
    const line = fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.replace(/\p{Cc}/gu, 'x'))
    fc.assert(
      fc.property(line, fc.maxSafeNat(), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(line, { maxLength: 3 }), (origin, size, root, extensions) => {
        const text = formatCheckpoint({ origin, size, root, extensions })
        expect(parseCheckpoint(text)).toEqual({ ok: true, value: { origin, size, root, extensions } })
      }),
    )
  })

  it('reads a size only in strict decimal that fits a safe integer', () => {
    expect(parseDecimalSize('0')).toBe(0)
    expect(parseDecimalSize('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER)
    for (const bad of ['', '00', '01', '-1', '+1', '1e3', '1.0', ' 1', '0x10', '9007199254740992', '99999999999999999999', '１']) expect(parseDecimalSize(bad)).toBeUndefined()
  })

  const valid = formatCheckpoint({ origin: 'a.example/log', size: 3, root, extensions: [] })
  const refused: Array<[string, string]> = [
    ['two lines', 'a.example/log\n3\n'],
    ['an empty origin', valid.replace('a.example/log', '')],
    ['a leading zero', valid.replace('\n3\n', '\n03\n')],
    ['a size past 2^53 - 1', valid.replace('\n3\n', '\n9007199254740993\n')],
    ['a 31-byte root', valid.replace(encodeBase64(root), encodeBase64(root.subarray(1)))],
    ['a root in URL-safe base64', valid.replace(encodeBase64(root), encodeBase64(new Uint8Array(32).fill(0xff)).replaceAll('/', '_'))],
    ['an empty extension line', `${valid}\n`],
    ['no final newline', valid.slice(0, -1)],
    ['a carriage return', valid.replace('\n3\n', '\n3\r\n')],
  ]
  it.each(refused)('refuses %s', (_what, text) => {
    expect(parseCheckpoint(text)).toMatchObject({ ok: false, code: 'malformed-checkpoint' })
  })
})

describe('the ledger signs its checkpoints', () => {
  it('derives its origin from its key and signs under it', () => {
    expect(origin).toBe(`model-ledger/${toHex(ledger.publicKey).slice(0, 16)}`)
    const note = signCheckpoint(origin, 3, root, ledger, crypto)
    expect(note.startsWith(`${origin}\n3\n${encodeBase64(root)}\n\n— ${origin} `)).toBe(true)
    const checked = checkCheckpointNote(note, logVkey(origin, ledger.publicKey, crypto), crypto)
    expect(checked.ok && { origin: checked.value.origin, size: checked.value.size, root: checked.value.root }).toEqual({ origin, size: 3, root })
  })

  it('refuses a note under another key, another origin than expected, or a vkey whose name is not the origin', () => {
    const note = signCheckpoint(origin, 3, root, ledger, crypto)
    const other = referenceEd25519.signer(new Uint8Array(32).fill(0x4d))
    expect(checkCheckpointNote(note, logVkey(origin, other.publicKey, crypto), crypto)).toMatchObject({ ok: false, code: 'no-known-signature' })
    expect(checkCheckpointNote(note, logVkey(origin, ledger.publicKey, crypto), crypto, { origin: 'model-ledger/other' })).toMatchObject({ ok: false, code: 'wrong-origin' })
    const renamed = signCheckpoint(origin, 3, root, ledger, crypto).replaceAll(`— ${origin}`, '— elsewhere.example/key')
    const underOtherName = checkCheckpointNote(
      `${formatCheckpoint({ origin, size: 3, root, extensions: [] })}\n${renamed.split('\n\n')[1] ?? ''}`,
      logVkey('elsewhere.example/key', ledger.publicKey, crypto),
      crypto,
    )
    expect(underOtherName.ok).toBe(false)
  })

  it('refuses to sign what is not a checkpoint', () => {
    expect(() => signCheckpoint(origin, -1, root, ledger, crypto)).toThrow(RangeError)
    expect(() => signCheckpoint(origin, 1.5, root, ledger, crypto)).toThrow(RangeError)
    expect(() => signCheckpoint(origin, 1, root.subarray(1), ledger, crypto)).toThrow(RangeError)
    expect(() => signCheckpoint('with space/log', 1, root, ledger, crypto)).toThrow(TypeError)
    expect(() => defaultOrigin('ABC')).toThrow(TypeError)
  })
})
