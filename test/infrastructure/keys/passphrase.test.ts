import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isKeyFileError, readPassphrase } from '../../../infrastructure/keys/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function passphraseFile(text: string, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-pass-'))
  dirs.push(dir)
  const path = join(dir, 'passphrase')
  writeFileSync(path, text)
  chmodSync(path, mode)
  return path
}

describe('passphrase sources', () => {
  it('reads MODEL_LEDGER_PASSPHRASE', async () => {
    expect((await readPassphrase({ env: { MODEL_LEDGER_PASSPHRASE: 'from env' } })).reveal()).toBe('from env')
  })

  it('prefers a passphrase file, dropping one trailing newline', async () => {
    const file = passphraseFile('from file \n')
    const env = { MODEL_LEDGER_PASSPHRASE: 'from env', MODEL_LEDGER_PASSPHRASE_FILE: file }
    expect((await readPassphrase({ env })).reveal()).toBe('from file ')
    expect((await readPassphrase({ file: passphraseFile('explicit\r\n'), env })).reveal()).toBe('explicit')
  })

  it('refuses a passphrase file others can read, an empty one, a missing one, and no source', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => readPassphrase({ file: passphraseFile('open', 0o644), env: {} }), 'insecure-file'],
      [() => readPassphrase({ file: passphraseFile('\n'), env: {} }), 'no-passphrase'],
      [() => readPassphrase({ file: '/nonexistent/passphrase', env: {} }), 'not-found'],
      [() => readPassphrase({ env: { MODEL_LEDGER_PASSPHRASE: '' } }), 'no-passphrase'],
    ]
    for (const [read, code] of cases) {
      const error = await read().catch((e: unknown) => e)
      expect(isKeyFileError(error) ? error.code : error).toBe(code)
    }
  })
})
