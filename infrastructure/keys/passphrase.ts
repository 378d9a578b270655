/**
 * Where a passphrase comes from when no one types it: a passphrase file (an explicit path, or
 * MODEL_LEDGER_PASSPHRASE_FILE), else MODEL_LEDGER_PASSPHRASE. A file is preferred because an
 * environment variable is inherited by child processes; a file readable by others is refused.
 */
import { readFile, stat } from 'node:fs/promises'
import { errnoCode, KeyFileError } from './errors.js'
import { Secret } from './secret.js'

export const PASSPHRASE_ENV = 'MODEL_LEDGER_PASSPHRASE'
export const PASSPHRASE_FILE_ENV = 'MODEL_LEDGER_PASSPHRASE_FILE'

export interface PassphraseSource {
  readonly file?: string
  readonly env?: Readonly<Record<string, string | undefined>>
}

async function fromFile(path: string): Promise<Secret> {
  let text: string
  try {
    const info = await stat(path)
    if ((info.mode & 0o077) !== 0) {
      throw new KeyFileError('insecure-file', `passphrase file ${path} is open to other users (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`)
    }
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof KeyFileError) throw error
    if (errnoCode(error) === 'ENOENT') throw new KeyFileError('not-found', `no passphrase file at ${path}`)
    throw new KeyFileError('io', `cannot read passphrase file ${path}: ${errnoCode(error) ?? 'unknown error'}`)
  }
  // Editors and `echo` end files with a newline that is not part of the passphrase.
  const passphrase = text.replace(/\r?\n$/, '')
  if (passphrase.length === 0) throw new KeyFileError('no-passphrase', `passphrase file ${path} is empty`)
  return new Secret(passphrase)
}

export async function readPassphrase(source: PassphraseSource = {}): Promise<Secret> {
  const env = source.env ?? process.env
  const file = source.file ?? env[PASSPHRASE_FILE_ENV]
  if (file !== undefined && file !== '') return fromFile(file)
  const value = env[PASSPHRASE_ENV]
  if (value !== undefined && value !== '') return new Secret(value)
  throw new KeyFileError('no-passphrase', `no passphrase: set ${PASSPHRASE_ENV} or ${PASSPHRASE_FILE_ENV}, or give a passphrase file`)
}
