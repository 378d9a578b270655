import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { referenceCrypto, referenceEd25519 } from '../../../domain/crypto/reference.js'
import { decodeBase64, encodeBase64 } from '../../../domain/tlog/base64.js'
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatNote,
  MAX_SIGNATURES,
  openNote,
  parseNote,
  signatureLine,
  signNote,
  type NoteVerifier,
} from '../../../domain/tlog/note.js'
import { verifierFromVkey, vkeyOf } from '../../../domain/tlog/vkey.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { examples, goSignerKey } from './c2sp-vectors.js'

const crypto = referenceCrypto
const key = (seed: number) => referenceEd25519.signer(new Uint8Array(32).fill(seed))

function vkey(text: string): NoteVerifier {
  const parsed = verifierFromVkey(text, crypto)
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.value
}

/** The note with its last signature's final base64 character changed only in bits the bytes do not use. */
function nonCanonical(note: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const at = note.lastIndexOf('=') - 1
  const spare = alphabet[alphabet.indexOf(note[at] as string) ^ 1] as string
  return note.slice(0, at) + spare + note.slice(at + 1)
}

const signedBy = (text: string, name: string, seed: number) => signNote(text, [ed25519NoteSigner(name, key(seed), crypto)])
const verifierOf = (name: string, seed: number) => ed25519NoteVerifier(name, key(seed).publicKey, crypto)

describe('canonical base64', () => {
  it('agrees with Buffer on any bytes, both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = encodeBase64(bytes)
        expect(text).toBe(Buffer.from(bytes).toString('base64'))
        expect(decodeBase64(text)).toEqual(bytes)
      }),
    )
  })

  it('refuses a second spelling of the same bytes, missing padding, whitespace and URL-safe letters', () => {
    for (const bad of ['QR==', 'QUF=', 'QUI', 'QUJD\n', 'QU JD', 'QUJ-', 'QUJ_', '=', 'Q===']) expect(decodeBase64(bad)).toBeUndefined()
    expect(decodeBase64('QQ==')).toEqual(Uint8Array.of(0x41))
  })
})

describe('signed notes: the published examples', () => {
  it('the C2SP example note verifies under its vkey', () => {
    const example = examples['signed-note']
    const opened = openNote(example.note, [vkey(example.vkey)])
    expect(opened.ok && opened.value.note.text).toBe('This is an example message.\n')
    expect(opened.ok && opened.value.verified.map((s) => s.name)).toEqual(['example.com/foo'])
  })

  it('signing the Go sumdb text with its key gives exactly its signature line, which verifies under its vkey', () => {
    const go = examples['go-sumdb-note']
    const { name, seed } = goSignerKey(go.skey)
    const signer = ed25519NoteSigner(name, referenceEd25519.signer(seed), crypto)
    expect(`${signatureLine(signer, go.text)}\n`).toBe(go.signatureLine)
    expect(vkeyOf(ed25519NoteVerifier(name, referenceEd25519.signer(seed).publicKey, crypto))).toBe(go.vkey)
    const note = `${go.text}\n${go.signatureLine}`
    expect(openNote(note, [vkey(go.vkey)]).ok).toBe(true)
    expect(openNote(new TextEncoder().encode(note), [vkey(go.vkey)]).ok).toBe(true)
  })

  it('the native crypto suite signs and verifies the same bytes', () => {
    const go = examples['go-sumdb-note']
    const { name, seed } = goSignerKey(go.skey)
    expect(`${signatureLine(ed25519NoteSigner(name, nativeCrypto.ed25519.signer(seed), nativeCrypto), go.text)}\n`).toBe(go.signatureLine)
    const verifier = verifierFromVkey(go.vkey, nativeCrypto)
    expect(verifier.ok && openNote(`${go.text}\n${go.signatureLine}`, [verifier.value]).ok).toBe(true)
  })

  it('the text ends at the last blank line, so a text may hold blank lines', () => {
    const text = 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n'
    const note = signedBy(text, 'quasimodo.example/salvatore', 7)
    const opened = openNote(note, [verifierOf('quasimodo.example/salvatore', 7)])
    expect(opened.ok && opened.value.note.text).toBe(text)
  })
})

describe('signed notes: refusals', () => {
  const text = 'origin.example/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'
  const note = signedBy(text, 'origin.example/log', 1)
  const good = verifierOf('origin.example/log', 1)

  it('a changed text fails, naming the key', () => {
    const result = openNote(note.replace('\n5\n', '\n6\n'), [good])
    expect(result).toMatchObject({ ok: false, code: 'bad-signature' })
  })

  it('a changed signature fails', () => {
    const parsed = parseNote(note)
    if (!parsed.ok) throw new Error(parsed.reason)
    const [signature] = parsed.value.signatures
    if (signature === undefined) throw new Error('no signature')
    const bytes = decodeBase64(signature.line.split(' ')[2] ?? '') as Uint8Array
    bytes[10] = (bytes[10] as number) ^ 1
    const tampered = formatNote({ text, signatures: [{ ...signature, line: `— origin.example/log ${encodeBase64(bytes)}` }] })
    expect(openNote(tampered, [good])).toMatchObject({ ok: false, code: 'bad-signature' })
  })

  it('another key under the same name has another key ID: its signature is unknown, and a note with no known signature is refused', () => {
    expect(openNote(note, [verifierOf('origin.example/log', 2)])).toMatchObject({ ok: false, code: 'no-known-signature' })
    expect(openNote(note, [verifierOf('other.example/log', 1)])).toMatchObject({ ok: false, code: 'no-known-signature' })
  })

  it('a key that collides on name and key ID but is another key must verify, and fails', () => {
    const impostor: NoteVerifier = { ...verifierOf('origin.example/log', 2), keyId: good.keyId }
    expect(openNote(note, [impostor])).toMatchObject({ ok: false, code: 'bad-signature' })
  })

  it('unknown signatures are ignored but kept, whatever their bytes', () => {
    const foreign = `— witness.example/w1 ${encodeBase64(new Uint8Array(randomBytes(76)))}\n`
    const opened = openNote(note + foreign, [good])
    expect(opened.ok && opened.value.verified.length).toBe(1)
    expect(opened.ok && opened.value.unverified.map((s) => s.name)).toEqual(['witness.example/w1'])
    expect(opened.ok && formatNote(opened.value.note)).toBe(note + foreign)
  })

  it('a known signature that fails spoils the note even when another verifies', () => {
    const other = verifierOf('second.example/key', 3)
    // A line under the second key's name and key ID, signed by some other key.
    const forged = signatureLine({ ...ed25519NoteSigner('second.example/key', key(4), crypto), keyId: other.keyId }, text)
    expect(openNote(note, [good, other]).ok).toBe(true)
    expect(openNote(`${note}${forged}\n`, [good, other])).toMatchObject({ ok: false, code: 'bad-signature' })
  })

  const malformed: Array<[string, string | Uint8Array, string]> = [
    ['CRLF line endings', note.replaceAll('\n', '\r\n'), 'control-character'],
    ['a tab in the text', note.replace('origin.example/log\n5', 'origin.example/log\t\n5'), 'control-character'],
    ['invalid UTF-8', Uint8Array.from([...new TextEncoder().encode(text), 0xff, 0x0a, 0x0a]), 'not-utf8'],
    ['a lone surrogate', `\ud800${note}`, 'not-utf8'],
    ['no blank line', note.replace('\n\n', '\n'), 'no-signatures'],
    ['no signature line', `${text}\n`, 'no-signatures'],
    ['no final newline', note.slice(0, -1), 'no-signatures'],
    ['a hyphen for the em dash', note.replace('—', '-'), 'malformed-signature'],
    ['two spaces', note.replace('— ', '—  '), 'malformed-signature'],
    ['a plus in the key name', note.replace('— origin.example/log', '— origin+example/log'), 'malformed-signature'],
    ['a no-break space in the key name', note.replace('— origin.example/log', '— origin\u00a0example/log'), 'malformed-signature'],
    ['non-canonical base64', nonCanonical(note), 'malformed-signature'],
    ['a signature of only a key ID', `${text}\n— origin.example/log AAAAAA==\n`, 'malformed-signature'],
  ]

  it('a blank line among signatures makes the lines above it text, which no longer verifies', () => {
    const twice = `${note}\n${note.slice(text.length + 1)}`
    const parsed = parseNote(twice)
    expect(parsed.ok && parsed.value.text).toBe(`${note}`)
    expect(openNote(twice, [good])).toMatchObject({ ok: false, code: 'bad-signature' })
  })

  it.each(malformed)('refuses %s with a reason', (_what, input, code) => {
    const result = parseNote(input)
    expect(result).toMatchObject({ ok: false, code })
    expect(!result.ok && result.reason.length).toBeGreaterThan(10)
    expect(openNote(input, [good]).ok).toBe(false)
  })

  it('accepts the 16 signatures the spec demands, and refuses more than its bound', () => {
    const line = note.slice(text.length + 1)
    expect(openNote(`${text}\n${line.repeat(16)}`, [good]).ok).toBe(true)
    expect(parseNote(`${text}\n${line.repeat(MAX_SIGNATURES + 1)}`)).toMatchObject({ ok: false, code: 'too-many-signatures' })
    expect(parseNote(`${'a'.repeat(1024 * 1024)}\n\n${line}`)).toMatchObject({ ok: false, code: 'too-large' })
  })

  it('refuses to sign text that is not a note text, or under a name that is not a key name', () => {
    expect(() => signedBy('no newline', 'a.example/k', 1)).toThrow(TypeError)
    expect(() => signedBy('a\r\n', 'a.example/k', 1)).toThrow(TypeError)
    expect(() => signedBy('a\n', 'a example', 1)).toThrow(TypeError)
    expect(() => signedBy('a\n', '', 1)).toThrow(TypeError)
  })

  it('vkeys: refuses a wrong key ID, an unknown type, a short key, upper-case hex and a stray plus', () => {
    const go = examples['go-sumdb-note'].vkey
    const [name, id, material] = go.split('+') as [string, string, string]
    const bad = [
      `${name}+${id.replace(/^./, (c) => (c === '0' ? '1' : '0'))}+${material}`,
      `${name}+${id}+${encodeBase64(Uint8Array.of(0x02, ...(decodeBase64(material) as Uint8Array).subarray(1)))}`,
      `${name}+${id}+${encodeBase64(Uint8Array.of(0x01, 1, 2, 3))}`,
      `${name}+${id.toUpperCase()}+${material}`,
      `${name}+${id}+${material}+`,
      `+${id}+${material}`,
    ]
    for (const text of bad) expect(verifierFromVkey(text, crypto)).toMatchObject({ ok: false, code: 'bad-vkey' })
  })
})

describe('signed notes: properties', () => {
  const textArb = fc
    .array(fc.string({ unit: 'grapheme', maxLength: 20 }).map((line) => line.replace(/\p{Cc}/gu, '')), { minLength: 1, maxLength: 5 })
    .map((lines) => lines.map((line) => `${line}\n`).join(''))

  it('any note text signed by any key opens to the same text under that key', () => {
    fc.assert(
      fc.property(textArb, fc.integer({ min: 1, max: 255 }), (text, seed) => {
        const opened = openNote(signedBy(text, 'p.example/log', seed), [verifierOf('p.example/log', seed)])
        expect(opened.ok && opened.value.note.text).toBe(text)
      }),
      { numRuns: 60 },
    )
  })

  it('a cheater who changes any one byte of a signed note gets it refused', () => {
    const note = new TextEncoder().encode(signedBy('cheat.example/log\n10\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', 'cheat.example/log', 9))
    const verifier = verifierOf('cheat.example/log', 9)
    fc.assert(
      fc.property(fc.nat(note.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const changed = Uint8Array.from(note)
        changed[at] = (changed[at] as number) ^ flip
        expect(openNote(changed, [verifier]).ok).toBe(false)
      }),
      { numRuns: 300 },
    )
  })
})
