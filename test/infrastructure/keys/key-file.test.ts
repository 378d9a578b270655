import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import { referenceEd25519 } from '../../../domain/crypto/reference.js'
import { nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import {
  createKeyFile,
  isKeyFileError,
  keyIdOf,
  loadSigner,
  readKeyFileInfo,
  readPublicKey,
  Secret,
  type KeyFileErrorCode,
} from '../../../infrastructure/keys/index.js'

const FAST = { N: 2 ** 10, r: 8, p: 1 }
const PASSPHRASE = 'correct horse battery staple'
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 100)

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempPath(name = 'ledger.key'): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-keys-'))
  dirs.push(dir)
  return join(dir, name)
}

async function newKeyFile(): Promise<string> {
  const path = tempPath()
  await createKeyFile(path, PASSPHRASE, { label: 'ledger authority', cost: FAST, seed: SEED })
  return path
}

async function codeOf(promise: Promise<unknown>): Promise<KeyFileErrorCode | string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  return isKeyFileError(error) ? error.code : `not a KeyFileError: ${String(error)}`
}

/** Rewrites one member of the stored JSON. */
function tamper(path: string, edit: (file: Record<string, unknown>) => void): void {
  const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  edit(file)
  writeFileSync(path, JSON.stringify(file))
}

const flipHex = (hex: string, at = 0) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1)

describe('encrypted key files', () => {
  it('round trip: the loaded signer has the seed key and signs like it', async () => {
    const path = await newKeyFile()
    const expected = nativeEd25519.signer(SEED)
    const signer = await loadSigner(path, new Secret(PASSPHRASE))
    expect(toHex(signer.publicKey)).toBe(toHex(expected.publicKey))
    const message = new TextEncoder().encode('hello')
    expect(toHex(signer.sign(message))).toBe(toHex(expected.sign(message)))
    expect(referenceEd25519.verify(signer.publicKey, message, signer.sign(message))).toBe(true)
    expect(signer.keyId).toBe(keyIdOf(expected.publicKey))
  })

  it('a generated key differs each time and loads back', async () => {
    const a = tempPath('a.key')
    const b = tempPath('b.key')
    const infoA = await createKeyFile(a, PASSPHRASE, { label: 'a', cost: FAST })
    const infoB = await createKeyFile(b, PASSPHRASE, { label: 'b', cost: FAST })
    expect(infoA.publicKey).not.toBe(infoB.publicKey)
    expect(toHex((await loadSigner(a, PASSPHRASE)).publicKey)).toBe(infoA.publicKey)
  })

  it('the default cost (scrypt N=2^17, r=8, p=1) creates and loads', async () => {
    const path = tempPath()
    const info = await createKeyFile(path, PASSPHRASE, { label: 'default cost' })
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ kdf: { N: 2 ** 17, r: 8, p: 1 } })
    expect(toHex((await loadSigner(path, PASSPHRASE)).publicKey)).toBe(info.publicKey)
  })

  it('reads the public key, key id and label without the passphrase', async () => {
    const path = await newKeyFile()
    const publicKey = toHex(nativeEd25519.signer(SEED).publicKey)
    expect(await readPublicKey(path)).toBe(publicKey)
    expect(await readKeyFileInfo(path)).toEqual({ publicKey, keyId: keyIdOf(nativeEd25519.signer(SEED).publicKey), label: 'ledger authority' })
  })

  it('stores the format, the KDF parameters and no secret in clear', async () => {
    const path = await newKeyFile()
    const text = readFileSync(path, 'utf8')
    const file = JSON.parse(text) as Record<string, unknown>
    expect(file).toMatchObject({ format: 'model-ledger-key', version: 1, algorithm: 'ed25519', kdf: { name: 'scrypt', ...FAST }, cipher: { name: 'xchacha20-poly1305' } })
    expect(text).not.toContain(toHex(SEED))
    expect(text).not.toContain(PASSPHRASE)
  })

  it('the wrong passphrase gives a typed error, not crypto internals', async () => {
    const path = await newKeyFile()
    const error = await loadSigner(path, 'wrong').catch((e: unknown) => e)
    expect(isKeyFileError(error, 'cannot-decrypt')).toBe(true)
    expect((error as Error).message).toMatch(/wrong passphrase, or the file was altered/)
  })

  it.each<[string, (file: Record<string, unknown>) => void, KeyFileErrorCode]>([
    ['the ciphertext', (f) => (f.ciphertext = flipHex(String(f.ciphertext), 5)), 'cannot-decrypt'],
    ['the authentication tag', (f) => (f.ciphertext = flipHex(String(f.ciphertext), 95)), 'cannot-decrypt'],
    ['the nonce', (f) => (f.cipher = { name: 'xchacha20-poly1305', nonce: flipHex((f.cipher as { nonce: string }).nonce) }), 'cannot-decrypt'],
    ['the label (associated data)', (f) => (f.label = 'someone else'), 'cannot-decrypt'],
    ['a KDF parameter (associated data)', (f) => (f.kdf = { ...(f.kdf as object), N: 2 ** 11 }), 'cannot-decrypt'],
    ['the public key', (f) => (f.publicKey = toHex(nativeEd25519.signer(new Uint8Array(32)).publicKey)), 'tampered'],
    [
      'the public key and its key id together',
      (f) => {
        const other = nativeEd25519.signer(new Uint8Array(32)).publicKey
        f.publicKey = toHex(other)
        f.keyId = keyIdOf(other)
      },
      'cannot-decrypt',
    ],
    ['an added member', (f) => (f.note = 'hi'), 'malformed'],
    ['the version', (f) => (f.version = 2), 'unsupported'],
    ['an absurd scrypt cost', (f) => (f.kdf = { ...(f.kdf as object), N: 2 ** 30 }), 'unsupported'],
  ])('tampering with %s is refused', async (_label, edit, code) => {
    const path = await newKeyFile()
    tamper(path, edit)
    expect(await codeOf(loadSigner(path, PASSPHRASE))).toBe(code)
  })

  it('a file that is not a key file, or not there', async () => {
    const path = tempPath()
    writeFileSync(path, 'not json')
    expect(await codeOf(loadSigner(path, PASSPHRASE))).toBe('malformed')
    expect(await codeOf(readPublicKey(tempPath('missing/none.key')))).toBe('not-found')
  })

  it('writes mode 0600 and leaves no temporary file', async () => {
    const path = await newKeyFile()
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readdirSync(join(path, '..'))).toEqual(['ledger.key'])
  })

  it('refuses to overwrite an existing file, sequentially or racing', async () => {
    const path = await newKeyFile()
    const before = readFileSync(path, 'utf8')
    expect(await codeOf(createKeyFile(path, PASSPHRASE, { label: 'again', cost: FAST }))).toBe('exists')
    expect(readFileSync(path, 'utf8')).toBe(before)
    const fresh = tempPath()
    const results = await Promise.allSettled([1, 2, 3].map((n) => createKeyFile(fresh, PASSPHRASE, { label: `racer ${n}`, cost: FAST })))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
  })

  it('refuses an empty passphrase and a bad label', async () => {
    expect(await codeOf(createKeyFile(tempPath(), '', { label: 'x', cost: FAST }))).toBe('no-passphrase')
    expect(await codeOf(createKeyFile(tempPath(), PASSPHRASE, { label: 'line\nbreak', cost: FAST }))).toBe('malformed')
  })

  it('the signer never shows its secret in JSON, strings or util.inspect', async () => {
    const path = await newKeyFile()
    const signer = await loadSigner(path, PASSPHRASE)
    const seedHex = toHex(SEED)
    const seedList = Array.from(SEED).join(', ')
    const outputs = [
      JSON.stringify(signer),
      JSON.stringify({ signer }),
      String(signer),
      inspect(signer),
      inspect(signer, { showHidden: true, depth: Infinity, getters: true }),
      inspect({ nested: [signer] }, { depth: Infinity }),
    ]
    for (const out of outputs) {
      expect(out).not.toContain(seedHex)
      expect(out).not.toContain(seedList)
      expect(out).not.toContain(Buffer.from(SEED).toString('base64'))
    }
    expect(JSON.parse(JSON.stringify(signer))).toEqual({ keyId: signer.keyId, label: 'ledger authority', publicKey: toHex(signer.publicKey) })
  })

  it('a Secret never shows its value', () => {
    const secret = new Secret(PASSPHRASE)
    for (const out of [JSON.stringify({ secret }), String(secret), `${secret}`, inspect(secret, { showHidden: true, depth: Infinity })]) {
      expect(out).not.toContain(PASSPHRASE)
    }
    expect(secret.reveal()).toBe(PASSPHRASE)
  })

  it('error messages carry neither the passphrase nor the secret', async () => {
    const path = await newKeyFile()
    const error = (await loadSigner(path, 'my wrong passphrase').catch((e: unknown) => e)) as Error
    expect(`${error.message} ${error.stack ?? ''} ${inspect(error)}`).not.toMatch(/my wrong passphrase|correct horse/)
  })
})
